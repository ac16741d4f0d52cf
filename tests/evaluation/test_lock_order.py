"""Every follow-up service locks the ticket before its follow-up row.

Two transactions taking the same two rows in opposite orders deadlock on PostgreSQL; SQLite
cannot show that (it serialises writers), so these tests record the order in which each service
asks for row locks (select_for_update) and check it against the one order
(evaluation.services.follow_up.follow_up_locked).
"""

import pytest
import time_machine
from django.db.models.query import QuerySet

from evaluation.models import FollowUp, SurveyLink
from evaluation.services import (
    follow_up_close_ticket,
    follow_up_decide,
    follow_up_record_call,
    follow_up_reopen_ticket,
    survey_submit,
    sweep_follow_ups,
)
from evaluation.services.follow_up import survey_token
from tests.evaluation import at, resolved_in_follow_up
from workorders.models import Ticket

UNSOLVED = {"contacted": True, "solved": False, "satisfaction": "dissatisfied"}


@pytest.fixture
def follow_up(city, dispatcher, unit_staff):
    return resolved_in_follow_up(city, dispatcher, unit_staff)


@pytest.fixture
def locks(monkeypatch):
    """The models whose rows are locked, in the order the locks are asked for."""
    order = []
    original = QuerySet.select_for_update

    def recording(self, *args, **kwargs):
        order.append(self.model)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(QuerySet, "select_for_update", recording)
    return order


def assert_ticket_first(order):
    assert Ticket in order and FollowUp in order
    assert order.index(Ticket) < order.index(FollowUp)


def test_an_agents_call(follow_up, follow_up_agent, locks):
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        follow_up_record_call(
            follow_up_id=follow_up.pk, actor=follow_up_agent, outcome="reached", **UNSOLVED
        )
        assert_ticket_first(locks)
        locks.clear()
        follow_up_decide(
            follow_up_id=follow_up.pk, actor=follow_up_agent, decision="reopen", reason="仍不亮"
        )
    assert_ticket_first(locks)


def test_the_citizens_survey(follow_up, locks):
    link = SurveyLink.objects.get(follow_up=follow_up)
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        survey_submit(token=survey_token(link.nonce), **UNSOLVED)
    assert_ticket_first(locks)
    assert locks.index(FollowUp) < locks.index(SurveyLink)


def test_the_ticket_page_actions(city, dispatcher, unit_staff, follow_up_agent, locks):
    for action in ("close", "reopen"):
        follow_up = resolved_in_follow_up(city, dispatcher, unit_staff)
        with time_machine.travel(at(2026, 3, 3, 10), tick=False):
            follow_up_record_call(
                follow_up_id=follow_up.pk, actor=follow_up_agent, outcome="reached", **UNSOLVED
            )
            locks.clear()
            if action == "close":
                follow_up_close_ticket(
                    ticket_id=follow_up.ticket_id, actor=follow_up_agent, note="超出政策范围"
                )
            else:
                follow_up_reopen_ticket(
                    ticket_id=follow_up.ticket_id, actor=follow_up_agent, reason="仍不亮"
                )
        assert_ticket_first(locks)


def test_the_sweep_at_the_end_of_the_window(follow_up, locks):
    with time_machine.travel(at(2026, 3, 9, 17, 31), tick=False):
        assert sweep_follow_ups().expired == 1
    assert_ticket_first(locks)
