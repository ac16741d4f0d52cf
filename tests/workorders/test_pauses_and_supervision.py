"""Pauses stop the resolve clock explicitly (asked by the unit, approved by a dispatcher, on the
timeline); supervision (督办) is a notice the unit must answer.

Ticket: dispatched Monday 2026-03-02 10:00, accepted and contacted at 11:00; resolve due Monday
Mar 9 10:00 (yellow Sunday 00:24).
"""

from datetime import datetime, timedelta

import pytest
import time_machine

from hotline.lib.errors import Conflict, InvalidInput, NotAllowed, NotFound
from tests.workorders.deadline_helpers import at, dispatch_at, fresh
from workorders import services
from workorders.models import EventKind, Light, Notification, PauseStatus, Status, Supervision
from workorders.selectors import unit_light_counts
from workorders.services import notifications as outbox
from workorders.services.deadline_sweep import sweep_deadlines
from workorders.workdays import sync_calendar_from_library


@pytest.fixture(autouse=True)
def calendar_2026(db):
    sync_calendar_from_library([2026])


@pytest.fixture(autouse=True)
def broker(monkeypatch):
    monkeypatch.setattr(outbox.celery_app, "send_task", lambda name, args: None)


def act(moment, service, **kwargs):
    with time_machine.travel(moment, tick=False):
        return service(**kwargs)


@pytest.fixture
def in_progress(city, dispatcher, unit_staff):
    ticket = dispatch_at(at(2026, 3, 2, 10), city, dispatcher)
    act(at(2026, 3, 2, 11), services.ticket_accept, ticket_id=ticket.pk, actor=unit_staff)
    act(
        at(2026, 3, 2, 11),
        services.ticket_contact,
        ticket_id=ticket.pk,
        actor=unit_staff,
        note="已电话联系",
    )
    return fresh(ticket)


def kinds(ticket) -> list[str]:
    return list(ticket.events.values_list("kind", flat=True))


# --- pauses ------------------------------------------------------------------------------------


def pause(ticket, unit_staff, dispatcher, *, at_moment):
    act(
        at_moment,
        services.ticket_request_pause,
        ticket_id=ticket.pk,
        actor=unit_staff,
        reason="等待市民提供产权证明材料",
    )
    return act(
        at_moment,
        services.ticket_decide_pause,
        ticket_id=ticket.pk,
        actor=dispatcher,
        approve=True,
    )


def test_a_pause_stops_the_clock_and_moves_the_due_time(in_progress, unit_staff, dispatcher):
    record = pause(in_progress, unit_staff, dispatcher, at_moment=at(2026, 3, 5, 10))
    assert record.status == PauseStatus.ACTIVE and record.started_at == at(2026, 3, 5, 10)
    assert fresh(in_progress).paused_at == at(2026, 3, 5, 10)
    # Days pass beyond the original due time: nothing turns yellow or red while paused.
    result = sweep_deadlines(now=at(2026, 3, 12))
    assert (result.yellow, result.red) == (0, 0)
    assert fresh(in_progress).light_state.check_at is None
    # Resumed after exactly a week: the due time moves by a week.
    act(
        at(2026, 3, 12, 10),
        services.ticket_resume,
        ticket_id=in_progress.pk,
        actor=unit_staff,
        note="市民已提供材料",
    )
    ticket = fresh(in_progress)
    assert ticket.paused_at is None
    assert ticket.resolve_due_at == at(2026, 3, 16, 10)
    assert ticket.resolve_warn_at == at(2026, 3, 15, 0, 24)
    resumed = ticket.events.get(kind=EventKind.RESUMED)
    assert resumed.public and resumed.data["paused_seconds"] == 7 * 24 * 3600
    assert datetime.fromisoformat(resumed.data["original_due_at"]) == at(2026, 3, 9, 10)
    assert kinds(ticket)[-3:] == ["pause_requested", "paused", "resumed"]
    # The clock runs again and the sweep records the red of the new due time only.
    assert sweep_deadlines(now=at(2026, 3, 16, 9)).red == 0
    assert sweep_deadlines(now=at(2026, 3, 16, 10, 1)).red == 1


def test_the_light_stays_as_it_was_when_the_clock_stopped(in_progress, unit_staff, dispatcher):
    # Paused on Sunday at 08:00: already yellow (since 00:24), and yellow it stays.
    pause(in_progress, unit_staff, dispatcher, at_moment=at(2026, 3, 8, 8))
    assert sweep_deadlines(now=at(2026, 3, 20)).yellow == 1
    lights = in_progress.__class__.objects.with_lights(now=at(2026, 3, 20)).get(pk=in_progress.pk)
    assert lights.resolve_light == Light.YELLOW


def test_rejected_pause(in_progress, unit_staff, dispatcher):
    act(
        at(2026, 3, 5, 10),
        services.ticket_request_pause,
        ticket_id=in_progress.pk,
        actor=unit_staff,
        reason="等待市民提供产权证明材料",
    )
    with pytest.raises(InvalidInput):
        services.ticket_decide_pause(ticket_id=in_progress.pk, actor=dispatcher, approve=False)
    record = services.ticket_decide_pause(
        ticket_id=in_progress.pk, actor=dispatcher, approve=False, note="材料可由单位自行调取"
    )
    assert record.status == PauseStatus.REJECTED
    assert fresh(in_progress).paused_at is None
    assert kinds(in_progress)[-1] == "pause_rejected"


