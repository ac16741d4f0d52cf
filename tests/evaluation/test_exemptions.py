"""免考核: a unit asks, a dispatcher decides, exempt tickets leave that unit's rates and stay
visible with the reason — on the ticket's timeline and in the month's exempt count."""

import pytest
import time_machine

from evaluation.models import Exemption
from evaluation.periods import period_for
from evaluation.scoring import compute_month
from evaluation.selectors import drill_down
from evaluation.services import exemption_decide, exemption_request, follow_up_record_call
from hotline.lib.errors import Conflict, InvalidInput, NotAllowed, NotFound
from tests.evaluation import at, month, resolved_in_follow_up
from workorders.models import EventKind, RequestStatus

WHY = "市民要求单位承担其私人装修费用，超出政府职责"
ASKED, DECIDED = at(2026, 3, 4, 10), at(2026, 3, 5, 10)


@pytest.fixture
def unhappy(city, dispatcher, unit_staff, follow_up_agent):
    """A street-light ticket the citizen called unsolved and dissatisfied on March 3."""
    follow_up = resolved_in_follow_up(
        city, dispatcher, unit_staff, assist_units=[city.zhongguancun_office]
    )
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        follow_up_record_call(
            follow_up_id=follow_up.pk,
            actor=follow_up_agent,
            outcome="reached",
            contacted=True,
            solved=False,
            satisfaction="dissatisfied",
            decision="close",
            reason="超出政府职责",
        )
    return follow_up


def urban_figures(city, as_of):
    result = compute_month(period_for(month(2026, 3)), as_of=as_of)
    return next(f for f in result.units if f.unit_id == city.urban_management.pk)


def ask(follow_up, staff, moment=ASKED, reason="unreasonable", text=WHY):
    with time_machine.travel(moment, tick=False):
        return exemption_request(
            ticket_id=follow_up.ticket_id, actor=staff, reason=reason, explanation=text
        )


def decide(exemption, person, approve=True, note="", moment=DECIDED):
    with time_machine.travel(moment, tick=False):
        return exemption_decide(exemption_id=exemption.pk, actor=person, approve=approve, note=note)


def test_an_approved_exemption_leaves_the_units_rates(city, unhappy, unit_staff, dispatcher):
    before = urban_figures(city, at(2026, 4, 1))
    assert (before.valid, before.resolution_rate) == (1, 0)

    exemption = ask(unhappy, unit_staff)
    assert urban_figures(city, at(2026, 4, 1)).valid == 1  # pending: still counted
    decide(exemption, dispatcher, note="经核实属实")

    after = urban_figures(city, at(2026, 4, 1))
    assert (after.valid, after.finished, after.exempt, after.composite) == (0, 0, 1, None)
    # As of a moment before the approval, it still counted.
    assert urban_figures(city, at(2026, 3, 5, 9)).valid == 1


def test_exempt_tickets_stay_visible_with_the_reason(city, unhappy, unit_staff, dispatcher):
    decide(ask(unhappy, unit_staff), dispatcher)
    ticket = unhappy.ticket

    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds[-2:] == [EventKind.EXEMPTION_REQUESTED, EventKind.EXEMPTION_APPROVED]
    requested = ticket.events.get(kind=EventKind.EXEMPTION_REQUESTED)
    assert WHY in requested.reason and requested.unit == city.urban_management
    with time_machine.travel(at(2026, 4, 1), tick=False):
        exempt = drill_down(
            user=dispatcher,
            month=month(2026, 3),
            unit_id=city.urban_management.pk,
            figure="exempt",
        )
        valid = drill_down(
            user=dispatcher, month=month(2026, 3), unit_id=city.urban_management.pk, figure="valid"
        )
    assert [f.ticket_id for f in exempt.follow_ups] == [ticket.pk]
    assert list(valid.follow_ups) == []


def test_an_assisting_unit_may_ask_for_its_own_share(city, unhappy, street_staff, dispatcher):
    exemption = ask(unhappy, street_staff, reason="outside_powers")

    assert exemption.unit == city.zhongguancun_office
    decide(exemption, dispatcher)
    # The lead unit's figures are untouched by the street's exemption.
    assert urban_figures(city, at(2026, 4, 1)).valid == 1


def test_units_that_did_not_handle_the_ticket_cannot_ask(unhappy, other_unit_staff, district_staff):
    with pytest.raises(NotFound):  # not even visible
        ask(unhappy, other_unit_staff)
    with pytest.raises(NotAllowed):  # visible to the district (抄送), but not its ticket
        ask(unhappy, district_staff)


def test_one_live_request_per_unit_and_a_rejected_unit_may_ask_again(
    unhappy, unit_staff, dispatcher
):
    first = ask(unhappy, unit_staff)
    with pytest.raises(Conflict):
        ask(unhappy, unit_staff)

    with pytest.raises(InvalidInput) as missing_note:
        decide(first, dispatcher, approve=False)
    assert "note" in missing_note.value.fields
    decide(first, dispatcher, approve=False, note="诉求合理，不予免考核")
    with pytest.raises(Conflict):
        decide(first, dispatcher)

    second = ask(unhappy, unit_staff, text="补充材料：市民已书面确认诉求超出职责范围")
    assert second.status == RequestStatus.PENDING
    assert list(Exemption.objects.values_list("status", flat=True).order_by("pk")) == [
        "rejected",
        "pending",
    ]
    assert unhappy.ticket.events.filter(kind=EventKind.EXEMPTION_REJECTED).count() == 1


def test_only_dispatchers_decide(unhappy, unit_staff, leader, follow_up_agent, admin_user):
    exemption = ask(unhappy, unit_staff)
    for person in (unit_staff, leader, follow_up_agent):
        with pytest.raises(NotAllowed):
            decide(exemption, person)
    assert decide(exemption, admin_user).status == RequestStatus.APPROVED


@pytest.mark.parametrize(
    ("reason", "text", "fields"),
    [("whatever", WHY, {"reason"}), ("unreasonable", "太短", {"explanation"})],
)
def test_a_request_needs_a_reason_and_an_explanation(unhappy, unit_staff, reason, text, fields):
    with pytest.raises(InvalidInput) as error:
        ask(unhappy, unit_staff, reason=reason, text=text)

    assert set(error.value.fields) == fields
    assert not Exemption.objects.exists()


def test_only_unit_staff_ask(unhappy, dispatcher, leader):
    for person in (dispatcher, leader):
        with pytest.raises(NotAllowed):
            ask(unhappy, person)
