"""The dispatch step's own deadline (Ticket.dispatch_due_at): a ticket waiting for the center
(registered, triage) has a clock — DISPATCH_DUE_WORKING_HOURS of office time, or
DISPATCH_DUE_EMERGENCY_MINUTES for an emergency — shown as a light, swept like the others.

Office hours 09:00-12:00, 13:30-17:30; 2026-03-02 is a Monday, 2026-03-06 a Friday.
"""

import json

import pytest
import time_machine

from tests.api import client_for
from tests.workorders.deadline_helpers import at, fresh, register
from workorders import services
from workorders.models import (
    EventKind,
    Light,
    Notification,
    Status,
    Ticket,
    TicketEvent,
    TicketLightState,
)
from workorders.services import notifications as outbox
from workorders.services.deadline_sweep import sweep_deadlines
from workorders.workdays import sync_calendar_from_library

N, G, Y, R = Light.NONE, Light.GREEN, Light.YELLOW, Light.RED


@pytest.fixture(autouse=True)
def calendar_2026(db):
    sync_calendar_from_library([2026])


@pytest.fixture(autouse=True)
def broker(monkeypatch):
    sent = []
    monkeypatch.setattr(
        outbox.celery_app, "send_task", lambda name, args: sent.append((name, *args))
    )
    return sent


def triaged(moment, **overrides) -> Ticket:
    """Registered and sent to triage by the classifier at ``moment``."""
    with time_machine.travel(moment, tick=False):
        ticket = register(**overrides)
        return services.ticket_send_to_triage(
            ticket_id=ticket.pk, suggestion={}, reason="分类置信度低"
        )


def dispatch_light(ticket, now) -> int:
    return (
        Ticket.objects.with_lights(now=now)
        .values_list("dispatch_light", flat=True)
        .get(pk=ticket.pk)
    )


def dispatch_events(ticket) -> list[tuple]:
    events = TicketEvent.objects.filter(
        ticket=ticket, kind__in=[EventKind.LIGHT_YELLOW, EventKind.LIGHT_RED]
    ).order_by("created_at", "pk")
    return [(e.kind, e.data["deadline"], e.created_at, e.unit_id) for e in events]


# --- how long ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("registered", "due", "warn"),
    [
        # Two office hours; yellow after 80 % of them (96 office minutes).
        (at(2026, 3, 2, 10), at(2026, 3, 2, 12), at(2026, 3, 2, 11, 36)),
        # The lunch break does not count.
        (at(2026, 3, 2, 11, 30), at(2026, 3, 2, 15), at(2026, 3, 2, 14, 36)),
        # Friday late afternoon: the weekend does not count either.
        (at(2026, 3, 6, 17), at(2026, 3, 9, 10, 30), at(2026, 3, 9, 10, 6)),
        # At night: counted from the next morning.
        (at(2026, 3, 2, 22), at(2026, 3, 3, 11), at(2026, 3, 3, 10, 36)),
    ],
)
def test_the_dispatch_deadline_counts_working_hours(city, registered, due, warn):
    ticket = fresh(triaged(registered))
    assert (ticket.dispatch_due_at, ticket.dispatch_warn_at) == (due, warn)


def test_emergencies_have_minutes_of_calendar_time(city, operator):
    ticket = fresh(triaged(at(2026, 3, 7, 22), urgency="emergency", actor=operator))  # Saturday
    assert ticket.dispatch_due_at == at(2026, 3, 7, 22, 30)
    assert ticket.dispatch_warn_at == at(2026, 3, 7, 22, 24)


def test_the_settings_decide_how_long(city, operator, settings):
    settings.DISPATCH_DUE_WORKING_HOURS = 4
    settings.DISPATCH_DUE_EMERGENCY_MINUTES = 15
    assert fresh(triaged(at(2026, 3, 2, 9))).dispatch_due_at == at(2026, 3, 2, 14, 30)
    emergency = fresh(triaged(at(2026, 3, 2, 9), urgency="emergency", actor=operator))
    assert emergency.dispatch_due_at == at(2026, 3, 2, 9, 15)


# --- the light -------------------------------------------------------------------------------------


