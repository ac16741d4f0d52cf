"""The light is derived from due times in queries: right at any moment, with no sweep at all.

The ticket of most tests: a general request dispatched Monday 2026-03-02 10:00 —
accept due 12:00 (yellow 11:36), contact due Tue 10:00 (yellow 05:12), resolve due Mon Mar 9
10:00 (yellow Sun 00:24).
"""

import pytest
import time_machine
from django.template.loader import render_to_string

from hotline.lib.errors import InvalidInput, NotAllowed
from tests.workorders.deadline_helpers import at, dispatch_at, register
from workorders import services
from workorders.lights import light_name, parse_light
from workorders.models import Light, Ticket
from workorders.selectors import red_counts_by_unit, supervision_queue, unit_light_counts
from workorders.workdays import sync_calendar_from_library

N, G, Y, R = Light.NONE, Light.GREEN, Light.YELLOW, Light.RED


@pytest.fixture(autouse=True)
def calendar_2026(db):
    sync_calendar_from_library([2026])


@pytest.fixture
def ticket(city, dispatcher):
    return dispatch_at(at(2026, 3, 2, 10), city, dispatcher)


def lights(ticket, now) -> tuple:
    row = (
        Ticket.objects.with_lights(now=now)
        .values("accept_light", "contact_light", "resolve_light", "light")
        .get(pk=ticket.pk)
    )
    return (row["accept_light"], row["contact_light"], row["resolve_light"], row["light"])


def act(moment, service, **kwargs):
    with time_machine.travel(moment, tick=False):
        return service(**kwargs)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(2026, 3, 2, 11), (G, G, G, G)),
        (at(2026, 3, 2, 11, 36), (Y, G, G, Y)),  # the warning moment itself is yellow
        (at(2026, 3, 2, 12), (R, G, G, R)),  # and the due moment red
        (at(2026, 3, 3, 6), (R, Y, G, R)),
        (at(2026, 3, 9, 11), (R, R, R, R)),
    ],
)
def test_a_dispatched_ticket_through_time(ticket, now, expected):
    assert lights(ticket, now) == expected


def test_a_met_deadline_is_no_longer_lit(ticket, unit_staff):
    act(at(2026, 3, 2, 12, 30), services.ticket_accept, ticket_id=ticket.pk, actor=unit_staff)
    assert lights(ticket, at(2026, 3, 2, 12, 30)) == (N, G, G, G)
    assert lights(ticket, at(2026, 3, 3, 11)) == (N, R, G, R)
    act(
        at(2026, 3, 3, 11),
        services.ticket_contact,
        ticket_id=ticket.pk,
        actor=unit_staff,
        note="已电话联系",
    )
    assert lights(ticket, at(2026, 3, 3, 11)) == (N, N, G, G)
    assert lights(ticket, at(2026, 3, 8, 1)) == (N, N, Y, Y)
    assert lights(ticket, at(2026, 3, 9, 10)) == (N, N, R, R)
    act(
        at(2026, 3, 9, 10),
        services.ticket_resolve,
        ticket_id=ticket.pk,
        actor=unit_staff,
        reply="已更换灯泡，恢复照明。",
    )
    assert lights(ticket, at(2026, 3, 20)) == (N, N, N, N)


def test_during_a_return_review_only_the_resolve_clock_runs(ticket, unit_staff):
    act(
        at(2026, 3, 2, 11),
        services.ticket_request_return,
        ticket_id=ticket.pk,
        actor=unit_staff,
        reason="该路段路灯归区城管负责",
    )
    assert lights(ticket, at(2026, 3, 3, 11)) == (N, N, G, G)
    assert lights(ticket, at(2026, 3, 9, 11)) == (N, N, R, R)


def test_tickets_not_with_a_unit_have_only_the_dispatch_clock(city):
    with time_machine.travel(at(2026, 3, 2, 10), tick=False):
        ticket = register()
        assert lights(ticket, at(2026, 3, 2, 10)) == (N, N, N, N)  # set by triage or the sweep
        services.ticket_send_to_triage(ticket_id=ticket.pk, suggestion={}, reason="置信度低")
    # Only the center's dispatch deadline runs (tests/workorders/test_dispatch_deadline.py).
    assert lights(ticket, at(2026, 3, 2, 10, 30)) == (N, N, N, G)
    assert lights(ticket, at(2026, 3, 2, 13, 0)) == (N, N, N, R)


