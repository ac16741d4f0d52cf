"""Monthly evaluation on PostgreSQL at Beijing's scale (issue 5).

``run(database_url) -> dict`` migrates the database if needed and fills it quickly with
INSERT … SELECT generate_series: a city of 16 districts and 343 streets/towns with 80 departments
and enterprises (439 ranked units), 2,000,000 tickets in the month measured and as many in each of
the twelve months before it (a year of history), one finished follow-up per ticket (46 % scoring a
unit, the rest direct answers; 88 % answered, the rest unreachable, wrong number, refused or
anonymous), red-light and reopen events, and 2,000 approved exemptions. The twelve history months
are closed one by one (each close is timed too). Then it measures, as the pages run them:

- the ranking page of the measured month while it is live (not yet closed): target < 2 s;
- closing the measured month (compute everything, freeze 439 units): target < 10 s;
- the ranking page of that month once closed, p95 over repeated requests: target < 100 ms;

and keeps the query plan of the month's aggregate (it should be an index-only scan of
followup_finished), with the time and the scans of each query of the month's computation. Pages are requested through Django's test client in the same process (no
HTTP hop), so the figures are the view, the queries and the template.

The work runs in a Django subprocess (the caller may be a process with other settings) that
prints one JSON line. ``python -m bench.evaluation`` starts its own PostgreSQL when no
``--database-url`` is given; ``--tickets`` and ``--history-months`` make a quicker run.
Generating the full year takes about half an hour on two cores (progress on stderr), so with a
``--database-url`` that a previous run filled, ``--reuse`` measures again in under a minute.
``bench_section`` adapts it to bench/run.py (full scale unless BENCH_EVALUATION_TICKETS /
BENCH_EVALUATION_HISTORY_MONTHS say otherwise).
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

TICKETS_PER_MONTH = 2_000_000
HISTORY_MONTHS = 12
DISTRICTS = 16
STREETS = 343
DEPARTMENTS = 60
ENTERPRISES = 20
EXEMPTIONS = 2_000
PAGE_RUNS = 40
LIVE_RUNS = 5
TARGETS = {"close_month_s": 10.0, "closed_page_p95_ms": 100.0, "live_page_s": 2.0}


def run(
    database_url: str,
    *,
    tickets: int = TICKETS_PER_MONTH,
    history_months: int = HISTORY_MONTHS,
    reuse: bool = False,
) -> dict:
    """Measure against ``database_url`` (PostgreSQL); returns the figures as a dict."""
    from tests import servers

    var_dir = Path(tempfile.mkdtemp(prefix="hotline-bench-evaluation-"))
    env = servers.django_env(
        database_url=database_url,
        broker_url="memory://",
        var_dir=var_dir,
        NOTIFICATION_BACKENDS="console",
        LOG_LEVEL="WARNING",
        # Measure the live month's computation, not the page's short cache of it.
        EVALUATION_LIVE_CACHE_SECONDS="0",
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.evaluation",
            "--inside",
            "--tickets",
            str(tickets),
            "--history-months",
            str(history_months),
            *(["--reuse"] if reuse else []),
        ],
        cwd=REPO_ROOT,
        env=env,
        # stderr passes through: progress lines during the half hour of generation, and the
        # traceback if it fails.
        stdout=subprocess.PIPE,
        text=True,
        timeout=4 * 3600,
    )
    if result.returncode != 0:
        raise RuntimeError(f"bench.evaluation failed (see above):\n{result.stdout[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def bench_section(ctx) -> list:
    """For bench/run.py: add "bench.evaluation:bench_section" to EXTRA_SECTIONS."""
    from bench.run import Figure

    # Full scale unless told otherwise: a quick check of the wiring can set
    # BENCH_EVALUATION_TICKETS / BENCH_EVALUATION_HISTORY_MONTHS (the targets are at 2 M).
    tickets = int(os.environ.get("BENCH_EVALUATION_TICKETS") or TICKETS_PER_MONTH)
    history = int(os.environ.get("BENCH_EVALUATION_HISTORY_MONTHS") or HISTORY_MONTHS)
    figures = run(ctx.database_url, tickets=tickets, history_months=history)
    ctx.details["evaluation"] = figures
    scale = f"{tickets / 1e6:g}M" if tickets >= 1_000_000 else f"{tickets:,}"
    section = f"evaluation ({scale} tickets/month, {history} months of history)"
    return [
        Figure(section, "setup: tickets, follow-ups, events", figures["setup_s"], "s"),
        Figure(
            section,
            "live month ranking page (median)",
            figures["live_page_s"]["p50"],
            "s",
            target="< 2 s",
            passed=figures["live_page_s"]["max"] < TARGETS["live_page_s"],
            note=f"max {figures['live_page_s']['max']:.2f} s; first (cold) "
            f"{figures['live_page_cold_s']:.2f} s",
        ),
        Figure(
            section,
            "compute + close the month",
            figures["close_month_s"],
            "s",
            target="< 10 s",
            passed=figures["close_month_s"] < TARGETS["close_month_s"],
            note=f"{figures['units_frozen']} units; history closes "
            f"p50 {figures['history_close_s']['p50']} s",
        ),
        Figure(
            section,
            "closed month ranking page p95",
            figures["closed_page_ms"]["p95"],
            "ms",
            target="< 100 ms",
            passed=figures["closed_page_ms"]["p95"] < TARGETS["closed_page_p95_ms"],
            note=f"aggregate index-only: {figures['aggregate_index_only']}",
        ),
    ]


# --- inside the Django subprocess ---------------------------------------------------------------


def _percentiles(values: list[float], digits: int = 2) -> dict:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {
        "p50": round(statistics.median(ordered), digits),
        "p95": round(p95, digits),
        "max": round(ordered[-1], digits),
        "runs": len(ordered),
    }


def _sql_literal(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):
        return "'{}'::jsonb"
    return "'" + str(value).replace("'", "''") + "'"


def _insert_sql(model, explicit: dict[str, str], source: str) -> str:
    """INSERT … SELECT for every concrete column: the explicit expressions, else NULL or the
    field's default, so a column added later with a default does not break the benchmark."""
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(f'"{field.column}"')
        if field.name in explicit:
            values.append(explicit[field.name])
        elif field.null:
            values.append("NULL")
        elif field.has_default():
            values.append(_sql_literal(field.get_default()))
        elif field.blank:
            values.append("''")
        else:
            raise RuntimeError(f"bench: no value for {model.__name__}.{field.name}")
    table = model._meta.db_table
    return f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} {source}"  # noqa: S608


