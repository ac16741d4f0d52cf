"""The follow-up sweep: it opens rounds a lost task missed and closes tickets whose follow-up
window ended ("回访期满"). Tickets resolved Monday 2026-03-02 09:00 are due for follow-up by
Monday 2026-03-09 17:30 (five working days)."""

import json
from io import StringIO

import time_machine
from django.core.management import call_command

from evaluation.models import Decision, FollowUp, FollowUpResult
from evaluation.services import follow_up_record_call, sweep_follow_ups
from tests.evaluation import at, resolved_in_follow_up
from workorders import services
from workorders.models import EventKind, Notification, Status

R = FollowUpResult


def test_a_round_whose_task_was_lost_is_opened(city, dispatcher, unit_staff):
    follow_up = resolved_in_follow_up(city, dispatcher, unit_staff)
    follow_up.links.all().delete()
    follow_up.delete()  # as if the survey task never ran
    Notification.objects.all().delete()

    with time_machine.travel(at(2026, 3, 2, 9, 1), tick=False):
        assert sweep_follow_ups().opened == 0  # within the grace period the task may still come
    with time_machine.travel(at(2026, 3, 2, 9, 5), tick=False):
        assert sweep_follow_ups().opened == 1
        assert sweep_follow_ups().opened == 0

    assert FollowUp.objects.get().result == R.PENDING
    assert Notification.objects.filter(kind="survey").count() == 1


def test_an_unanswered_round_ends_with_the_window(city, dispatcher, unit_staff):
    follow_up = resolved_in_follow_up(city, dispatcher, unit_staff)
    assert follow_up.due_at == at(2026, 3, 9, 17, 30)

    with time_machine.travel(at(2026, 3, 9, 17), tick=False):
        assert sweep_follow_ups().expired == 0
    with time_machine.travel(at(2026, 3, 9, 17, 31), tick=False):
        result = sweep_follow_ups()

    assert result.expired == 1
    follow_up.refresh_from_db()
    assert (follow_up.result, follow_up.decision) == (R.UNREACHABLE, Decision.CLOSED)
    assert follow_up.finished_at == at(2026, 3, 9, 17, 31)
    ticket = follow_up.ticket
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    closed = ticket.events.get(kind=EventKind.CLOSED)
    assert "回访期满" in closed.reason and closed.actor is None


def test_an_undecided_not_solved_is_closed_when_the_window_ends(
    city, dispatcher, unit_staff, follow_up_agent
):
    follow_up = resolved_in_follow_up(city, dispatcher, unit_staff)
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        follow_up_record_call(
            follow_up_id=follow_up.pk,
            actor=follow_up_agent,
            outcome="reached",
            contacted=False,
            solved=False,
            satisfaction="dissatisfied",
        )
    with time_machine.travel(at(2026, 3, 10), tick=False):
        result = sweep_follow_ups()

    assert result.closed_undecided == 1
    follow_up.refresh_from_db()
    # The verdict stays what the citizen said; only the ticket is closed.
    assert (follow_up.result, follow_up.solved, follow_up.decision) == (R.ANSWERED, False, "closed")
    assert follow_up.finished_at == at(2026, 3, 3, 10)


def test_a_round_left_pending_by_another_path_counts_as_unreached(
    city, dispatcher, unit_staff, follow_up_agent
):
    follow_up = resolved_in_follow_up(city, dispatcher, unit_staff)
    # Someone closed the ticket with the plain workorders service, recording no verdict.
    services.ticket_close(ticket_id=follow_up.ticket_id, actor=follow_up_agent, note="")

    with time_machine.travel(at(2026, 3, 3), tick=False):
        assert sweep_follow_ups().orphans == 1

    follow_up.refresh_from_db()
    assert follow_up.result == R.UNREACHABLE


def test_dry_run_changes_nothing_and_the_command_reports(city, dispatcher, unit_staff):
    follow_up = resolved_in_follow_up(city, dispatcher, unit_staff)
    out = StringIO()

    with time_machine.travel(at(2026, 3, 10), tick=False):
        call_command("sweep_follow_ups", "--dry-run", stdout=out)
        assert json.loads(out.getvalue()) == {
            "dry_run": True,
            "opened": 0,
            "expired": 1,
            "closed_undecided": 0,
            "orphans": 0,
        }
        follow_up.refresh_from_db()
        assert follow_up.result == R.PENDING
        call_command("sweep_follow_ups", stdout=StringIO())

    follow_up.refresh_from_db()
    assert follow_up.result == R.UNREACHABLE


def test_the_beat_schedule_runs_the_sweep_and_closes_months(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert {"evaluation.tasks.sweep_follow_ups", "evaluation.tasks.close_due_month"} <= tasks
    assert settings.TICKET_RESOLVED_TASK == "evaluation.tasks.send_survey"
