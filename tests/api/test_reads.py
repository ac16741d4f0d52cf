"""Reading tickets through the API: lists and filters, detail with privacy, queues, reference data."""

import pytest

from tests.api import (
    client_for,
    extension_body,
    given_dispatched,
    given_registered,
    given_resolved,
    post,
    submit,
)
from workorders import services


def ok(response):
    assert response.status_code == 200, response.content.decode()
    return response.json()


# --- privacy -----------------------------------------------------------------------------------


def test_unit_staff_see_the_citizen_masked(city, dispatcher, unit_staff):
    ticket = given_dispatched(city, dispatcher)

    detail = ok(client_for(unit_staff).get(f"/api/tickets/{ticket.pk}/"))

    assert detail["citizen"] == {"level": "masked", "name": "张*", "phone": "138****5678"}
    assert "13812345678" not in str(detail)
    assert detail["suggestion"] == {}  # the classifier's notes are the center's


def test_confidential_ticket_hides_the_citizen_from_units(city, dispatcher, unit_staff):
    ticket = given_dispatched(city, dispatcher, confidential=True)

    detail = ok(client_for(unit_staff).get(f"/api/tickets/{ticket.pk}/"))
    reveal = post(unit_staff, ticket.pk, "reveal-contact")

    assert detail["citizen"] == {"level": "hidden", "name": "（保密）", "phone": "（保密）"}
    assert "张三" not in str(detail) and "13812345678" not in str(detail)
    assert reveal.status_code == 403


def test_revealing_the_contact_is_logged(city, dispatcher, unit_staff):
    ticket = given_dispatched(city, dispatcher)

    revealed = ok(post(unit_staff, ticket.pk, "reveal-contact"))
    events = ok(client_for(dispatcher).get(f"/api/tickets/{ticket.pk}/events/"))

    assert revealed == {"name": "张三", "phone": "13812345678"}
    assert events[-1]["kind"] == "contact_revealed"
    assert events[-1]["actor"] == "城管委小刘" and events[-1]["unit"] == "市城市管理委员会"


def test_center_and_the_own_citizen_see_everything(city, citizen, dispatcher, unit_staff):
    ticket = given_dispatched(city, dispatcher, citizen, confidential=True)

    for user in (dispatcher, citizen):
        detail = ok(client_for(user).get(f"/api/tickets/{ticket.pk}/"))
        assert detail["citizen"] == {"level": "full", "name": "张三", "phone": "13812345678"}


def test_a_citizens_account_name_does_not_leak_through_the_timeline(city, citizen, unit_staff):
    body = submit(client_for(citizen))
    services.ticket_dispatch(ticket_id=body["id"], lead_unit=city.urban_management)

    events = ok(client_for(unit_staff).get(f"/api/tickets/{body['id']}/events/"))

    assert events[0]["kind"] == "registered"
    assert events[0]["actor"] == "市民"
    assert "李市民" not in str(events) and "citizen_li" not in str(events)


def test_citizens_get_the_public_timeline_staff_the_full_one(city, citizen, dispatcher):
    body = submit(client_for(citizen))
    post(
        dispatcher,
        body["id"],
        "dispatch",
        {"lead_unit": city.urban_management.pk, "reason": "内部备注"},
    )

    mine = ok(client_for(citizen).get(f"/api/tickets/{body['id']}/"))["timeline"]
    full = ok(client_for(dispatcher).get(f"/api/tickets/{body['id']}/"))["timeline"]

    assert all(set(event) == {"kind", "label", "at", "unit", "text"} for event in mine)
    assert "内部备注" not in str(mine)
    assert full[-1]["reason"] == "内部备注" and full[-1]["actor"] == "赵派单"
    assert ok(client_for(citizen).get(f"/api/tickets/{body['id']}/"))["pending_return"] is None


# --- lists -------------------------------------------------------------------------------------


def test_list_filters(city, operator, dispatcher, unit_staff):
    light = given_dispatched(city, dispatcher)
    wages = given_registered(title="拖欠工资", content="公司拖欠工资三个月了，请帮忙", address="")
    services.ticket_dispatch(
        ticket_id=wages.pk, lead_unit=city.labour_bureau, category=city.wages, actor=dispatcher
    )
    inquiry = given_registered(title="咨询", content="请问社保卡怎么补办？", address="")
    client = client_for(operator)

    def numbers(**query) -> list[str]:
        return [t["number"] for t in ok(client.get("/api/tickets/", query))["results"]]

    assert set(numbers()) == {light.number, wages.number, inquiry.number}
    assert numbers(status=["registered"]) == [inquiry.number]
    assert set(numbers(status=["registered", "dispatched"])) == {
        light.number,
        wages.number,
        inquiry.number,
    }
    assert numbers(category=city.labour.pk) == [wages.number]  # includes sub-categories
    assert numbers(unit=city.urban_management.pk) == [light.number]
    assert numbers(q="社保卡") == [inquiry.number]
    assert numbers(channel="phone") == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "nonsense"}, "status"),
        ({"category": "abc"}, "category"),
        ({"unit": 999999}, "unit"),
        ({"registered_after": "yesterday"}, "registered_after"),
        ({"urgency": "x" * 10_000}, "urgency"),
    ],
)
def test_bad_filters_are_400(operator, query, field):
    response = client_for(operator).get("/api/tickets/", query)

    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_pagination(city, operator):
    for _ in range(3):
        given_registered()
    client = client_for(operator)

    page = ok(client.get("/api/tickets/", {"page_size": 2}))

    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert len(ok(client.get("/api/tickets/", {"page_size": 2, "page": 2}))["results"]) == 1
    assert client.get("/api/tickets/", {"page": 99}).status_code == 404
    assert client.get("/api/tickets/", {"page": "x"}).status_code == 404