def test_who_may_pause_and_when(city, in_progress, unit_staff, street_staff, dispatcher):
    with pytest.raises((NotAllowed, NotFound)):  # only the lead unit asks
        services.ticket_request_pause(
            ticket_id=in_progress.pk, actor=street_staff, reason="等待市民提供材料"
        )
    services.ticket_request_pause(
        ticket_id=in_progress.pk, actor=unit_staff, reason="等待市民提供材料"
    )
    with pytest.raises(NotAllowed):  # only dispatchers approve
        services.ticket_decide_pause(ticket_id=in_progress.pk, actor=unit_staff, approve=True)
    with pytest.raises(Conflict):  # one open request at a time
        services.ticket_request_pause(
            ticket_id=in_progress.pk, actor=unit_staff, reason="等待市民提供材料"
        )
    with pytest.raises((NotAllowed, NotFound)):  # not the lead unit
        services.ticket_resume(ticket_id=in_progress.pk, actor=street_staff)
    with pytest.raises(Conflict):  # nothing to resume yet
        services.ticket_resume(ticket_id=in_progress.pk, actor=dispatcher)
    fresh_ticket = dispatch_at(at(2026, 3, 2, 10), city, dispatcher)
    with pytest.raises(Conflict):  # only once the unit has reached the citizen
        services.ticket_request_pause(
            ticket_id=fresh_ticket.pk, actor=unit_staff, reason="等待市民提供材料"
        )


def test_resolving_ends_the_pause_on_the_record(in_progress, unit_staff, dispatcher):
    pause(in_progress, unit_staff, dispatcher, at_moment=at(2026, 3, 5, 10))
    act(
        at(2026, 3, 6, 10),
        services.ticket_resolve,
        ticket_id=in_progress.pk,
        actor=unit_staff,
        reply="已根据市民材料完成维修。",
    )
    ticket = fresh(in_progress)
    assert ticket.status == Status.FOLLOW_UP and ticket.paused_at is None
    assert ticket.resolve_due_at == at(2026, 3, 10, 10)  # one paused day added
    assert kinds(ticket)[-3:] == ["resumed", "resolved", "follow_up_started"]
    assert ticket.pauses.get().status == PauseStatus.ENDED


# --- supervision -------------------------------------------------------------------------------


def test_supervise_and_acknowledge(city, in_progress, dispatcher, unit_staff):
    notice = services.ticket_supervise(
        ticket_id=in_progress.pk, actor=dispatcher, note="市民反复来电，请今日内办结"
    )
    assert notice.unit == city.urban_management and notice.acknowledged_at is None
    event = in_progress.events.get(kind=EventKind.SUPERVISED)
    assert event.reason == "市民反复来电，请今日内办结" and not event.public
    message = Notification.objects.get(kind="supervised")
    assert [r["name"] for r in message.recipients] == ["城管委小刘"]
    assert in_progress.number in message.subject and "请今日内办结" in message.body
    assert unit_light_counts(user=unit_staff)["supervisions"] == 1

    (answered,) = services.ticket_acknowledge_supervision(
        ticket_id=in_progress.pk, actor=unit_staff, response="已安排维修队今日下午到场"
    )
    assert answered.acknowledged_by == unit_staff and answered.response.startswith("已安排")
    assert kinds(in_progress)[-1] == EventKind.SUPERVISION_ACKNOWLEDGED
    assert unit_light_counts(user=unit_staff)["supervisions"] == 0
    with pytest.raises(Conflict):
        services.ticket_acknowledge_supervision(
            ticket_id=in_progress.pk, actor=unit_staff, response="重复回复"
        )


def test_who_may_supervise(city, in_progress, dispatcher, unit_staff, other_unit_staff, leader):
    with pytest.raises(NotAllowed):
        services.ticket_supervise(ticket_id=in_progress.pk, actor=unit_staff, note="自己督办自己")
    services.ticket_supervise(ticket_id=in_progress.pk, actor=leader, note="领导督办")
    with pytest.raises(NotFound):
        services.ticket_acknowledge_supervision(
            ticket_id=in_progress.pk, actor=other_unit_staff, response="不是我们的"
        )
    with pytest.raises(NotAllowed):
        services.ticket_acknowledge_supervision(
            ticket_id=in_progress.pk, actor=dispatcher, response="代为回复"
        )
    assert Supervision.objects.filter(acknowledged_at__isnull=True).count() == 1


def test_only_tickets_with_a_unit_can_be_supervised(city, dispatcher):
    from tests.workorders.deadline_helpers import register

    ticket = register()
    with pytest.raises(Conflict):
        services.ticket_supervise(ticket_id=ticket.pk, actor=dispatcher, note="请尽快处理")


def test_supervising_a_red_ticket_from_the_queue(city, dispatcher, unit_staff):
    from workorders.selectors import supervision_queue

    ticket = dispatch_at(at(2026, 3, 2, 10), city, dispatcher)
    now = at(2026, 3, 2, 12) + timedelta(minutes=30)
    (red,) = supervision_queue(user=dispatcher, now=now)
    assert red.pk == ticket.pk and red.light == Light.RED
    act(now, services.ticket_supervise, ticket_id=red.pk, actor=dispatcher, note="签收已超时")
    assert fresh(ticket).supervisions.count() == 1


def test_selectors_for_the_pages(in_progress, unit_staff, dispatcher):
    from workorders.selectors import open_supervisions, pending_pauses, ticket_supervisions

    services.ticket_request_pause(
        ticket_id=in_progress.pk, actor=unit_staff, reason="等待市民提供产权证明材料"
    )
    assert [p.ticket_id for p in pending_pauses(user=dispatcher)] == [in_progress.pk]
    with pytest.raises(NotAllowed):
        pending_pauses(user=unit_staff)
    services.ticket_supervise(ticket_id=in_progress.pk, actor=dispatcher, note="请尽快办理")
    assert [s.ticket_id for s in open_supervisions(user=unit_staff)] == [in_progress.pk]
    assert len(ticket_supervisions(ticket=in_progress)) == 1