def test_the_light_runs_only_while_the_center_has_the_ticket(city, dispatcher):
    ticket = triaged(at(2026, 3, 2, 10))
    assert dispatch_light(ticket, at(2026, 3, 2, 11)) == G
    assert dispatch_light(ticket, at(2026, 3, 2, 11, 40)) == Y
    assert dispatch_light(ticket, at(2026, 3, 2, 12, 1)) == R
    assert Ticket.objects.overdue(now=at(2026, 3, 2, 12, 1)).filter(pk=ticket.pk).exists()

    with time_machine.travel(at(2026, 3, 2, 12, 30), tick=False):
        services.ticket_dispatch(
            ticket_id=ticket.pk, lead_unit=city.urban_management, actor=dispatcher
        )
    assert dispatch_light(ticket, at(2026, 3, 2, 12, 31)) == N
    assert fresh(ticket).dispatch_due_at == at(2026, 3, 2, 12)  # kept for the record


@pytest.mark.parametrize("ending", ["answer", "invalid"])
def test_answering_or_invalidating_ends_the_clock(city, operator, ending):
    ticket = triaged(at(2026, 3, 2, 10))
    with time_machine.travel(at(2026, 3, 2, 11), tick=False):
        if ending == "answer":
            services.ticket_answer_directly(
                ticket_id=ticket.pk, actor=operator, reply="营业时间为每日九点至十七点。"
            )
        else:
            services.ticket_mark_invalid(ticket_id=ticket.pk, actor=operator, reason_code="spam")
    assert dispatch_light(ticket, at(2026, 3, 2, 13)) == N
    assert sweep_deadlines(now=at(2026, 3, 2, 13)).red == 0


# --- the sweep -------------------------------------------------------------------------------------


def test_the_sweep_records_each_change_once_and_tells_the_dispatchers(
    city, dispatcher, django_capture_on_commit_callbacks
):
    ticket = triaged(at(2026, 3, 2, 10))
    assert sweep_deadlines(now=at(2026, 3, 2, 11)).yellow == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_deadlines(now=at(2026, 3, 2, 11, 40)).yellow == 1
    assert sweep_deadlines(now=at(2026, 3, 2, 11, 41)).yellow == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep_deadlines(now=at(2026, 3, 2, 12, 1)).red == 1
    again = sweep_deadlines(now=at(2026, 3, 2, 12, 5))
    assert (again.yellow, again.red) == (0, 0)

    assert dispatch_events(ticket) == [
        ("light_yellow", "dispatch", at(2026, 3, 2, 11, 36), None),
        ("light_red", "dispatch", at(2026, 3, 2, 12), None),
    ]
    assert "分拨时限" in TicketEvent.objects.get(ticket=ticket, kind="light_red").reason
    messages = Notification.objects.filter(kind="light_dispatch").order_by("pk")
    assert [m.subject for m in messages] == [
        "【分拨预警】1 件待分拨工单即将到达分拨时限",
        "【分拨超期】1 件待分拨工单已超过分拨时限",
    ]
    assert all([r["name"] for r in m.recipients] == ["赵派单"] for m in messages)
    assert ticket.number in messages[1].body
    # No unit's figures count it: the light events carry no unit.
    assert not Notification.objects.filter(kind__in=["light_red", "light_red_digest"]).exists()


def test_a_return_approved_starts_a_new_dispatch_clock(city, dispatcher, unit_staff):
    ticket = triaged(at(2026, 3, 2, 9))
    sweep_deadlines(now=at(2026, 3, 2, 11, 5))  # red: 11:00
    with time_machine.travel(at(2026, 3, 2, 11, 10), tick=False):
        services.ticket_dispatch(
            ticket_id=ticket.pk, lead_unit=city.urban_management, actor=dispatcher
        )
    with time_machine.travel(at(2026, 3, 2, 11, 20), tick=False):
        services.ticket_request_return(
            ticket_id=ticket.pk, actor=unit_staff, reason="不属于本单位职责范围"
        )
    with time_machine.travel(at(2026, 3, 3, 9), tick=False):
        services.ticket_decide_return(ticket_id=ticket.pk, actor=dispatcher, approve=True)

    ticket = fresh(ticket)
    assert ticket.status == Status.TRIAGE
    assert ticket.dispatch_due_at == at(2026, 3, 3, 11)
    assert dispatch_light(ticket, at(2026, 3, 3, 10)) == G
    assert sweep_deadlines(now=at(2026, 3, 3, 11, 1)).red == 1  # red again, for the new clock
    # The first clock's red, and the new one's (a sweep catching up records red, not yellow).
    assert [kind for kind, deadline, *_ in dispatch_events(ticket) if deadline == "dispatch"] == [
        "light_red",
        "light_red",
    ]


