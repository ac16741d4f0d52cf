"""The sweep records each change of light once, notifies once, and catches up after downtime.

Ticket of most tests: dispatched Monday 2026-03-02 10:00 — accept yellow 11:36, due 12:00;
contact yellow Tue 05:12, due Tue 10:00; resolve yellow Sun Mar 8 00:24, due Mon Mar 9 10:00.
"""

import json

import pytest
import time_machine
from django.core.management import call_command

from tests.conftest import make_user
from tests.workorders.deadline_helpers import at, dispatch_at, fresh
from workorders import services, tasks
from workorders.models import EventKind, Light, Notification, Role, TicketEvent
from workorders.services import notifications as outbox
from workorders.services.deadline_sweep import sweep_deadlines
from workorders.workdays import sync_calendar_from_library


@pytest.fixture(autouse=True)
def calendar_2026(db):
    sync_calendar_from_library([2026])


@pytest.fixture(autouse=True)
def broker(monkeypatch):
    """What would have been queued; no broker in unit tests."""
    sent = []
    monkeypatch.setattr(
        outbox.celery_app, "send_task", lambda name, args: sent.append((name, *args))
    )
    return sent


@pytest.fixture
def ticket(city, dispatcher, unit_staff):
    return dispatch_at(at(2026, 3, 2, 10), city, dispatcher)


def light_events(ticket=None) -> list[tuple]:
    events = TicketEvent.objects.filter(kind__in=[EventKind.LIGHT_YELLOW, EventKind.LIGHT_RED])
    if ticket is not None:
        events = events.filter(ticket=ticket)
    return [(e.kind, e.data["deadline"], e.created_at) for e in events.order_by("created_at", "id")]


def act(moment, service, **kwargs):
    with time_machine.travel(moment, tick=False):
        return service(**kwargs)


def test_each_change_is_recorded_once(ticket, city):
    assert sweep_deadlines(now=at(2026, 3, 2, 11)).checked == 0
    first = sweep_deadlines(now=at(2026, 3, 2, 11, 40))
    assert (first.yellow, first.red) == (1, 0)
    assert sweep_deadlines(now=at(2026, 3, 2, 11, 41)).checked == 0
    second = sweep_deadlines(now=at(2026, 3, 2, 12, 1))
    assert (second.yellow, second.red) == (0, 1)
    for _ in range(3):
        again = sweep_deadlines(now=at(2026, 3, 2, 12, 2))
        assert (again.yellow, again.red) == (0, 0)
    # Dated when the light changed, not when the sweep noticed.
    assert light_events(ticket) == [
        (EventKind.LIGHT_YELLOW, "accept", at(2026, 3, 2, 11, 36)),
        (EventKind.LIGHT_RED, "accept", at(2026, 3, 2, 12)),
    ]
    red = TicketEvent.objects.get(kind=EventKind.LIGHT_RED)
    assert red.unit == city.urban_management and not red.public
    assert red.reason == "签收时限 2026-03-02 12:00 已超期"
    state = fresh(ticket).light_state
    assert (state.accept_lit, state.contact_lit, state.resolve_lit) == (Light.RED, 1, 1)
    assert state.check_at == at(2026, 3, 3, 5, 12)  # the contact warning is next


def test_a_sweep_that_was_down_catches_up(ticket):
    # Nobody swept between Monday 10:00 and Tuesday 11:00: accept and contact are both red now.
    result = sweep_deadlines(now=at(2026, 3, 3, 11))
    assert (result.yellow, result.red) == (0, 2)
    assert light_events(ticket) == [
        (EventKind.LIGHT_RED, "accept", at(2026, 3, 2, 12)),
        (EventKind.LIGHT_RED, "contact", at(2026, 3, 3, 10)),
    ]
    assert fresh(ticket).light_state.check_at == at(2026, 3, 8, 0, 24)
    # A late, slower sweep with an older clock must not record anything either.
    assert sweep_deadlines(now=at(2026, 3, 3, 10, 30)).checked == 0


