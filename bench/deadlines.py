"""Deadline sweep and red-light queue on PostgreSQL with 1,000,000 open tickets (issue 4).

``run(database_url) -> dict`` migrates the database if needed, fills it quickly with
INSERT … SELECT generate_series (tickets, their lead assignments, 200 units with one member of
staff each, a dispatcher), then measures, as the Celery beat task and the dispatcher's page would
run them:

- the sweep when nothing changed (target < 50 ms), repeated;
- the sweep that turns 50,000 tickets red at once (target < 3 s), with its events and outbox;
- the dispatcher's 督办 queue filtered to red with lights (first page of 50 and the count),
  p95 over repeated runs (target for the page: < 150 ms), and its query plan.

The work runs in a Django subprocess (the caller may be a process with other settings), which
prints one JSON line. ``python -m bench.deadlines`` starts its own PostgreSQL when no
``--database-url`` is given. ``bench_section`` adapts it to bench/run.py's EXTRA_BENCHMARKS.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

OPEN_TICKETS = 1_000_000
TURNING_RED = 50_000
ALREADY_RED = 20_000
UNITS = 200
QUEUE_RUNS = 60
NO_CHANGE_RUNS = 20
TARGETS = {"sweep_no_change_ms": 50.0, "sweep_50k_red_s": 3.0, "red_queue_p95_ms": 150.0}


def run(database_url: str, *, tickets: int = OPEN_TICKETS, turning_red: int = TURNING_RED) -> dict:
    """Measure against ``database_url`` (PostgreSQL); returns the figures as a dict."""
    from tests import servers

    var_dir = Path(tempfile.mkdtemp(prefix="hotline-bench-deadlines-"))
    env = servers.django_env(
        database_url=database_url,
        broker_url="memory://",  # the sweep queues notification tasks; nothing consumes them here
        var_dir=var_dir,
        NOTIFICATION_BACKENDS="console",
        LOG_LEVEL="WARNING",
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.deadlines",
            "--inside",
            "--tickets",
            str(tickets),
            "--turning-red",
            str(turning_red),
        ],
        cwd=REPO_ROOT,
        env={**env, "BENCH_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"bench.deadlines failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
        )
    return json.loads(result.stdout.strip().splitlines()[-1])


def bench_section(ctx) -> list:
    """For bench/run.py: ``EXTRA_BENCHMARKS.append(deadlines.bench_section)``."""
    from bench.run import Figure

    figures = run(ctx.database_url)
    ctx.details["deadlines"] = figures
    section = "deadlines (1M open tickets)"
    return [
        Figure(section, "setup: 1M tickets + assignments", figures["setup_s"], "s"),
        Figure(
            section,
            "sweep, nothing to change (median)",
            figures["sweep_no_change_ms"]["p50"],
            "ms",
            target="< 50 ms",
            passed=figures["sweep_no_change_ms"]["max"] < TARGETS["sweep_no_change_ms"],
            note=f"max {figures['sweep_no_change_ms']['max']:.1f} ms",
        ),
        Figure(
            section,
            "sweep turning 50,000 red",
            figures["sweep_50k_red_s"],
            "s",
            target="< 3 s",
            passed=figures["sweep_50k_red_s"] < TARGETS["sweep_50k_red_s"],
            note=f"{figures['sweep_50k_red_result']['red']} red events, "
            f"{figures['sweep_50k_red_result']['notifications']} outbox rows",
        ),
        Figure(
            section,
            "red queue (page of 50 + count, with lights) p95",
            figures["red_queue_ms"]["p95"],
            "ms",
            target="< 150 ms",
            passed=figures["red_queue_ms"]["p95"] < TARGETS["red_queue_p95_ms"],
            note=f"{figures['red_tickets']} red tickets; index used: {figures['red_queue_uses_index']}",
        ),
    ]


# --- inside the Django subprocess ---------------------------------------------------------------


def _percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(p95, 2),
        "max": round(ordered[-1], 2),
        "runs": len(ordered),
    }


def _ticket_insert_sql(t0) -> tuple[str, list]:
    """INSERT … SELECT over generate_series for every concrete Ticket column: explicit values
    for the ones that matter here, NULL or the field default for the rest, so a column added
    later with a default does not break the benchmark."""
    from workorders.models import Ticket

    def ts(expression: str) -> str:
        return f"(%(t0)s::timestamptz + {expression})"

    # g = 1..N. The first TURNING_RED tickets (in progress) fall due 5 minutes after t0, the next
    # ALREADY_RED are red since yesterday (recorded), the rest are due in 1–7 days.
    phase = (
        "CASE WHEN g <= %(turning)s THEN 'turning' WHEN g <= %(turning)s + %(red)s THEN 'red'"
        " ELSE 'later' END"
    )
    later = "(interval '1 day' + (g %% 144) * interval '1 hour')"
    explicit = {
        "number": "'B' || lpad(g::text, 12, '0')",
        "query_code": "'BENCH1'",
        "channel": "'web'",
        "urgency": "'normal'",
        "title": "'路灯不亮'",
        "content": "'中关村大街路灯不亮，晚上很不安全，请尽快修理。'",
        "status": f"CASE WHEN {phase} <> 'later' THEN 'in_progress'"
        " ELSE (ARRAY['dispatched','accepted','in_progress'])[1 + g %% 3] END",
        "registered_at": ts("- interval '1 day'"),
        "status_changed_at": ts("- interval '1 day'"),
        "suggestion": "'{}'::jsonb",
        "accept_due_at": ts(
            f"CASE WHEN {phase} = 'later' THEN {later} ELSE - interval '20 hours' END"
        ),
        "accept_warn_at": ts(
            f"CASE WHEN {phase} = 'later' THEN {later} - interval '30 minutes' ELSE - interval '21 hours' END"
        ),
        "contact_due_at": ts(
            f"CASE WHEN {phase} = 'later' THEN {later} + interval '1 day' ELSE - interval '1 hour' END"
        ),
        "contact_warn_at": ts(
            f"CASE WHEN {phase} = 'later' THEN {later} + interval '20 hours' ELSE - interval '5 hours' END"
        ),
        "resolve_due_at": ts(
            f"CASE {phase} WHEN 'turning' THEN interval '5 minutes' + (g %% 60) * interval '1 second'"
            f" WHEN 'red' THEN - interval '1 day' ELSE {later} + interval '6 days' END"
        ),
        "resolve_warn_at": ts(
            f"CASE {phase} WHEN 'turning' THEN interval '4 minutes'"
            f" WHEN 'red' THEN - interval '2 days' ELSE {later} + interval '5 days' END"
        ),
    }
    columns, values = [], []
    for field in Ticket._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(f'"{field.column}"')
        if field.name in explicit:
            values.append(explicit[field.name])
        elif field.null:
            values.append("NULL")
        elif field.has_default():
            default = field.get_default()
            if isinstance(default, bool):
                values.append("true" if default else "false")
            elif isinstance(default, int | float):
                values.append(str(default))
            elif isinstance(default, dict):
                values.append("'{}'::jsonb")
            else:
                values.append("'" + str(default).replace("'", "''") + "'")
        elif field.blank:
            values.append("''")
        else:
            raise RuntimeError(f"bench: no value for Ticket.{field.name}")
    sql = (
        f"INSERT INTO workorders_ticket ({', '.join(columns)}) "  # noqa: S608 - built from model
        f"SELECT {', '.join(values)} FROM generate_series(1, %(n)s) AS g"
    )
    return sql, columns


def _setup(cursor, *, t0, tickets: int, turning_red: int) -> None:
    from django.contrib.auth import get_user_model

    from workorders.models import Profile, Role, Unit

    units = [
        Unit(name=f"压测单位{i:03d}", kind=Unit.Kind.DEPARTMENT)
        for i in range(UNITS)
        if not Unit.objects.filter(name=f"压测单位{i:03d}").exists()
    ]
    Unit.objects.bulk_create(units)
    user_model = get_user_model()
    for unit in Unit.objects.filter(name__startswith="压测单位"):
        username = f"bench_staff_{unit.pk}"
        if not user_model.objects.filter(username=username).exists():
            user = user_model.objects.create(username=username)
            Profile.objects.create(
                user=user, role=Role.UNIT_STAFF, unit=unit, mobile="13800000000", is_unit_head=True
            )
    if not user_model.objects.filter(username="bench_dispatcher").exists():
        user = user_model.objects.create(username="bench_dispatcher")
        Profile.objects.create(user=user, role=Role.DISPATCHER, display_name="压测派单员")
    sql, _ = _ticket_insert_sql(t0)
    cursor.execute(sql, {"t0": t0, "n": tickets, "turning": turning_red, "red": ALREADY_RED})
    # What the sweep has recorded so far: the red ones are recorded, the rest wait for their
    # first warning (the turning ones 4 minutes after t0).
    cursor.execute(
        "INSERT INTO workorders_ticketlightstate"
        " (ticket_id, accept_lit, contact_lit, resolve_lit, check_at)"
        " SELECT t.id, CASE WHEN p.g <= %(turning)s + %(red)s THEN 3 ELSE 0 END,"
        " CASE WHEN p.g <= %(turning)s + %(red)s THEN 3 ELSE 0 END,"
        " CASE WHEN p.g > %(turning)s AND p.g <= %(turning)s + %(red)s THEN 3 ELSE 0 END,"
        " CASE WHEN p.g <= %(turning)s THEN t.resolve_warn_at"
        " WHEN p.g <= %(turning)s + %(red)s THEN NULL"
        " ELSE LEAST(t.accept_warn_at, t.contact_warn_at, t.resolve_warn_at) END"
        " FROM workorders_ticket t CROSS JOIN LATERAL (SELECT substr(t.number, 2)::int AS g) p"
        " WHERE t.number LIKE 'B%%'",
        {"turning": turning_red, "red": ALREADY_RED},
    )
    unit_ids = sorted(Unit.objects.filter(name__startswith="压测单位").values_list("pk", flat=True))
    cursor.execute(
        "INSERT INTO workorders_assignment (ticket_id, unit_id, role, active, dispatched_at)"
        " SELECT t.id, (%(units)s::bigint[])[1 + t.id %% %(count)s], 'lead', true, t.registered_at"
        " FROM workorders_ticket t WHERE t.number LIKE 'B%%'",
        {"units": unit_ids, "count": len(unit_ids)},
    )
    for table in ("workorders_ticket", "workorders_assignment", "workorders_ticketlightstate"):
        cursor.execute(f"VACUUM ANALYZE {table}")


def _inside(tickets: int, turning_red: int) -> dict:
    import django

    django.setup()
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from workorders.models import Light, Ticket, TicketEvent
    from workorders.selectors import supervision_queue
    from workorders.services.deadline_sweep import sweep_deadlines

    call_command("migrate", verbosity=0)
    connection.ensure_connection()
    connection.connection.autocommit = True
    t0 = timezone.now().replace(microsecond=0)
    figures: dict = {"tickets": tickets, "turning_red": turning_red}
    with connection.cursor() as cursor:
        started = time.perf_counter()
        _setup(cursor, t0=t0, tickets=tickets, turning_red=turning_red)
        figures["setup_s"] = round(time.perf_counter() - started, 1)
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('workorders_ticket'))")
        figures["ticket_table_size"] = cursor.fetchone()[0]
    figures["open_tickets"] = Ticket.objects.open().count()

    def timed_sweep(now):
        started = time.perf_counter()
        result = sweep_deadlines(now=now)
        return (time.perf_counter() - started), result

    # Warm the caches the way a running beat would (it sweeps every minute).
    timed_sweep(t0)
    no_change = []
    for i in range(NO_CHANGE_RUNS):
        seconds, result = timed_sweep(t0 + timedelta(seconds=i))
        assert result.checked == 0, result
        no_change.append(seconds * 1000)
    figures["sweep_no_change_ms"] = _percentiles(no_change)

    figures["machine_load_1min_before_sweeps"] = round(os.getloadavg()[0], 2)
    events_before = TicketEvent.objects.count()
    seconds, result = timed_sweep(t0 + timedelta(minutes=10))
    figures["sweep_50k_red_s"] = round(seconds, 3)
    figures["sweep_50k_red_result"] = result.as_dict()
    figures["events_written"] = TicketEvent.objects.count() - events_before

    after = []
    for i in range(NO_CHANGE_RUNS):
        seconds, result = timed_sweep(t0 + timedelta(minutes=10, seconds=i + 1))
        assert result.checked == 0, result
        after.append(seconds * 1000)
    figures["sweep_no_change_after_ms"] = _percentiles(after)

    dispatcher = get_user_model().objects.get(username="bench_dispatcher")
    now = t0 + timedelta(minutes=11)
    timings, page_ms, count_ms = [], [], []
    for _ in range(QUEUE_RUNS):
        started = time.perf_counter()
        queue = supervision_queue(user=dispatcher, now=now)
        page = list(queue[:50])
        middle = time.perf_counter()
        total = queue.count()
        ended = time.perf_counter()
        timings.append((ended - started) * 1000)
        page_ms.append((middle - started) * 1000)
        count_ms.append((ended - middle) * 1000)
    assert all(t.light == Light.RED for t in page) and page[0].lead_assignment is not None
    figures["red_tickets"] = total
    # The first runs warm the caches.
    figures["red_queue_ms"] = _percentiles(timings[5:])
    figures["red_queue_page_ms"] = _percentiles(page_ms[5:])
    figures["red_queue_count_ms"] = _percentiles(count_ms[5:])
    figures["machine_load_1min"] = round(os.getloadavg()[0], 2)
    sql, params = supervision_queue(user=dispatcher, now=now)[:50].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    figures["red_queue_plan"] = plan
    figures["red_queue_uses_index"] = "ticket_red_at" in plan
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL to use (default: start a fresh one)")
    parser.add_argument("--tickets", type=int, default=OPEN_TICKETS)
    parser.add_argument("--turning-red", type=int, default=TURNING_RED)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        print(json.dumps(_inside(args.tickets, args.turning_red), ensure_ascii=False))
        return
    if args.database_url:
        figures = run(args.database_url, tickets=args.tickets, turning_red=args.turning_red)
    else:
        from tests import servers

        with servers.postgres_server() as url:
            figures = run(url, tickets=args.tickets, turning_red=args.turning_red)
    plan = figures.pop("red_queue_plan")
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    print(plan)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    main()
