"""The follow-up agent's calls: outcomes, retries, the citizen's answers, and every reopen path.

Tickets are resolved on Monday 2026-03-02 09:00 (follow-up due five working days later); the
agent calls from Tuesday on. FOLLOW_UP_MAX_ATTEMPTS = 3, FOLLOW_UP_RETRY_HOURS = 4 (defaults).
"""

import pytest
import time_machine

from evaluation.models import CallOutcome, Decision, FollowUpResult
from evaluation.services import (
    follow_up_close_ticket,
    follow_up_decide,
    follow_up_open,
    follow_up_record_call,
    follow_up_reopen_ticket,
    survey_submit,
)
from hotline.lib.errors import Conflict, InvalidInput, NotAllowed
from tests.evaluation import at, link_of, resolved_in_follow_up
from workorders import services
from workorders.models import EventKind, Status

R = FollowUpResult
REACHED_UNSOLVED = {
    "outcome": "reached",
    "contacted": True,
    "solved": False,
    "satisfaction": "dissatisfied",
}


@pytest.fixture
def follow_up(city, dispatcher, unit_staff):
    return resolved_in_follow_up(city, dispatcher, unit_staff)


def call(follow_up, agent, moment=None, **kwargs):
    with time_machine.travel(moment or at(2026, 3, 3, 10), tick=False):
        return follow_up_record_call(follow_up_id=follow_up.pk, actor=agent, **kwargs)


def status_of(follow_up) -> str:
    follow_up.ticket.refresh_from_db()
    return follow_up.ticket.status


def test_unanswered_calls_are_retried_then_the_citizen_counts_as_unreachable(
    follow_up, follow_up_agent
):
    first = call(follow_up, follow_up_agent, at(2026, 3, 3, 10), outcome="not_reached")
    assert (first.result, first.attempts, first.next_call_at) == (R.PENDING, 1, at(2026, 3, 3, 14))
    call(follow_up, follow_up_agent, at(2026, 3, 3, 15), outcome="not_reached")
    last = call(follow_up, follow_up_agent, at(2026, 3, 4, 10), outcome="not_reached")

    assert (last.result, last.attempts, last.finished_at) == (R.UNREACHABLE, 3, at(2026, 3, 4, 10))
    assert status_of(follow_up) == Status.CLOSED
    assert follow_up.calls.count() == 3
    kinds = list(follow_up.ticket.events.values_list("kind", flat=True))
    assert kinds.count(EventKind.FOLLOW_UP_CALL) == 3 and kinds[-1] == EventKind.CLOSED


@pytest.mark.parametrize(
    ("outcome", "result"),
    [(CallOutcome.REFUSED, R.REFUSED), (CallOutcome.WRONG_NUMBER, R.WRONG_NUMBER)],
)
def test_refused_and_wrong_numbers_finish_the_round_and_close(
    follow_up, follow_up_agent, outcome, result
):
    done = call(follow_up, follow_up_agent, outcome=outcome, note="市民表示不愿评价")

    assert (done.result, done.decision) == (result, Decision.CLOSED)
    assert done.solved is None and done.satisfaction == ""
    assert status_of(follow_up) == Status.CLOSED


def test_reached_and_solved_closes(follow_up, follow_up_agent):
    done = call(
        follow_up,
        follow_up_agent,
        outcome="reached",
        contacted=True,
        solved=True,
        satisfaction="basically_satisfied",
        comment="修得还行",
    )

    assert (done.result, done.channel, done.recorded_by) == (R.ANSWERED, "call", follow_up_agent)
    assert (done.contacted, done.solved, done.satisfaction) == (True, True, "basically_satisfied")
    assert status_of(follow_up) == Status.CLOSED
    call_event = follow_up.ticket.events.get(kind=EventKind.FOLLOW_UP_CALL)
    assert "基本满意" in call_event.reason and call_event.actor == follow_up_agent


def test_not_solved_reopens_to_the_same_lead_unit(follow_up, follow_up_agent, city, unit_staff):
    done = call(
        follow_up, follow_up_agent, **REACHED_UNSOLVED, decision="reopen", reason="路灯仍不亮"
    )

    assert done.decision == Decision.REOPENED
    ticket = done.ticket
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reopen_count) == (Status.DISPATCHED, 1)
    assert ticket.assignments.get(active=True, role="lead").unit == city.urban_management
    assert ticket.events.filter(kind=EventKind.REOPENED, actor=follow_up_agent).exists()

    # Handled again and resolved: a second round, which counts on its own.
    with time_machine.travel(at(2026, 3, 5, 10), tick=False):
        services.ticket_accept(ticket_id=ticket.pk, actor=unit_staff)
        services.ticket_contact(ticket_id=ticket.pk, actor=unit_staff, note="再次联系市民")
        services.ticket_resolve(
            ticket_id=ticket.pk, actor=unit_staff, reply="已更换整段线路，路灯恢复正常。"
        )
        second = follow_up_open(ticket_id=ticket.pk)
    assert second.round == 2 and second.pk != done.pk
    assert ticket.follow_ups.count() == 2