def test_many_tickets_in_batches(city, dispatcher):
    tickets = [dispatch_at(at(2026, 3, 2, 10), city, dispatcher) for _ in range(7)]
    result = sweep_deadlines(now=at(2026, 3, 2, 12, 1), batch_size=3)
    assert (result.checked, result.red, result.batches) == (7, 7, 3)
    assert len(light_events()) == 7
    assert {fresh(t).light_state.accept_lit for t in tickets} == {Light.RED}


def test_a_met_deadline_is_not_announced(ticket, unit_staff):
    act(at(2026, 3, 2, 11), services.ticket_accept, ticket_id=ticket.pk, actor=unit_staff)
    result = sweep_deadlines(now=at(2026, 3, 2, 12, 30))
    assert result.checked == 1 and (result.yellow, result.red) == (0, 0)
    assert fresh(ticket).light_state.check_at == at(2026, 3, 3, 5, 12)


def test_a_rejected_return_starts_the_accept_clock_again(ticket, unit_staff, dispatcher):
    act(
        at(2026, 3, 2, 11),
        services.ticket_request_return,
        ticket_id=ticket.pk,
        actor=unit_staff,
        reason="该路段路灯归区城管负责",
    )
    assert sweep_deadlines(now=at(2026, 3, 2, 12, 30)).red == 0  # under review: not lit
    act(
        at(2026, 3, 2, 13),
        services.ticket_decide_return,
        ticket_id=ticket.pk,
        actor=dispatcher,
        approve=False,
        note="职责清单明确由城管委负责",
    )
    assert sweep_deadlines(now=at(2026, 3, 2, 13, 1)).red == 1
    assert light_events(ticket)[-1][:2] == (EventKind.LIGHT_RED, "accept")


def test_an_extension_after_red_is_announced_again_when_it_runs_out(ticket, unit_staff, dispatcher):
    act(at(2026, 3, 2, 11), services.ticket_accept, ticket_id=ticket.pk, actor=unit_staff)
    act(
        at(2026, 3, 2, 11),
        services.ticket_contact,
        ticket_id=ticket.pk,
        actor=unit_staff,
        note="已电话联系",
    )
    assert sweep_deadlines(now=at(2026, 3, 9, 11)).red == 1  # resolve overdue
    with time_machine.travel(at(2026, 3, 9, 12), tick=False):
        services.ticket_request_extension(
            ticket_id=ticket.pk,
            actor=unit_staff,
            reason="需要协调产权单位",
            requested_due_at=at(2026, 3, 11, 12),
        )
        services.ticket_decide_extension(ticket_id=ticket.pk, actor=dispatcher, approve=True)
    assert sweep_deadlines(now=at(2026, 3, 9, 12, 1)).checked == 1  # back to green: quiet
    later = sweep_deadlines(now=at(2026, 3, 11, 12, 1))
    assert (later.yellow, later.red) == (0, 1)
    assert [e[:2] for e in light_events(ticket)] == [
        (EventKind.LIGHT_RED, "resolve"),
        (EventKind.LIGHT_RED, "resolve"),
    ]


def test_resolved_tickets_leave_the_sweep(ticket, unit_staff):
    act(at(2026, 3, 2, 11), services.ticket_accept, ticket_id=ticket.pk, actor=unit_staff)
    act(
        at(2026, 3, 2, 11),
        services.ticket_contact,
        ticket_id=ticket.pk,
        actor=unit_staff,
        note="已电话联系",
    )
    act(
        at(2026, 3, 2, 11),
        services.ticket_resolve,
        ticket_id=ticket.pk,
        actor=unit_staff,
        reply="已更换灯泡，恢复照明。",
    )
    sweep_deadlines(now=at(2026, 3, 2, 12))
    assert fresh(ticket).light_state.check_at is None
    assert sweep_deadlines(now=at(2026, 3, 20)).checked == 0


