"""The leaders' cockpit on PostgreSQL at 2,000,000 tickets a year (issue 14).

``run(database_url) -> dict`` migrates and fills the database with INSERT … SELECT
generate_series (bench/evaluation.py's helpers): a city of 16 districts and 343 streets,
200 leaf categories under 10 top levels, ``--tickets-per-year`` tickets (default 2,000,000) spread
evenly over ``--years`` years up to now (default 2: the trend's "same period last year" reads
real data), on four channels, skewed across streets and categories like a real city; the last
10 days' tickets are still being handled (about 55,000 open tickets with deadlines, some red).
Then, through Django's test client in the same process (the view, its queries and the template):

- the first request, which fills the daily rollup for the two years of past days (reported apart:
  in production the rollup fills once and the nightly task keeps it current);
- the nightly refresh task (the last COCKPIT_ROLLUP_REFRESH_DAYS days);
- the cockpit page warm, p50/p95 over repeated requests, for period=month, week and day, and
  GET /api/analysis/cockpit/: target p95 < 300 ms. Today's numbers are counted live in every
  request (the fill puts tickets on today up to now).

``python -m bench.cockpit`` starts its own PostgreSQL unless ``--database-url`` is given;
``--reuse`` measures again on data a previous run filled. ``bench_section`` adapts it to
bench/run.py (full scale unless BENCH_COCKPIT_TICKETS says otherwise).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

TICKETS_PER_YEAR = 2_000_000
YEARS = 2
PAGE_RUNS = 40
TARGET_P95_MS = 300.0
TOP_CATEGORIES, MIDDLE, LEAVES = 10, 5, 4


def run(
    database_url: str, *, tickets_per_year: int = TICKETS_PER_YEAR, years: int = YEARS, reuse=False
) -> dict:
    from tests import servers

    var_dir = Path(tempfile.mkdtemp(prefix="hotline-bench-cockpit-"))
    env = servers.django_env(
        database_url=database_url,
        broker_url="memory://",
        var_dir=var_dir,
        NOTIFICATION_BACKENDS="console",
        LOG_LEVEL="WARNING",
    )
    argv = [sys.executable, "-m", "bench.cockpit", "--inside"]
    argv += ["--tickets-per-year", str(tickets_per_year), "--years", str(years)]
    result = subprocess.run(
        [*argv, *(["--reuse"] if reuse else [])],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        timeout=3600,
    )
    if result.returncode != 0:
        raise RuntimeError(f"bench.cockpit failed (see above):\n{result.stdout[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def bench_section(ctx) -> list:
    """For bench/run.py: "bench.cockpit:bench_section" in EXTRA_SECTIONS."""
    from bench.run import Figure

    tickets = int(os.environ.get("BENCH_COCKPIT_TICKETS") or TICKETS_PER_YEAR)
    figures = run(ctx.database_url, tickets_per_year=tickets)
    ctx.details["cockpit"] = figures
    scale = f"{tickets / 1e6:g}M" if tickets >= 1_000_000 else f"{tickets:,}"
    section = f"cockpit ({scale} tickets/year, {YEARS} years)"
    page = figures["page_ms"]["month"]
    worst = max(figures["page_ms"][p]["p95"] for p in ("month", "week", "day"))
    return [
        Figure(section, "setup: tickets", figures.get("setup_s"), "s"),
        Figure(
            section,
            "first request (fills the rollup of every past day)",
            figures["first_request_s"],
            "s",
        ),
        Figure(section, "nightly rollup refresh", figures["nightly_refresh_s"], "s"),
        Figure(
            section,
            "cockpit page p95 (month)",
            page["p95"],
            "ms",
            target="< 300 ms",
            passed=worst < TARGET_P95_MS,
            note=f"p50 {page['p50']} ms; week p95 {figures['page_ms']['week']['p95']} ms, "
            f"day p95 {figures['page_ms']['day']['p95']} ms, API p95 {figures['api_ms']['p95']} ms",
        ),
    ]


# --- inside the Django subprocess ---------------------------------------------------------------


def _progress(message: str) -> None:
    print(f"bench.cockpit: {message}", file=sys.stderr, flush=True)


def _categories() -> list[int]:
    from workorders.models import Category

    leaves = []
    for t in range(TOP_CATEGORIES):
        top = Category.objects.create(name=f"压测大类{t:02d}")
        for m in range(MIDDLE):
            middle = Category.objects.create(name=f"压测中类{t:02d}{m}", parent=top)
            leaves += [
                Category.objects.create(name=f"压测小类{t:02d}{m}{leaf}", parent=middle).pk
                for leaf in range(LEAVES)
            ]
    return leaves


def _fill(cursor, *, start, end, tickets: int, regions, categories) -> None:
    from bench.evaluation import _insert_sql
    from workorders.models import Ticket

    seconds = int((end - start).total_seconds())
    params = {
        "start": start,
        "seconds": seconds,
        "n": tickets,
        "regions": regions,
        "categories": categories,
        "open_after": end.timestamp() - 10 * 86400,
    }
    moment = "(%(start)s::timestamptz + ((g * %(seconds)s::bigint) / %(n)s) * interval '1 second')"
    skewed = (
        "(%(A)s::bigint[])[1 + floor(array_length(%(A)s::bigint[], 1) * power(random(), 2))::int]"
    )
    is_open = f"extract(epoch FROM {moment}) > %(open_after)s"
    due = f"({moment} + (3 + floor(random() * 12)) * interval '1 day')"
    cursor.execute(
        _insert_sql(
            Ticket,
            {
                "number": "'C' || lpad(g::text, 12, '0')",
                "query_code": "'BENCH14'",
                "channel": "(ARRAY['phone','phone','phone','web','app','api'])[1 + floor(random() * 6)::int]",
                "urgency": "'normal'",
                "title": "'压测诉求'",
                "content": "'压测内容'",
                "citizen_phone": "'13800000000'",
                "status": f"CASE WHEN {is_open} THEN 'in_progress' ELSE 'closed' END",
                "registered_at": moment,
                "status_changed_at": moment,
                "region": skewed.replace("%(A)s", "%(regions)s"),
                "category": f"CASE WHEN random() < 0.02 THEN NULL ELSE {skewed.replace('%(A)s', '%(categories)s')} END",
                "resolve_due_at": f"CASE WHEN {is_open} THEN {due} END",
                "resolve_warn_at": f"CASE WHEN {is_open} THEN {due} - interval '1 day' END",
                "suggestion": "'{}'::jsonb",
            },
            "FROM generate_series(1, %(n)s) AS g",
        ),
        params,
    )


def _percentiles(values):
    from bench.evaluation import _percentiles as percentiles

    return percentiles(values, 1)


def _inside(tickets_per_year: int, years: int, reuse: bool) -> dict:
    import django

    django.setup()
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from analysis.rollup import refresh_recent
    from bench.evaluation import _city
    from workorders.models import Profile, Region, Role

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    figures: dict = {"tickets_per_year": tickets_per_year, "years": years}
    now = timezone.now()
    if reuse and Region.objects.filter(name="压测市").exists():
        figures["reused_data"] = True
        leader = get_user_model().objects.get(username="bench_cockpit")
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE analysis_dailyvolume, analysis_rolledupday")
    else:
        started = time.perf_counter()
        regions, _units = _city()
        categories = _categories()
        leader = get_user_model().objects.create(username="bench_cockpit")
        Profile.objects.create(user=leader, role=Role.LEADER, display_name="压测领导")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT setseed(0.14)")
            _fill(
                cursor,
                start=now - timedelta(days=365 * years),
                end=now,
                tickets=tickets_per_year * years,
                regions=regions,
                categories=categories,
            )
        _progress(f"{tickets_per_year * years:,} tickets in {time.perf_counter() - started:.0f} s")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE workorders_ticket")
        figures["setup_s"] = round(time.perf_counter() - started, 1)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'in_progress') FROM workorders_ticket"
        )
        figures["tickets_total"], figures["open_tickets"] = cursor.fetchone()

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(leader)

    def timed(path: str) -> float:
        begun = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - begun
        assert response.status_code == 200, (path, response.status_code)
        return elapsed * 1000

    begun = time.perf_counter()
    timed("/analysis/cockpit/?period=month")
    figures["first_request_s"] = round(time.perf_counter() - begun, 1)
    _progress(f"first request (rollup filled) in {figures['first_request_s']} s")
    begun = time.perf_counter()
    refresh_recent()
    figures["nightly_refresh_s"] = round(time.perf_counter() - begun, 2)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM analysis_dailyvolume")
        figures["rollup_rows"] = cursor.fetchone()[0]
    figures["page_ms"] = {}
    for period in ("month", "week", "day"):
        path = f"/analysis/cockpit/?period={period}"
        timings = [timed(path) for _ in range(PAGE_RUNS + 3)][3:]
        figures["page_ms"][period] = _percentiles(timings)
        _progress(f"page {period}: {figures['page_ms'][period]}")
    timings = [timed("/api/analysis/cockpit/") for _ in range(PAGE_RUNS + 3)][3:]
    figures["api_ms"] = _percentiles(timings)
    figures["machine_load_1min"] = round(os.getloadavg()[0], 2)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL to use (default: start a fresh one)")
    parser.add_argument("--tickets-per-year", type=int, default=TICKETS_PER_YEAR)
    parser.add_argument("--years", type=int, default=YEARS)
    parser.add_argument("--reuse", action="store_true", help="measure again on filled data")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        print(json.dumps(_inside(args.tickets_per_year, args.years, args.reuse)))
        return
    options = {"tickets_per_year": args.tickets_per_year, "years": args.years, "reuse": args.reuse}
    if args.database_url:
        figures = run(args.database_url, **options)
    else:
        from tests import servers

        with servers.postgres_server() as url:
            figures = run(url, **options)
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    main()
