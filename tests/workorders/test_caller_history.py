"""The caller's history on the operator's desk: a repeat caller's earlier tickets, adding the call
to an open one, or registering it as a repeat without new facts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.pages import PHONE, dispatched, registered
from workorders.models import EventKind, InvalidReason, Status, Ticket

HISTORY = "/api/tickets/caller-history/"


def test_operator_sees_the_callers_tickets_of_the_last_year(client, city, operator, dispatcher):
    open_one = dispatched(city, dispatcher)
    old = registered(title="去年的诉求")
    Ticket.objects.filter(pk=old.pk).update(registered_at=timezone.now() - timedelta(days=400))
    registered(citizen_phone="13800000000", title="别人的诉求")
    client.force_login(operator)

    response = client.get(HISTORY, {"phone": PHONE})

    assert response.status_code == 200
    results = response.json()["results"]
    assert [row["number"] for row in results] == [open_one.number]
    row = results[0]
    assert row["is_open"] is True
    assert row["status"] == Status.DISPATCHED
    assert row["unit"] == city.urban_management.name
    assert {"id", "registered_at", "title", "status_label"} <= set(row)


def test_phone_with_spaces_finds_the_same_caller(client, db, operator):
    registered()
    client.force_login(operator)

    results = client.get(HISTORY, {"phone": "139 1234 5678"}).json()["results"]

    assert len(results) == 1


@pytest.mark.parametrize("phone", ["", "12", "1" * 21, "<script>", "139😀1234", "139\x001234"])
def test_bad_phone_is_a_clear_400(client, db, operator, phone):
    client.force_login(operator)

    response = client.get(HISTORY, {"phone": phone})

    assert response.status_code == 400
    assert response.json()["fields"]["phone"]


@pytest.mark.parametrize("persona", ["unit_staff", "citizen", "leader", "follow_up_agent"])
def test_others_may_not_read_a_callers_history(client, db, persona, request):
    registered()
    client.force_login(request.getfixturevalue(persona))

    response = client.get(HISTORY, {"phone": PHONE})

    assert response.status_code == 403


def test_anonymous_history_is_401(client, db):
    assert client.get(HISTORY, {"phone": PHONE}).status_code == 401


def test_desk_shows_the_history_panel_and_unit_staff_never_reach_the_desk(
    client, db, operator, unit_staff
):
    client.force_login(operator)
    html = client.get("/operator/").content.decode()
    assert "data-caller-history" in html
    assert "js/caller.js" in html
    assert 'id="repeat-call"' in html

    client.force_login(unit_staff)
    response = client.get("/operator/")
    assert response.status_code in (403, 302)


def test_operator_adds_the_call_to_the_open_ticket(client, city, operator, dispatcher):
    ticket = dispatched(city, dispatcher)
    client.force_login(operator)

    response = client.post(
        f"/api/tickets/{ticket.pk}/calls/",
        {"text": "市民再次来电，路灯仍未修好，今晚有老人摔倒"},
        content_type="application/json",
    )

    assert response.status_code == 200
    event = ticket.events.filter(kind=EventKind.SUPPLEMENTED).get()
    assert event.actor == operator
    assert "老人摔倒" in event.reason
    assert Ticket.objects.count() == 1


def test_adding_a_call_needs_text_and_an_open_ticket(client, city, operator, dispatcher):
    ticket = registered()
    client.force_login(operator)

    empty = client.post(f"/api/tickets/{ticket.pk}/calls/", {}, content_type="application/json")
    assert empty.status_code == 400
    assert empty.json()["fields"]["text"]

    client.post(
        f"/api/tickets/{ticket.pk}/invalid/",
        {"reason_code": "spam"},
        content_type="application/json",
    )
    closed = client.post(
        f"/api/tickets/{ticket.pk}/calls/", {"text": "再次来电"}, content_type="application/json"
    )
    assert closed.status_code == 409


def test_unit_staff_may_not_add_a_call(client, city, dispatcher, unit_staff):
    ticket = dispatched(city, dispatcher)
    client.force_login(unit_staff)

    response = client.post(
        f"/api/tickets/{ticket.pk}/calls/", {"text": "再次来电"}, content_type="application/json"
    )

    assert response.status_code == 403


def test_repeat_without_new_facts_is_registered_and_not_dispatched(client, city, operator):
    first = registered()
    client.force_login(operator)

    response = client.post(
        "/operator/",
        {
            "content": "还是中关村大街路灯不亮的事，催一下",
            "citizen_phone": PHONE,
            "request_type": "help",
            "repeat_of": first.number,
        },
    )

    repeat = Ticket.objects.exclude(pk=first.pk).get()
    assert response.status_code == 302
    assert repeat.status == Status.INVALID
    assert repeat.invalid_reason == InvalidReason.REPEAT_NO_NEW_FACTS
    assert first.number in repeat.events.get(kind=EventKind.INVALIDATED).reason


@pytest.mark.parametrize("number", ["20990101-999999", "<b>x</b>"])
def test_repeat_of_an_unknown_or_closed_ticket_registers_nothing(client, db, operator, number):
    client.force_login(operator)

    response = client.post(
        "/operator/",
        {"content": "还是路灯不亮的事", "citizen_phone": PHONE, "repeat_of": number},
    )

    assert response.status_code == 400
    assert "不存在或已办结" in response.content.decode()
    assert Ticket.objects.count() == 0