def test_not_solved_can_be_closed_or_left_for_later(city, dispatcher, unit_staff, follow_up_agent):
    closing = resolved_in_follow_up(city, dispatcher, unit_staff)
    later = resolved_in_follow_up(city, dispatcher, unit_staff)

    closed = call(
        closing, follow_up_agent, **REACHED_UNSOLVED, decision="close", reason="超出政策范围"
    )
    waiting = call(later, follow_up_agent, **REACHED_UNSOLVED)

    assert closed.decision == Decision.CLOSED and status_of(closing) == Status.CLOSED
    assert waiting.decision == "" and status_of(later) == Status.FOLLOW_UP


@pytest.mark.parametrize("decision", ["reopen", "close"])
def test_an_undecided_not_solved_is_decided_later(follow_up, follow_up_agent, decision):
    call(follow_up, follow_up_agent, **REACHED_UNSOLVED)

    with time_machine.travel(at(2026, 3, 4, 10), tick=False):
        decided = follow_up_decide(
            follow_up_id=follow_up.pk, actor=follow_up_agent, decision=decision, reason="市民坚持"
        )
        with pytest.raises(Conflict):  # only once
            follow_up_decide(
                follow_up_id=follow_up.pk, actor=follow_up_agent, decision=decision, reason="再次"
            )

    expected = {"reopen": Status.DISPATCHED, "close": Status.CLOSED}[decision]
    assert status_of(follow_up) == expected
    assert decided.decision == {"reopen": Decision.REOPENED, "close": Decision.CLOSED}[decision]


def test_the_citizens_sms_verdict_of_not_solved_is_decided_by_the_agent(
    follow_up, follow_up_agent, client
):
    token = link_of(follow_up).split("/")[-2]
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        survey_submit(token=token, contacted=True, solved=False, satisfaction="dissatisfied")
        with pytest.raises(Conflict):  # the round is finished: no more calls
            follow_up_record_call(
                follow_up_id=follow_up.pk, actor=follow_up_agent, outcome="not_reached"
            )
        follow_up_decide(
            follow_up_id=follow_up.pk, actor=follow_up_agent, decision="reopen", reason="仍未解决"
        )

    assert status_of(follow_up) == Status.DISPATCHED


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"outcome": "maybe"}, "outcome"),
        ({"outcome": "reached"}, "contacted"),
        ({"outcome": "reached", "contacted": True, "solved": True}, "satisfaction"),
        (
            {
                "outcome": "reached",
                "contacted": True,
                "solved": True,
                "satisfaction": "satisfied",
                "decision": "reopen",
                "reason": "想重办",
            },
            "decision",
        ),  # fmt: skip
        ({**REACHED_UNSOLVED, "decision": "reopen", "reason": ""}, "reason"),
        ({"outcome": "not_reached", "decision": "reopen", "reason": "想重办"}, "decision"),
    ],
)
def test_inconsistent_calls_are_refused_and_change_nothing(
    follow_up, follow_up_agent, kwargs, field
):
    with pytest.raises(InvalidInput) as error:
        call(follow_up, follow_up_agent, **kwargs)

    assert field in error.value.fields
    follow_up.refresh_from_db()
    assert (follow_up.result, follow_up.attempts) == (R.PENDING, 0)


def test_only_agents_and_dispatchers_record_calls(follow_up, unit_staff, leader, dispatcher):
    for person in (unit_staff, leader):
        with pytest.raises(NotAllowed):
            call(follow_up, person, outcome="not_reached")
    assert call(follow_up, dispatcher, outcome="not_reached").attempts == 1


def test_a_finished_round_takes_no_more_calls(follow_up, follow_up_agent):
    call(follow_up, follow_up_agent, outcome="refused")

    with pytest.raises(Conflict):
        call(follow_up, follow_up_agent, outcome="not_reached")


def test_ticket_page_close_and_reopen_need_the_outcome_first(follow_up, follow_up_agent):
    ticket_id = follow_up.ticket_id
    with pytest.raises(Conflict, match="请先在回访台记录回访结果"):
        follow_up_close_ticket(ticket_id=ticket_id, actor=follow_up_agent, note="")
    with pytest.raises(Conflict, match="请先在回访台记录回访结果"):
        follow_up_reopen_ticket(ticket_id=ticket_id, actor=follow_up_agent, reason="仍不亮")

    call(follow_up, follow_up_agent, **REACHED_UNSOLVED)
    follow_up_reopen_ticket(ticket_id=ticket_id, actor=follow_up_agent, reason="仍不亮")

    follow_up.refresh_from_db()
    assert follow_up.decision == Decision.REOPENED
    assert status_of(follow_up) == Status.DISPATCHED


def test_a_solved_verdict_cannot_be_reopened(city, dispatcher, unit_staff, follow_up_agent):
    follow_up = resolved_in_follow_up(city, dispatcher, unit_staff)
    # Keep it open: the verdict is recorded by the survey path, which closes only if solved —
    # so simulate an agent who recorded "solved" but the ticket is still open (legacy data).
    follow_up.result, follow_up.solved, follow_up.contacted = R.ANSWERED, True, True
    follow_up.satisfaction, follow_up.channel = "satisfied", "call"
    follow_up.finished_at = at(2026, 3, 3)
    follow_up.save()

    with pytest.raises(Conflict, match="市民已表示问题解决"):
        follow_up_reopen_ticket(ticket_id=follow_up.ticket_id, actor=follow_up_agent, reason="再办")