def _city():
    from workorders.models import Region, Unit

    city = Region.objects.create(name="压测市", level=Region.Level.CITY)
    districts = Region.objects.bulk_create(
        [Region(name=f"压测{i:02d}区", level=1, parent=city) for i in range(DISTRICTS)]
    )
    streets = Region.objects.bulk_create(
        [
            Region(name=f"压测街道{i:03d}", level=2, parent=districts[i % DISTRICTS])
            for i in range(STREETS)
        ]
    )
    govs = Unit.objects.bulk_create(
        [Unit(name=f"{d.name}人民政府", kind=Unit.Kind.DISTRICT, region=d) for d in districts]
    )
    by_region = {gov.region_id: gov for gov in govs}
    Unit.objects.bulk_create(
        [
            Unit(
                name=f"{s.name}办事处",
                kind=Unit.Kind.STREET,
                region=s,
                parent=by_region[s.parent_id],
            )
            for s in streets
        ]
    )
    Unit.objects.bulk_create(
        [Unit(name=f"压测市局{i:02d}", kind=Unit.Kind.DEPARTMENT) for i in range(DEPARTMENTS)]
        + [Unit(name=f"压测企业{i:02d}", kind=Unit.Kind.ENTERPRISE) for i in range(ENTERPRISES)]
    )
    return [s.pk for s in streets], list(Unit.objects.values_list("pk", flat=True))


