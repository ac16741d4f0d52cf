"""The dispatcher's pages: triage queue with filters, the dispatch form, approvals, all tickets."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.pages import dispatched, in_progress, registered
from workorders import services
from workorders.models import Assignment, RequestStatus, Status, Ticket


def triage_ticket(city, **overrides) -> Ticket:
    ticket = registered(**overrides)
    services.ticket_send_to_triage(
        ticket_id=ticket.pk,
        suggestion={
            "category_id": city.street_light.pk,
            "category_confidence": 0.42,
            "region_id": city.zhongguancun.pk,
            "region_confidence": 0.95,
            "urgency": "urgent",
            "urgency_confidence": 0.66,
            "lead_unit_id": city.urban_management.pk,
            "assist_unit_ids": [city.zhongguancun_office.pk],
            "alternatives": [[city.water.pk, 0.25]],
            "model": "rules-v1",
        },
        reason="分类置信度低 (0.42)",
    )
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def signed_in(client, dispatcher):
    client.force_login(dispatcher)
    return client


# --- triage queue -------------------------------------------------------------------------------


def test_triage_queue_lists_triage_tickets_only(signed_in, city):
    waiting = triage_ticket(city)
    other = registered(content="咨询社保缴费的办理流程")

    html = signed_in.get("/dispatch/triage/").content.decode()

    assert waiting.number in html
    assert other.number not in html
    assert "42%" in html
    assert f'href="/dispatch/tickets/{waiting.pk}/dispatch/?next=' in html


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("q=路灯", True),
        ("q=停水", False),
        ("urgency=normal", True),
        ("urgency=emergency", False),
        ("channel=web", True),
        ("channel=phone", False),
        ("registered_after=2000-01-01", True),
        ("registered_before=2000-01-01", False),
    ],
)
def test_triage_filters(signed_in, city, query, found):
    ticket = triage_ticket(city)

    html = signed_in.get(f"/dispatch/triage/?{query}").content.decode()

    assert (ticket.number in html) is found


def test_a_bad_filter_is_an_error_message_not_a_crash(signed_in, city):
    triage_ticket(city)

    response = signed_in.get("/dispatch/triage/?category=999999&registered_after=yesterday")

    assert response.status_code == 400
    assert "筛选条件有误" in response.content.decode()


def test_triage_queue_pages(signed_in, city):
    tickets = [triage_ticket(city, content=f"第{i}盏路灯不亮了，请尽快修理") for i in range(30)]

    first = signed_in.get("/dispatch/triage/?q=路灯").content.decode()
    second = signed_in.get("/dispatch/triage/?q=路灯&page=2").content.decode()

    assert tickets[0].number in first and tickets[-1].number not in first
    assert tickets[-1].number in second
    assert "q=%E8%B7%AF%E7%81%AF&amp;page=2" in first


# --- the dispatch form --------------------------------------------------------------------------


def test_dispatch_form_is_prefilled_from_the_suggestion(signed_in, city):
    ticket = triage_ticket(city)

    response = signed_in.get(f"/dispatch/tickets/{ticket.pk}/dispatch/")

    form = response.context["form"]
    assert form["category"].value() == city.street_light.pk
    assert form["region"].value() == city.zhongguancun.pk
    assert form["lead_unit"].value() == city.urban_management.pk
    assert form["assist_units"].value() == [city.zhongguancun_office.pk]
    assert form["urgency"].value() == "urgent"
    html = response.content.decode()
    assert "城乡建设 › 供水" in html  # the alternative
    assert "95%" in html
    assert "分类置信度低" in html


def test_dispatching_from_the_form(signed_in, city, dispatcher):
    ticket = triage_ticket(city)

    response = signed_in.post(
        f"/dispatch/tickets/{ticket.pk}/dispatch/",
        {
            "category": city.street_light.pk,
            "region": city.zhongguancun.pk,
            "urgency": "normal",
            "lead_unit": city.urban_management.pk,
            "assist_units": [city.zhongguancun_office.pk],
            "reason": "请尽快处理",
            "next": "/dispatch/triage/",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/dispatch/triage/"
    assert "已派单至市城市管理委员会" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED
    assert ticket.category_confirmed
    lead = ticket.assignments.get(active=True, role=Assignment.Role.LEAD)
    assert lead.unit == city.urban_management


def test_dispatch_without_a_lead_unit_changes_nothing(signed_in, city):
    ticket = triage_ticket(city)

    response = signed_in.post(
        f"/dispatch/tickets/{ticket.pk}/dispatch/", {"urgency": "normal", "lead_unit": ""}
    )

    assert response.status_code == 400
    assert "请选择主办单位" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.TRIAGE


def test_redispatch_from_the_ticket_page(signed_in, city, dispatcher):
    ticket = dispatched(city, dispatcher)
    html = signed_in.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "重新派单" in html

    form = signed_in.get(f"/dispatch/tickets/{ticket.pk}/dispatch/").context["form"]
    assert form["lead_unit"].value() == city.urban_management.pk
    signed_in.post(
        f"/dispatch/tickets/{ticket.pk}/dispatch/",
        {"urgency": "normal", "lead_unit": city.haidian_gov.pk, "category": city.street_light.pk},
    )

    lead = ticket.assignments.get(active=True, role=Assignment.Role.LEAD)
    assert lead.unit == city.haidian_gov


def test_redispatch_after_acceptance_is_a_conflict(signed_in, city, dispatcher, unit_staff):
    ticket = in_progress(city, dispatcher, unit_staff)

    response = signed_in.post(
        f"/dispatch/tickets/{ticket.pk}/dispatch/",
        {"urgency": "normal", "lead_unit": city.haidian_gov.pk},
    )

    assert response.status_code == 409
    assert "不能执行此操作" in response.content.decode()


# --- approvals ----------------------------------------------------------------------------------


def test_approving_a_return_sends_the_ticket_back_to_triage(
    signed_in, city, dispatcher, unit_staff
):
    ticket = dispatched(city, dispatcher)
    services.ticket_request_return(
        ticket_id=ticket.pk, actor=unit_staff, reason="不属于本单位职责范围"
    )
    html = signed_in.get("/dispatch/approvals/").content.decode()
    assert ticket.number in html and "不属于本单位职责范围" in html

    response = signed_in.post(
        f"/tickets/{ticket.pk}/decide_return/",
        {"approve": "true", "next": "/dispatch/approvals/"},
        follow=True,
    )

    assert "退单申请已处理" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.TRIAGE
    assert ticket.number in signed_in.get("/dispatch/triage/").content.decode()


def test_rejecting_a_return_needs_a_note(signed_in, city, dispatcher, unit_staff):
    ticket = dispatched(city, dispatcher)
    services.ticket_request_return(
        ticket_id=ticket.pk, actor=unit_staff, reason="不属于本单位职责范围"
    )

    refused = signed_in.post(f"/tickets/{ticket.pk}/decide_return/", {"approve": "false"})
    assert refused.status_code == 400
    assert "请填写驳回理由" in refused.content.decode()

    signed_in.post(
        f"/tickets/{ticket.pk}/decide_return/", {"approve": "false", "note": "路灯归你们管"}
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED
    assert ticket.return_requests.get().status == RequestStatus.REJECTED


def test_approving_an_extension_moves_the_due_time(signed_in, city, dispatcher, unit_staff):
    ticket = in_progress(city, dispatcher, unit_staff)
    new_due = ticket.resolve_due_at + timedelta(days=5)
    services.ticket_request_extension(
        ticket_id=ticket.pk, actor=unit_staff, reason="需要更换整条线路", requested_due_at=new_due
    )
    html = signed_in.get("/dispatch/approvals/").content.decode()
    assert timezone.localtime(new_due).strftime("%Y-%m-%d %H:%M") in html

    signed_in.post(f"/tickets/{ticket.pk}/decide_extension/", {"approve": "true"})

    ticket.refresh_from_db()
    assert ticket.resolve_due_at == new_due


def test_a_decision_without_a_choice_is_refused(signed_in, city, dispatcher, unit_staff):
    ticket = dispatched(city, dispatcher)
    services.ticket_request_return(
        ticket_id=ticket.pk, actor=unit_staff, reason="不属于本单位职责范围"
    )

    response = signed_in.post(f"/tickets/{ticket.pk}/decide_return/", {"approve": "maybe"})

    assert response.status_code == 400
    assert "请选择通过或驳回" in response.content.decode()


def test_operators_cannot_decide(client, city, dispatcher, unit_staff, operator):
    ticket = dispatched(city, dispatcher)
    services.ticket_request_return(
        ticket_id=ticket.pk, actor=unit_staff, reason="不属于本单位职责范围"
    )
    client.force_login(operator)

    response = client.post(f"/tickets/{ticket.pk}/decide_return/", {"approve": "true"})

    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == Status.RETURN_REQUESTED


# --- all tickets --------------------------------------------------------------------------------


def test_all_tickets_with_status_and_unit_filters(signed_in, city, dispatcher, unit_staff):
    working = in_progress(city, dispatcher, unit_staff)
    waiting = triage_ticket(city, content="望京街道小区停水两天")

    everything = signed_in.get("/dispatch/tickets/").content.decode()
    by_status = signed_in.get("/dispatch/tickets/?status=triage").content.decode()
    by_unit = signed_in.get(f"/dispatch/tickets/?unit={city.urban_management.pk}").content.decode()

    assert working.number in everything and waiting.number in everything
    assert waiting.number in by_status and working.number not in by_status
    assert working.number in by_unit and waiting.number not in by_unit


@pytest.mark.parametrize("url", ["/dispatch/triage/", "/dispatch/tickets/"])
def test_lists_cost_the_same_queries_for_two_tickets_or_twelve(signed_in, city, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert signed_in.get(url).status_code == 200
        return len(captured)

    for i in range(2):
        triage_ticket(city, content=f"第{i}盏路灯不亮了，请尽快修理")
    few = queries()
    for i in range(10):
        triage_ticket(city, content=f"又一盏路灯不亮了（{i}），请尽快修理")

    assert queries() == few