def test_a_paused_clock_keeps_its_light(ticket, unit_staff, dispatcher):
    act(at(2026, 3, 2, 11), services.ticket_accept, ticket_id=ticket.pk, actor=unit_staff)
    act(
        at(2026, 3, 2, 11),
        services.ticket_contact,
        ticket_id=ticket.pk,
        actor=unit_staff,
        note="已电话联系",
    )
    act(
        at(2026, 3, 5, 10),
        services.ticket_request_pause,
        ticket_id=ticket.pk,
        actor=unit_staff,
        reason="等待市民提供产权证明",
    )
    act(
        at(2026, 3, 5, 10),
        services.ticket_decide_pause,
        ticket_id=ticket.pk,
        actor=dispatcher,
        approve=True,
    )
    # Long past the original resolve due time, but the clock stopped on Thursday.
    assert lights(ticket, at(2026, 3, 12)) == (N, N, G, G)
    assert not Ticket.objects.overdue(now=at(2026, 3, 12)).exists()


def test_filters_agree_with_the_annotation(city, dispatcher, unit_staff):
    tickets = [dispatch_at(at(2026, 3, 2, hour), city, dispatcher) for hour in (8, 10, 14)]
    act(at(2026, 3, 2, 11), services.ticket_accept, ticket_id=tickets[0].pk, actor=unit_staff)
    register()
    for now in [at(2026, 3, 2, h, m) for h, m in ((9, 0), (11, 40), (12, 0), (15, 0), (18, 0))]:
        annotated = dict(Ticket.objects.with_lights(now=now).values_list("pk", "light"))
        for light in (G, Y, R):
            expected = {pk for pk, value in annotated.items() if value == light}
            found = set(Ticket.objects.lit(light, now=now).values_list("pk", flat=True))
            assert found == expected, (now, light)
        assert set(Ticket.objects.overdue(now=now).values_list("pk", flat=True)) == {
            pk for pk, value in annotated.items() if value == R
        }


def test_supervision_queue_lists_red_tickets_most_overdue_first(
    city, dispatcher, unit_staff, leader
):
    early = dispatch_at(at(2026, 3, 2, 9), city, dispatcher)
    late = dispatch_at(at(2026, 3, 2, 10), city, dispatcher)
    dispatch_at(at(2026, 3, 2, 14), city, dispatcher)  # still green at noon
    queue = list(supervision_queue(user=dispatcher, now=at(2026, 3, 2, 12, 30)))
    assert [t.pk for t in queue] == [early.pk, late.pk]
    assert all(t.light == R and t.accept_light == R for t in queue)
    assert queue[0].lead_assignment.unit == city.urban_management
    assert len(supervision_queue(user=leader, now=at(2026, 3, 2, 12, 30))) == 2
    with pytest.raises(NotAllowed):
        supervision_queue(user=unit_staff)
    counts = red_counts_by_unit(user=dispatcher, now=at(2026, 3, 2, 12, 30))
    assert counts == [
        {"unit_id": city.urban_management.pk, "unit__name": "市城市管理委员会", "red": 2}
    ]


def test_the_unit_workbench_counts(city, dispatcher, unit_staff, other_unit_staff):
    dispatch_at(at(2026, 3, 2, 9), city, dispatcher)
    dispatch_at(at(2026, 3, 2, 10), city, dispatcher)
    counts = unit_light_counts(user=unit_staff, now=at(2026, 3, 2, 11, 40))
    assert counts == {"red": 1, "yellow": 1, "supervisions": 0}
    assert unit_light_counts(user=other_unit_staff, now=at(2026, 3, 2, 11, 40))["red"] == 0


def test_the_partial_shows_colour_and_words():
    red = render_to_string("workorders/_light.html", {"light": R, "label": "办结"})
    # The colour comes from the stylesheet (the CSP allows no inline style), the words from here.
    assert "办结超期" in red and "light-dot-red" in red and "light-red" in red
    assert "将到期" in render_to_string("workorders/_light.html", {"light": Y})
    assert "正常" in render_to_string("workorders/_light.html", {"light": G})
    assert render_to_string("workorders/_light.html", {"light": N}).strip() == ""


def test_light_names_for_the_api():
    assert [light_name(x) for x in (N, G, Y, R, None)] == ["", "green", "yellow", "red", ""]
    assert parse_light("RED") == R and parse_light("2") == Y
    with pytest.raises(InvalidInput):
        parse_light("purple")