def _fill_month(cursor, *, month, offset: int, tickets: int, regions, units) -> None:
    """One month: tickets, one finished follow-up each, red and reopen events."""
    from evaluation.models import FollowUp
    from evaluation.periods import period_for
    from workorders.models import Ticket, TicketEvent

    period = period_for(month)
    seconds = int((period.end - period.start).total_seconds())
    params = {
        "start": period.start,
        "seconds": seconds,
        "n": tickets,
        "offset": offset,
        "regions": regions,
        "units": units,
    }
    moment = "(%(start)s::timestamptz + ((g * %(seconds)s::bigint) / %(n)s) * interval '1 second')"
    # Street volumes skewed like a real city (a few streets get many more requests).
    region = "(%(regions)s::bigint[])[1 + floor(array_length(%(regions)s::bigint[], 1) * power(random(), 2))::int]"
    cursor.execute(
        _insert_sql(
            Ticket,
            {
                "number": "'E' || lpad((%(offset)s + g)::text, 12, '0')",
                "query_code": "'BENCH5'",
                "channel": "'phone'",
                "urgency": "'normal'",
                "title": "'压测诉求'",
                "content": "'压测内容'",
                "citizen_phone": "'13800000000'",
                "status": "'closed'",
                "registered_at": moment,
                "status_changed_at": moment,
                "region": region,
                "suggestion": "'{}'::jsonb",
            },
            "FROM generate_series(1, %(n)s) AS g",
        ),
        params,
    )
    r = "random()"
    unit = "(%(units)s::bigint[])[1 + floor(array_length(%(units)s::bigint[], 1) * random())::int]"
    # Constant SQL fragments only; every value is a parameter.
    cursor.execute(
        "CREATE TEMP TABLE month_tickets ON COMMIT DROP AS SELECT id, registered_at,"  # noqa: S608
        f" {r} AS a, {r} AS b, {r} AS c, {r} AS d, {r} AS e,"
        f" CASE WHEN {r} < 0.46 THEN {unit} END AS unit_id"
        " FROM workorders_ticket WHERE number > 'E' || lpad(%(offset)s::text, 12, '0')"
        " AND number <= 'E' || lpad((%(offset)s + %(n)s)::text, 12, '0')",
        params,
    )
    finished = "t.registered_at + interval '2 days'"
    answered = "t.a < 0.88"
    cursor.execute(
        _insert_sql(
            FollowUp,
            {
                "ticket": "t.id",
                "round": "1",
                "unit": "t.unit_id",
                "anonymous": "t.a >= 0.97",
                "confidential": "t.e < 0.03",
                "contacted_on_time": "CASE WHEN t.unit_id IS NOT NULL THEN t.e < 0.9 END",
                "opened_at": "t.registered_at + interval '1 day'",
                "due_at": "t.registered_at + interval '6 days'",
                "result": f"CASE WHEN {answered} THEN 'answered' WHEN t.a < 0.93 THEN 'unreachable'"
                " WHEN t.a < 0.95 THEN 'wrong_number' WHEN t.a < 0.97 THEN 'refused'"
                " ELSE 'anonymous' END",
                "channel": f"CASE WHEN {answered} THEN (CASE WHEN t.b < 0.6 THEN 'sms' ELSE 'call'"
                " END) ELSE '' END",
                "contacted": f"CASE WHEN {answered} THEN t.b < 0.96 END",
                "solved": f"CASE WHEN {answered} THEN t.c < 0.93 END",
                "satisfaction": f"CASE WHEN NOT ({answered}) THEN '' WHEN t.d < 0.85 THEN"
                " 'satisfied' WHEN t.d < 0.96 THEN 'basically_satisfied' ELSE 'dissatisfied' END",
                "finished_at": finished,
                "decision": "'closed'",
                "decided_at": finished,
            },
            "FROM month_tickets t",
        ),
        params,
    )
    # Red lights (6 % of the units' tickets) and reopenings (2 %), attributed to the lead unit.
    for kind, share, reason in (("light_red", 0.06, "办结时限已超期"), ("reopened", 0.02, "重办")):
        cursor.execute(
            _insert_sql(
                TicketEvent,
                {
                    "ticket": "t.id",
                    "kind": f"'{kind}'",
                    "unit": "t.unit_id",
                    "reason": f"'{reason}'",
                    "data": "'{}'::jsonb",
                    "created_at": "t.registered_at + interval '20 hours'",
                },
                f"FROM month_tickets t WHERE t.unit_id IS NOT NULL AND t.c >= {1 - share}",
            ),
            params,
        )


