"""A ticket's life through the API, as phone systems, unit apps and follow-up consoles drive it."""

from datetime import datetime, timedelta

from dispatch.services import ticket_auto_dispatch
from tests.api import client_for, extension_body, given_dispatched, given_registered, post, submit
from workorders.models import Status, Ticket


def ok(response) -> dict:
    assert response.status_code == 200, response.content.decode()
    return response.json()


def test_full_lifecycle(city, dispatcher, unit_staff, street_staff, follow_up_agent):
    # Given a citizen's request from the app, dispatched by the worker.
    ticket_id = submit()["id"]
    assert ticket_auto_dispatch(ticket_id=ticket_id) == "dispatched"  # stands in for the worker
    staff = client_for(unit_staff)
    detail = ok(staff.get(f"/api/tickets/{ticket_id}/"))
    assert detail["status"] == Status.DISPATCHED
    assert detail["lead_unit"]["name"] == "市城市管理委员会"
    assert [unit["name"] for unit in detail["assist_units"]] == ["中关村街道办事处"]

    # The lead unit accepts, contacts the citizen and records progress; the street assists.
    assert ok(post(unit_staff, ticket_id, "accept"))["status"] == Status.ACCEPTED
    assert ok(post(street_staff, ticket_id, "accept"))["status"] == Status.ACCEPTED
    contact = ok(post(unit_staff, ticket_id, "contact", {"note": "已电话联系市民，约定明天维修"}))
    assert contact["status"] == Status.IN_PROGRESS
    progress = ok(post(unit_staff, ticket_id, "progress", {"note": "已更换灯泡", "public": True}))
    assert progress["timeline"][-1]["kind"] == "progress"

    # An extension, asked by the unit and approved by a dispatcher, moves the due time.
    asked = extension_body(Ticket.objects.get(pk=ticket_id))
    detail = ok(post(unit_staff, ticket_id, "extension", asked))
    assert detail["pending_extension"]["reason"] == asked["reason"]
    detail = ok(post(dispatcher, ticket_id, "extension-decision", {"approve": True}))
    assert detail["pending_extension"] is None
    assert _time(detail["resolve_due_at"]) == _time(asked["requested_due_at"])

    # Resolved, it enters follow-up at once; the follow-up finds it unsolved: back to the same
    # lead unit. (The survey task does not run here: no follow-up round, so the ticket actions
    # work on their own; tests/evaluation drive the rounds.)
    reply = {"reply": "路灯已修复，经现场确认恢复照明。"}
    assert ok(post(unit_staff, ticket_id, "resolve", reply))["status"] == Status.FOLLOW_UP
    reopened = ok(post(follow_up_agent, ticket_id, "reopen", {"reason": "市民反映仍然不亮"}))
    assert (reopened["status"], reopened["reopen_count"]) == (Status.DISPATCHED, 1)
    assert reopened["lead_unit"]["name"] == "市城市管理委员会"

    # Handled again, resolved, followed up and closed.
    ok(post(unit_staff, ticket_id, "accept"))
    ok(post(unit_staff, ticket_id, "contact", {"note": "再次联系市民"}))
    ok(post(unit_staff, ticket_id, "resolve", {"reply": "已更换整段线路，路灯恢复正常。"}))
    closed = ok(post(follow_up_agent, ticket_id, "close", {"note": "市民满意"}))
    assert closed["status"] == Status.CLOSED and closed["closed_at"]

    events = ok(client_for(dispatcher).get(f"/api/tickets/{ticket_id}/events/"))
    assert [event["kind"] for event in events] == [
        "registered",
        "dispatched",
        "accepted",
        "accepted",
        "contacted",
        "progress",
        "extension_requested",
        "extension_approved",
        "resolved",
        "follow_up_started",
        "reopened",
        "accepted",
        "contacted",
        "resolved",
        "follow_up_started",
        "closed",
    ]
    assert events[1]["actor"] == "" and events[1]["data"]["auto"] is True


def test_return_approved_goes_to_triage_and_is_dispatched_again(
    city, dispatcher, unit_staff, other_unit_staff
):
    ticket_id = submit()["id"]
    ok(post(dispatcher, ticket_id, "dispatch", {"lead_unit": city.urban_management.pk}))

    asked = ok(post(unit_staff, ticket_id, "return", {"reason": "该路段路灯归区政府管理"}))
    assert asked["status"] == Status.RETURN_REQUESTED
    assert asked["pending_return"]["unit"]["name"] == "市城市管理委员会"
    returns = ok(client_for(dispatcher).get("/api/triage/returns/"))["results"]
    assert [r["ticket_id"] for r in returns] == [ticket_id]

    approved = ok(post(dispatcher, ticket_id, "return-decision", {"approve": True}))
    assert approved["status"] == Status.TRIAGE
    assert approved["lead_unit"] is None and approved["pending_return"] is None
    triage = ok(client_for(dispatcher).get("/api/triage/"))["results"]
    assert [t["id"] for t in triage] == [ticket_id]
    assert triage[0]["suggestion"]["returned_by"] == "市城市管理委员会"
    # The unit that returned it still sees its history but can no longer act on it.
    assert post(unit_staff, ticket_id, "accept").status_code == 403

    body = {
        "lead_unit": city.labour_bureau.pk,
        "category": city.wages.pk,
        "urgency": "urgent",
        "reason": "改派",
    }
    again = ok(post(dispatcher, ticket_id, "dispatch", body))
    assert again["status"] == Status.DISPATCHED
    assert again["lead_unit"]["name"] == "市人力资源和社会保障局"
    assert (again["category"]["id"], again["urgency"]) == (city.wages.pk, "urgent")
    assert ok(post(other_unit_staff, ticket_id, "accept"))["status"] == Status.ACCEPTED


