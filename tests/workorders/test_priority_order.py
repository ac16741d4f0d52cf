"""Workbenches and the triage queue are ordered by priority — emergencies, then red, then
yellow, then the oldest — in SQL (pagination stays right), and say why a ticket is on top."""

import pytest
import time_machine

from tests.api import client_for
from tests.workorders.deadline_helpers import at, register
from workorders import services
from workorders.selectors import triage_queue, unit_workbench
from workorders.workdays import sync_calendar_from_library

NOW = at(2026, 3, 4, 10)


@pytest.fixture(autouse=True)
def calendar_2026(db):
    sync_calendar_from_library([2026])


def dispatched(moment, city, dispatcher, **kwargs):
    with time_machine.travel(moment, tick=False):
        ticket = register(**({"actor": kwargs.pop("actor")} if "actor" in kwargs else {}))
        return services.ticket_dispatch(
            ticket_id=ticket.pk,
            lead_unit=city.urban_management,
            category=city.street_light,
            actor=dispatcher,
            **kwargs,
        )


@pytest.fixture
def working(city, dispatcher, unit_staff):
    """Four tickets of 市城市管理委员会 at NOW (Wed 10:00), one of each kind of priority."""
    tickets = {
        # Accept due Tue 12:00: red for 22 hours.
        "red": dispatched(at(2026, 3, 3, 10), city, dispatcher),
        # Accept due Wed 10:10 (50 office minutes on Tuesday, 70 on Wednesday), yellow from 09:46.
        "yellow": dispatched(at(2026, 3, 3, 16, 40), city, dispatcher),
        # Accepted and contacted, resolve due Sun 8th: green, and the oldest.
        "old_green": dispatched(at(2026, 3, 1, 10), city, dispatcher),
        # An emergency dispatched a minute ago: green, but first.
        "emergency": dispatched(at(2026, 3, 4, 9, 59), city, dispatcher, urgency="emergency"),
    }
    with time_machine.travel(at(2026, 3, 1, 11), tick=False):
        services.ticket_accept(ticket_id=tickets["old_green"].pk, actor=unit_staff)
        services.ticket_contact(ticket_id=tickets["old_green"].pk, actor=unit_staff, note="已联系")
    return tickets


def test_the_workbench_puts_emergency_red_yellow_then_the_oldest_first(working, unit_staff):
    order = list(unit_workbench(user=unit_staff, tab="all", now=NOW))
    names = {ticket.pk: name for name, ticket in working.items()}
    assert [names[t.pk] for t in order] == ["emergency", "red", "yellow", "old_green"]


def test_the_api_says_why_and_paginates_in_that_order(working, unit_staff):
    client = client_for(unit_staff)
    with time_machine.travel(NOW, tick=False):
        first = client.get("/api/unit/tickets/?tab=all&page_size=2").json()
        second = client.get("/api/unit/tickets/?tab=all&page_size=2&page=2").json()
    rows = first["results"] + second["results"]
    assert [r["number"] for r in rows] == [
        working[name].number for name in ("emergency", "red", "yellow", "old_green")
    ]
    assert [r["priority_reason"] for r in rows] == ["紧急", "已超期 22 小时", "黄灯", "等待 3 天"]


def test_the_workbench_page_shows_the_reason_chips(client, working, unit_staff):
    client.force_login(unit_staff)
    with time_machine.travel(NOW, tick=False):
        page = client.get("/unit/?tab=all").content.decode()
    positions = [page.index(working[name].number) for name in ("emergency", "red", "yellow")]
    assert positions == sorted(positions)
    assert "priority-emergency" in page and "已超期 22 小时" in page and "等待 3 天" in page


def test_the_light_ordering_is_still_offered(working, unit_staff):
    order = list(unit_workbench(user=unit_staff, tab="all", filters={"ordering": "light"}, now=NOW))
    assert order[0].pk == working["red"].pk


def test_the_triage_queue_is_ordered_by_priority(city, dispatcher, operator):
    def triaged(moment, **kwargs):
        with time_machine.travel(moment, tick=False):
            ticket = register(**kwargs)
            return services.ticket_send_to_triage(ticket_id=ticket.pk, suggestion={}, reason="低")

    late = triaged(at(2026, 3, 3, 9))  # due Tue 11:00: red
    fresh = triaged(at(2026, 3, 4, 9, 55))  # due 11:55: green, the newest
    emergency = triaged(at(2026, 3, 4, 9, 58), urgency="emergency", actor=operator)
    soon = triaged(at(2026, 3, 4, 8, 30))  # due 10:30, yellow from 10:06… green at 10:00
    order = [t.pk for t in triage_queue(user=dispatcher, now=NOW)]
    assert order == [emergency.pk, late.pk, soon.pk, fresh.pk]