def test_list_item_shape(city, dispatcher):
    given_dispatched(city, dispatcher)

    item = ok(client_for(dispatcher).get("/api/tickets/"))["results"][0]

    assert item["status_label"] == "已派单"
    assert item["category"] == {"id": city.street_light.pk, "name": "路灯"}
    assert item["lead_unit"] == {"id": city.urban_management.pk, "name": "市城市管理委员会"}
    assert item["resolve_due_at"]
    assert "citizen" not in item and "citizen_phone" not in item


def test_list_queries_do_not_grow_with_the_page(city, dispatcher, django_assert_max_num_queries):
    for _ in range(5):
        given_dispatched(city, dispatcher)
    client = client_for(dispatcher)
    # token, profile, count, page, assignments prefetch
    with django_assert_max_num_queries(6):
        assert len(ok(client.get("/api/tickets/"))["results"]) == 5


# --- queues ------------------------------------------------------------------------------------


def test_unit_workbench_tabs(city, dispatcher, unit_staff):
    ticket = given_dispatched(city, dispatcher)
    client = client_for(unit_staff)

    def tab(name: str) -> list[int]:
        return [t["id"] for t in ok(client.get("/api/unit/tickets/", {"tab": name}))["results"]]

    assert tab("new") == [ticket.pk]
    post(unit_staff, ticket.pk, "accept")
    assert (tab("new"), tab("in_progress"), tab("all")) == ([], [ticket.pk], [ticket.pk])
    response = client.get("/api/unit/tickets/", {"tab": "bogus"})
    assert response.status_code == 400 and "tab" in response.json()["fields"]


def test_district_sees_what_went_to_its_streets(city, dispatcher, district_staff):
    ticket = given_registered()
    services.ticket_dispatch(
        ticket_id=ticket.pk, lead_unit=city.zhongguancun_office, actor=dispatcher
    )

    listed = ok(client_for(district_staff).get("/api/unit/tickets/", {"tab": "all"}))["results"]

    assert [t["id"] for t in listed] == [ticket.pk]
    assert client_for(district_staff).get(f"/api/tickets/{ticket.pk}/").status_code == 200


def test_follow_up_queue(city, dispatcher, unit_staff, follow_up_agent):
    resolved = given_resolved(city, dispatcher, unit_staff)
    given_dispatched(city, dispatcher)

    queue = ok(client_for(follow_up_agent).get("/api/follow-up/"))["results"]

    assert [t["id"] for t in queue] == [resolved.pk]


def test_pending_extensions_queue(city, dispatcher, unit_staff):
    ticket = given_dispatched(city, dispatcher)
    post(unit_staff, ticket.pk, "accept")
    post(unit_staff, ticket.pk, "extension", extension_body(ticket))
    client = client_for(dispatcher)

    pending = ok(client.get("/api/triage/extensions/"))["results"]
    post(dispatcher, ticket.pk, "extension-decision", {"approve": False, "note": "请按期办结"})

    assert [(p["ticket_number"], p["status"]) for p in pending] == [(ticket.number, "pending")]
    assert pending[0]["unit"]["name"] == "市城市管理委员会"
    assert ok(client.get("/api/triage/extensions/"))["results"] == []


# --- reference data ----------------------------------------------------------------------------


def test_reference_data(city, operator):
    client = client_for(operator)

    categories = ok(client.get("/api/categories/", {"page_size": 100}))["results"]
    streets = ok(client.get("/api/regions/", {"parent": city.haidian.pk}))["results"]
    departments = ok(client.get("/api/units/", {"kind": "department"}))["results"]

    light = next(c for c in categories if c["id"] == city.street_light.pk)
    assert light["full_name"] == "城乡建设 › 市政管理 › 路灯" and light["level"] == 3
    assert [r["name"] for r in streets] == ["中关村街道"]
    assert streets[0]["full_name"] == "海淀区 › 中关村街道"
    assert {u["name"] for u in departments} == {"市城市管理委员会", "市人力资源和社会保障局"}
    assert client.get("/api/regions/", {"parent": "abc"}).status_code == 400