def test_notifications_go_to_the_unit_its_head_and_the_dispatchers(
    ticket, city, unit_staff, dispatcher, broker, django_capture_on_commit_callbacks
):
    head = make_user("head_urban", Role.UNIT_STAFF, unit=city.urban_management, name="城管委王主任")
    head.profile.is_unit_head = True
    head.profile.mobile = "13900000001"
    head.profile.save()
    # The dispatch's own notice (the inbox's) is not what this test is about.
    Notification.objects.filter(kind="inbox").delete()
    broker.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sweep_deadlines(now=at(2026, 3, 2, 11, 40))
    yellow = Notification.objects.get(kind="light_yellow")
    assert {r["name"] for r in yellow.recipients} == {"城管委小刘", "城管委王主任"}
    assert yellow.subject == "【黄灯预警】市城市管理委员会有 1 件工单即将到期"
    assert ticket.number in yellow.body and yellow.ticket_ids == [ticket.pk]
    assert broker == [("workorders.tasks.send_notification", yellow.pk)]
    with django_capture_on_commit_callbacks(execute=True):
        sweep_deadlines(now=at(2026, 3, 2, 12, 1))
    red = Notification.objects.get(kind="light_red")
    assert [r["name"] for r in red.recipients] == ["城管委王主任"]
    assert red.recipients[0]["phone"] == "13900000001"
    digest = Notification.objects.get(kind="light_red_digest")
    assert [r["name"] for r in digest.recipients] == ["赵派单"]
    assert "市城市管理委员会：1 件" in digest.body
    # Re-runs notify nobody again.
    sweep_deadlines(now=at(2026, 3, 2, 12, 2))
    assert Notification.objects.count() == 3


def test_one_message_per_unit_not_per_ticket(city, dispatcher, unit_staff):
    for _ in range(25):
        dispatch_at(at(2026, 3, 2, 10), city, dispatcher)
    sweep_deadlines(now=at(2026, 3, 2, 12, 1))
    red = Notification.objects.get(kind="light_red")
    assert red.subject == "【红灯超期】市城市管理委员会有 25 件工单已超期"
    assert "另有 5 件" in red.body and len(red.ticket_ids) == 25


def test_every_configured_backend_gets_a_row(ticket, settings):
    settings.NOTIFICATION_BACKENDS = ["sms", "email"]
    sweep_deadlines(now=at(2026, 3, 2, 11, 40))
    lights = Notification.objects.exclude(kind="inbox")  # the dispatch notified too, earlier
    assert sorted(lights.values_list("backend", flat=True)) == ["email", "sms"]


def test_dry_run_writes_nothing(ticket, capsys):
    result = sweep_deadlines(now=at(2026, 3, 3, 11), dry_run=True)
    assert (result.red, len(result.preview)) == (2, 2)
    assert light_events() == [] and fresh(ticket).light_state.accept_lit == 0
    with time_machine.travel(at(2026, 3, 3, 11), tick=False):
        call_command("sweep_deadlines", "--dry-run")
    out = capsys.readouterr().out
    assert f"{ticket.number} 签收 红灯" in out
    assert "[dry run] would record: 0 yellow, 2 red" in out
    assert light_events() == []
    with time_machine.travel(at(2026, 3, 3, 11), tick=False):
        call_command("sweep_deadlines")
    assert "recorded: 0 yellow, 2 red" in capsys.readouterr().out


def test_the_beat_task_runs_the_sweep(ticket):
    with time_machine.travel(at(2026, 3, 2, 12, 1), tick=False):
        result = tasks.sweep_deadlines()
    assert result["red"] == 1


def test_nothing_to_do_is_a_single_query(ticket, django_assert_max_num_queries):
    sweep_deadlines(now=at(2026, 3, 2, 12, 1))
    # The probe for tickets waiting without a dispatch deadline; savepoint, candidates, release;
    # and the outbox check.
    with django_assert_max_num_queries(5):
        assert sweep_deadlines(now=at(2026, 3, 2, 12, 2)).checked == 0


# --- PostgreSQL: concurrent sweeps ---------------------------------------------------------------