def test_waiting_tickets_without_a_dispatch_deadline_get_one_at_the_first_sweep(city):
    """Tickets in triage from before the deadline existed: the first sweep dates them from when
    they entered triage, and records the red of those already late, once."""
    old = triaged(at(2026, 3, 2, 10))
    Ticket.objects.filter(pk=old.pk).update(dispatch_due_at=None, dispatch_warn_at=None)
    TicketLightState.objects.filter(ticket=old).delete()

    first = sweep_deadlines(now=at(2026, 3, 5, 10))

    assert first.backfilled == 1 and first.red == 1
    assert fresh(old).dispatch_due_at == at(2026, 3, 2, 12)
    assert sweep_deadlines(now=at(2026, 3, 5, 10, 1)).backfilled == 0
    assert [kind for kind, *_ in dispatch_events(old)] == ["light_red"]


def test_a_ticket_the_worker_never_classified_gets_its_clock_from_the_sweep(city):
    with time_machine.travel(at(2026, 3, 2, 10), tick=False):
        stuck = register()  # intake writes no clock: three statements on the hot path
    assert fresh(stuck).dispatch_due_at is None

    result = sweep_deadlines(now=at(2026, 3, 2, 10, 1))

    assert result.backfilled == 1
    assert fresh(stuck).dispatch_due_at == at(2026, 3, 2, 12)
    assert sweep_deadlines(now=at(2026, 3, 2, 12, 1)).red == 1


def test_dry_run_writes_nothing(city):
    stuck = triaged(at(2026, 3, 2, 10))
    Ticket.objects.filter(pk=stuck.pk).update(dispatch_due_at=None, dispatch_warn_at=None)
    result = sweep_deadlines(now=at(2026, 3, 5), dry_run=True)
    assert result.backfilled == 1
    assert fresh(stuck).dispatch_due_at is None


# --- shown -----------------------------------------------------------------------------------------


def test_the_api_detail_and_triage_queue_carry_the_dispatch_deadline(city, dispatcher):
    ticket = triaged(at(2026, 3, 2, 10))
    with time_machine.travel(at(2026, 3, 2, 12, 30), tick=False):
        detail = client_for(dispatcher).get(f"/api/tickets/{ticket.pk}/").json()
        queue = client_for(dispatcher).get("/api/triage/").json()
    assert detail["dispatch_due_at"].startswith("2026-03-02T12:00:00")
    assert detail["dispatch_warn_at"].startswith("2026-03-02T11:36:00")
    assert (detail["dispatch_light"], detail["light"], detail["accept_light"]) == ("red", "red", "")
    assert detail["priority_reason"] == "已超期 30 分钟"
    row = queue["results"][0]
    assert (row["number"], row["dispatch_light"]) == (ticket.number, "red")


def test_the_triage_page_shows_the_light(client, city, dispatcher):
    ticket = triaged(at(2026, 3, 2, 10))
    client.force_login(dispatcher)
    with time_machine.travel(at(2026, 3, 2, 11, 40), tick=False):
        page = client.get("/dispatch/triage/").content.decode()
        detail = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "分拨将到期" in page and "分拨时限 03-02 12:00" in page
    assert "分拨时限" in detail


# --- PostgreSQL: the one-statement sweep and the red-light index ---------------------------------