def _exemptions(cursor, *, month, decided_at) -> None:
    from evaluation.models import Exemption
    from evaluation.periods import period_for

    period = period_for(month)
    cursor.execute(
        _insert_sql(
            Exemption,
            {
                "ticket": "f.ticket_id",
                "unit": "f.unit_id",
                "reason": "'unreasonable'",
                "explanation": "'压测免考核'",
                "status": "'approved'",
                "requested_at": "%(decided)s",
                "decided_at": "%(decided)s",
            },
            "FROM (SELECT ticket_id, unit_id FROM evaluation_followup WHERE unit_id IS NOT NULL"
            " AND finished_at >= %(start)s AND finished_at < %(end)s AND solved = false"
            " LIMIT %(n)s) f",
        ),
        {"decided": decided_at, "start": period.start, "end": period.end, "n": EXEMPTIONS},
    )


def _plan(queryset) -> str:
    from django.db import connection

    from evaluation.scoring import aggregate_memory

    sql, params = queryset.query.sql_with_params()
    with aggregate_memory(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _month_queries(period) -> dict:
    """Each query of the month's computation: its time (best of three, warm) and the scans its
    plan uses, to see where the live month's time goes."""
    from django.utils import timezone

    from evaluation import scoring
    from evaluation.models import FollowUp

    as_of = timezone.now()
    month = FollowUp.objects.filter(scoring._in_period(period))
    exempt = month.filter(scoring.exempted(as_of=as_of))
    parts = {
        "follow_ups": (
            lambda: scoring._grouped(month, ""),
            scoring.grouped_counts(month),
        ),
        "exemptions": (
            lambda: scoring._grouped(exempt, ""),
            scoring.grouped_counts(exempt),
        ),
        "events": (lambda: scoring.event_counts(period), scoring.event_rows(period)),
        "volumes": (lambda: scoring.region_volumes(period), scoring.volume_rows(period)),
    }
    found = {}
    for name, (run_it, queryset) in parts.items():
        timings = []
        for _ in range(3):
            begun = time.perf_counter()
            run_it()
            timings.append(time.perf_counter() - begun)
        scans = sorted(
            {
                line.strip().split("  (")[0].lstrip("-> ").strip()
                for line in _plan(queryset).splitlines()
                if " Scan " in line or line.strip().startswith("->  Seq Scan")
            }
        )
        found[name] = {"s": round(min(timings), 3), "scans": scans}
    return found


def _progress(message: str) -> None:
    print(f"bench.evaluation: {message}", file=sys.stderr, flush=True)


def _already_filled() -> bool:
    from workorders.models import Region

    return Region.objects.filter(name="压测市", level=Region.Level.CITY).exists()


def _inside(tickets: int, history_months: int, reuse: bool = False) -> dict:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from evaluation.models import FollowUp, MonthlySnapshot
    from evaluation.periods import add_months, current_month, period_for
    from evaluation.scoring import _in_period, grouped_counts
    from evaluation.services import month_close
    from workorders.models import Profile, Role

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    figures: dict = {"tickets_per_month": tickets, "history_months": history_months}
    measured = add_months(current_month(), -1)  # ended, not closed: live until we close it
    months = [add_months(measured, -i) for i in range(history_months, 0, -1)] + [measured]

    if reuse and _already_filled():
        # A database this benchmark filled before (--reuse): measure again without the
        # half hour of generation. The measured month is opened again (its snapshots go; this
        # is a throw-away database) so that its close is measured too.
        figures["reused_data"] = True
        MonthlySnapshot.objects.filter(month=measured).delete()
        leader = get_user_model().objects.get(username="bench_leader")
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT count(*) FROM workorders_ticket),"
                " (SELECT count(*) FROM evaluation_followup)"
            )
            figures["tickets_total"], figures["follow_ups_total"] = cursor.fetchone()
    else:
        started = time.perf_counter()
        regions, units = _city()
        leader = get_user_model().objects.create(username="bench_leader")
        Profile.objects.create(user=leader, role=Role.LEADER, display_name="压测领导")
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(0.12345)")
        fills = []
        for index, month in enumerate(months):
            begun = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                _fill_month(
                    cursor,
                    month=month,
                    offset=index * tickets,
                    tickets=tickets,
                    regions=regions,
                    units=units,
                )
            fills.append(time.perf_counter() - begun)
            _progress(f"month {month:%Y-%m} filled in {fills[-1]:.0f} s")
        figures["fill_month_s"] = _percentiles(fills, 1)
        with transaction.atomic(), connection.cursor() as cursor:
            _exemptions(cursor, month=measured, decided_at=timezone.now())
        connection.ensure_connection()
        with connection.cursor() as cursor:
            for table in (
                "workorders_ticket",
                "workorders_ticketevent",
                "evaluation_followup",
                "evaluation_exemption",
            ):
                cursor.execute(f"VACUUM ANALYZE {table}")
            _progress("vacuum analyze done")
            figures["setup_s"] = round(time.perf_counter() - started, 1)
            cursor.execute(
                "SELECT pg_size_pretty(pg_total_relation_size('workorders_ticket')),"
                " pg_size_pretty(pg_total_relation_size('evaluation_followup')),"
                " (SELECT count(*) FROM workorders_ticket), (SELECT count(*) FROM evaluation_followup)"
            )
            figures["ticket_table"], figures["followup_table"], total_t, total_f = cursor.fetchone()
            figures["tickets_total"], figures["follow_ups_total"] = total_t, total_f

        history = []
        for month in months[:-1]:
            begun = time.perf_counter()
            month_close(month=month)
            history.append(time.perf_counter() - begun)
            _progress(f"history month {month:%Y-%m} closed in {history[-1]:.1f} s")
        figures["history_close_s"] = _percentiles(history) if history else {"p50": None}

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(leader)
    path = f"/follow-up/rankings/{measured:%Y-%m}/"

    def timed_get() -> float:
        begun = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - begun
        assert response.status_code == 200, response.status_code
        return elapsed

    # The first request reads the month's index from disk (the history closes evicted it);
    # reported apart, like a leader opening the page first thing in the morning.
    figures["live_page_cold_s"] = round(timed_get(), 2)
    figures["live_page_s"] = _percentiles([timed_get() for _ in range(LIVE_RUNS)])
    period = period_for(measured)
    figures["month_queries"] = _month_queries(period)
    plan = _plan(grouped_counts(FollowUp.objects.filter(_in_period(period))))
    figures["aggregate_plan"] = plan
    figures["aggregate_index_only"] = "Index Only Scan using followup_finished" in plan

    begun = time.perf_counter()
    snapshot = month_close(month=measured)
    figures["close_month_s"] = round(time.perf_counter() - begun, 2)
    figures["units_frozen"] = snapshot.scores.count()
    figures["month_valid_follow_ups"] = snapshot.totals["valid"]
    figures["month_composite"] = snapshot.totals["composite"]
    assert MonthlySnapshot.objects.filter(month=measured, is_current=True).exists()

    timings = [timed_get() * 1000 for _ in range(PAGE_RUNS + 5)][5:]  # the first warm the caches
    figures["closed_page_ms"] = _percentiles(timings)
    figures["machine_load_1min"] = round(os.getloadavg()[0], 2)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL to use (default: start a fresh one)")
    parser.add_argument("--tickets", type=int, default=TICKETS_PER_MONTH, help="per month")
    parser.add_argument("--history-months", type=int, default=HISTORY_MONTHS)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --database-url: measure again on data a previous run generated",
    )
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        figures = _inside(args.tickets, args.history_months, reuse=args.reuse)
        print(json.dumps(figures, ensure_ascii=False))
        return
    options = {"tickets": args.tickets, "history_months": args.history_months, "reuse": args.reuse}
    if args.database_url:
        figures = run(args.database_url, **options)
    else:
        from tests import servers

        with servers.postgres_server() as url:
            figures = run(url, **options)
    plan = figures.pop("aggregate_plan")
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    print(plan)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    main()