def test_return_rejected_goes_back_to_the_unit(city, dispatcher, unit_staff):
    ticket = given_dispatched(city, dispatcher)
    ok(post(unit_staff, ticket.pk, "accept"))
    ok(post(unit_staff, ticket.pk, "return", {"reason": "不属于本单位的职责"}))

    no_note = post(dispatcher, ticket.pk, "return-decision", {"approve": False})
    assert no_note.status_code == 400 and "note" in no_note.json()["fields"]
    rejected = ok(
        post(dispatcher, ticket.pk, "return-decision", {"approve": False, "note": "属于职责"})
    )

    assert rejected["status"] == Status.ACCEPTED
    assert rejected["lead_unit"]["name"] == "市城市管理委员会"


def test_merge_and_invalid(city, operator):
    master, duplicate, spam = given_registered(), given_registered(), given_registered()

    merged = ok(
        post(operator, duplicate.pk, "merge", {"master_number": master.number, "reason": "重复"})
    )
    invalid = ok(post(operator, spam.pk, "invalid", {"reason_code": "spam", "note": "骚扰"}))

    assert (merged["status"], merged["merged_into"]) == (Status.MERGED, master.number)
    assert (invalid["status"], invalid["invalid_reason"]) == (Status.INVALID, "spam")
    assert merged["closed_at"] and invalid["closed_at"]


def test_bad_merge_and_invalid_input(city, operator):
    ticket = given_registered()
    cases = [
        ("merge", {"master_number": "20990101-999999"}, "master_number"),
        ("merge", {"master_number": ticket.number}, "master_number"),
        ("merge", {}, "master_number"),
        ("invalid", {"reason_code": "not-a-reason"}, "reason_code"),
        ("invalid", {"reason_code": "spam", "note": "长" * 5000}, "note"),
    ]
    for action, body, field in cases:
        response = post(operator, ticket.pk, action, body)
        assert response.status_code == 400, (action, body)
        assert field in response.json()["fields"]
    assert Ticket.objects.get(pk=ticket.pk).status == Status.REGISTERED


def test_answer_directly(city, operator):
    ticket = given_registered(title="社保咨询", content="请问灵活就业人员社保如何缴纳？")

    answered = ok(post(operator, ticket.pk, "answer", {"reply": "可在社保网上服务平台办理。"}))

    assert answered["status"] == Status.FOLLOW_UP and answered["lead_unit"] is None
    assert answered["reply"] == "可在社保网上服务平台办理。"


def test_state_conflicts_are_409(city, dispatcher, unit_staff):
    ticket = given_dispatched(city, dispatcher)

    early = post(unit_staff, ticket.pk, "resolve", {"reply": "路灯已修复，经现场确认恢复照明。"})
    ok(post(unit_staff, ticket.pk, "accept"))
    twice = post(unit_staff, ticket.pk, "accept")

    assert early.status_code == 409 and early.json()["code"] == "conflict"
    assert twice.status_code == 409


def test_dispatch_input_errors(city, dispatcher):
    ticket = given_registered()
    city.water_company.is_active = False
    city.water_company.save()
    cases = [
        ({}, "lead_unit"),
        ({"lead_unit": 10**30}, "lead_unit"),
        ({"lead_unit": "市城管委"}, "lead_unit"),
        ({"lead_unit": city.urban_management.pk, "assist_units": [999999]}, "assist_units"),
        ({"lead_unit": city.urban_management.pk, "assist_units": "x"}, "assist_units"),
        ({"lead_unit": city.urban_management.pk, "category": 999999}, "category"),
        ({"lead_unit": city.urban_management.pk, "urgency": "very"}, "urgency"),
        ({"lead_unit": city.water_company.pk}, "lead_unit"),
    ]
    for body, field in cases:
        response = post(dispatcher, ticket.pk, "dispatch", body)
        assert response.status_code == 400, body
        assert field in response.json()["fields"], body
    assert Ticket.objects.get(pk=ticket.pk).status == Status.REGISTERED


def test_extension_input_errors(city, dispatcher, unit_staff):
    ticket = given_dispatched(city, dispatcher)
    ok(post(unit_staff, ticket.pk, "accept"))
    cases = [
        ({"reason": "需要更多时间处理"}, "requested_due_at"),
        ({"reason": "需要更多时间处理", "requested_due_at": "下周一"}, "requested_due_at"),
        (
            {"reason": "需要更多时间处理", "requested_due_at": "2000-01-01T00:00:00"},
            "requested_due_at",
        ),
        ({"reason": "短", **_due_in(days=3, ticket=ticket)}, "reason"),
        ({"reason": "需要更多时间处理", **_due_in(days=90, ticket=ticket)}, "requested_due_at"),
    ]
    for body, field in cases:
        response = post(unit_staff, ticket.pk, "extension", body)
        assert response.status_code == 400, body
        assert field in response.json()["fields"], body


def _due_in(*, days: int, ticket: Ticket) -> dict:
    ticket.refresh_from_db()
    return {"requested_due_at": (ticket.resolve_due_at + timedelta(days=days)).isoformat()}


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