PG_SNIPPET = """
import json
import threading
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count

from workorders.models import Notification, Ticket, TicketEvent, TicketLightState, Unit
from workorders.services.deadline_sweep import sweep_deadlines

from django.contrib.auth import get_user_model
from workorders.models import Profile, Role

dispatcher = get_user_model().objects.create_user(username="dispatcher_pg", password="x-12345678")
Profile.objects.create(user=dispatcher, role=Role.DISPATCHER, display_name="派单员")
start = datetime.fromisoformat("2026-03-02T10:00:00+08:00")
def ticket(i, **fields):
    return Ticket(
        number=f"20260302-{{i:06d}}", query_code="ABC123", channel="web", title="路灯不亮",
        content="路灯不亮", status="triage", registered_at=start, status_changed_at=start,
        **fields,
    )
dated = Ticket.objects.bulk_create(
    ticket(i, dispatch_due_at=start + timedelta(hours=1), dispatch_warn_at=start)
    for i in range({count})
)
TicketLightState.objects.bulk_create(TicketLightState(ticket=t, check_at=start) for t in dated)
# From before the deadline existed: no due time, no bookkeeping (the first sweep dates them).
Ticket.objects.bulk_create(ticket({count} + i) for i in range(50))
connection.close()

rounds = []
for now in (start + timedelta(minutes=30), start + timedelta(days=2)):
    results, barrier = [], threading.Barrier(3)

    def sweep(now=now, results=results, barrier=barrier):
        barrier.wait()
        try:
            results.append(sweep_deadlines(now=now, batch_size=40).as_dict())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rounds.append(results)

groups = TicketEvent.objects.values("ticket_id", "kind", "data__deadline").annotate(n=Count("id"))
sample = TicketEvent.objects.filter(kind="light_red", data__deadline="dispatch").first()
with connection.cursor() as cursor:
    cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'ticket_red_at'")
    indexdef = cursor.fetchone()[0]
    cursor.execute("SET enable_seqscan = off")
    sql, params = Ticket.objects.overdue(now=start + timedelta(days=2)).values("pk").query.sql_with_params()
    cursor.execute("EXPLAIN " + sql, params)
    plan = " ".join(row[0] for row in cursor.fetchall())
print(json.dumps({{
    "rounds": rounds,
    "events": sum(g["n"] for g in groups),
    "most": max(g["n"] for g in groups),
    "kinds": sorted({{g["data__deadline"] for g in groups}}),
    "undated": Ticket.objects.filter(dispatch_due_at__isnull=True).count(),
    "dispatch_notices": Notification.objects.filter(kind="light_dispatch").count(),
    "reason": sample.reason,
    "unit": sample.unit_id,
    "overdue": Ticket.objects.overdue(now=start + timedelta(days=2)).count(),
    "indexdef": indexdef,
    "plan": plan,
}}))
"""


@pytest.mark.integration
def test_the_dispatch_deadline_on_postgresql(tmp_path):
    """The PostgreSQL sweep (one statement per batch) records the dispatch lights exactly once
    under concurrent sweeps, dates the old tickets first, writes the same reason as the ORM
    path, and the red count is answered from ticket_red_at, which carries dispatch_due_at."""
    from tests import servers

    if servers.postgres_bin_dir() is None:
        pytest.skip("PostgreSQL server binaries not installed")
    count = 200
    with servers.postgres_server(fast_unsafe=True) as url:
        env = servers.django_env(database_url=url, broker_url="memory://", var_dir=tmp_path)
        servers.manage("migrate", "--noinput", env=env)
        code = servers.SEED_CITY + PG_SNIPPET.format(count=count)
        output = servers.run_python(code, env=env)
    report = json.loads(output.strip().splitlines()[-1])
    yellow_round, red_round = report["rounds"]
    assert sum(r["yellow"] for r in yellow_round) == count
    assert sum(r["backfilled"] for r in yellow_round) == 50
    assert sum(r["red"] for r in red_round) == count + 50
    assert report["undated"] == 0
    assert report["most"] == 1 and report["kinds"] == ["dispatch"]
    assert report["events"] == 2 * count + 50
    # One message per light and sweep that recorded some, not one per ticket.
    assert 2 <= report["dispatch_notices"] <= 6
    assert report["reason"] == "分拨时限 2026-03-02 11:00 已超期"
    assert report["unit"] is None
    assert report["overdue"] == count + 50
    assert "INCLUDE" in report["indexdef"] and "dispatch_due_at" in report["indexdef"]
    assert "ticket_red_at" in report["plan"]