CONCURRENT_SNIPPET = """
import json
import threading
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count

from workorders.models import (
    Assignment, InboxItem, LightChangeBatch, Notification, Ticket, TicketEvent, TicketLightState,
    Unit,
)
from workorders.services.deadline_sweep import sweep_deadlines

start = datetime.fromisoformat("2026-03-02T10:00:00+08:00")
unit = Unit.objects.get(name="市城市管理委员会")
tickets = Ticket.objects.bulk_create(
    Ticket(
        number=f"20260302-{{i:06d}}", query_code="ABC123", channel="web", title="路灯不亮",
        content="路灯不亮", status="dispatched", registered_at=start, status_changed_at=start,
        accept_due_at=start + timedelta(hours=1), accept_warn_at=start,
        contact_due_at=start + timedelta(hours=1), contact_warn_at=start,
        resolve_due_at=start + timedelta(hours=1), resolve_warn_at=start,
    )
    for i in range({count})
)
Assignment.objects.bulk_create(
    Assignment(ticket=t, unit=unit, role="lead", dispatched_at=start) for t in tickets
)
TicketLightState.objects.bulk_create(TicketLightState(ticket=t, check_at=start) for t in tickets)
connection.close()

rounds = []
for now in (start + timedelta(minutes=30), start + timedelta(minutes=90)):
    results, barrier = [], threading.Barrier(4)

    def sweep(now=now, results=results, barrier=barrier):
        barrier.wait()  # all four start together; each thread has its own connection
        try:
            results.append(sweep_deadlines(now=now, batch_size=50).as_dict())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rounds.append(results)

groups = TicketEvent.objects.values("ticket_id", "kind", "data__deadline").annotate(n=Count("id"))
sample = TicketEvent.objects.filter(kind="light_red", data__deadline="resolve").first()
item = InboxItem.objects.get(event=sample)
print(json.dumps({{
    "red_items": InboxItem.objects.filter(kind="light_red").count(),
    "yellow_items": InboxItem.objects.filter(kind="light_yellow").count(),
    "item": {{
        "text": item.text, "unit": item.unit_id == sample.unit_id,
        "ticket": item.ticket_id == sample.ticket_id, "urgent": item.urgent,
    }},
    "rounds": rounds,
    "groups": len(groups),
    "most": max(g["n"] for g in groups),
    "red_notices": Notification.objects.filter(kind="light_red").count(),
    "pending": LightChangeBatch.objects.count(),
    "sample": {{
        "reason": sample.reason,
        "data": sample.data,
        "created_at": sample.created_at.isoformat(),
        "unit": sample.unit.name,
        "public": sample.public,
    }},
}}))
"""


@pytest.mark.integration
def test_concurrent_sweeps_on_postgresql_record_each_change_once(tmp_path):
    from tests import servers

    if servers.postgres_bin_dir() is None:
        pytest.skip("PostgreSQL server binaries not installed")
    count = 600
    with servers.postgres_server(fast_unsafe=True) as url:
        env = servers.django_env(database_url=url, broker_url="memory://", var_dir=tmp_path)
        servers.manage("migrate", "--noinput", env=env)
        code = servers.SEED_CITY + CONCURRENT_SNIPPET.format(count=count)
        output = servers.run_python(code, env=env)
    report = json.loads(output.strip().splitlines()[-1])
    yellow_round, red_round = report["rounds"]
    # Four sweeps at once, twice over: every light recorded once, by one of them.
    assert len(yellow_round) == len(red_round) == 4
    assert sum(r["yellow"] for r in yellow_round) == 3 * count
    assert sum(r["red"] for r in red_round) == 3 * count
    assert (report["groups"], report["most"]) == (6 * count, 1)
    assert report["red_notices"] >= 1 and report["pending"] == 0
    # The set-based SQL path writes what the ORM path (the unit tests above) writes.
    sample = report["sample"]
    assert sample["reason"] == "办结时限 2026-03-02 11:00 已超期"
    assert sample["data"] == {
        "deadline": "resolve",
        "due_at": "2026-03-02T03:00:00+00:00",
        "recorded_at": "2026-03-02T03:30:00+00:00",
    }
    assert sample["created_at"] == "2026-03-02T03:00:00+00:00"  # when it turned red
    assert (sample["unit"], sample["public"]) == ("市城市管理委员会", False)
    # The inbox: each red light one notice to the lead unit, inserted in the same statement,
    # exactly once despite the concurrent sweeps; yellow lights are no notices.
    assert (report["red_items"], report["yellow_items"]) == (3 * count, 0)
    assert report["item"] == {
        "text": "办结时限 2026-03-02 11:00 已超期",
        "unit": True,
        "ticket": True,
        "urgent": False,
    }
