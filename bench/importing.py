"""History import on PostgreSQL (issue 14): ``manage.py import_tickets`` of a 1,000,000-row CSV.

``run(database_url, rows=N) -> dict`` migrates the database, builds the demo city (江城市: its
districts, streets, communities, units and category tree, so the gazetteer has real work), writes
a CSV of ``rows`` closed tickets over the last two years and times the command as an operator
runs it, in its own process:

- the import itself (check pass + write pass, rows/s): target 1 M rows < 10 minutes;
- a second run of the same file, which finds every number present and imports nothing;

then counts what PostgreSQL holds. The rows are in time order, as old systems export them. The texts are the demo's ticket templates filled with
addresses, places, days and companies (../shared/datasets has no ticket texts to borrow); half
the rows keep an old-system number, the others get one in the live scheme; 70 % leave the region
to the gazetteer (from the address), 20 % name the category by id, 5 % are refused (invalid).

``python -m bench.importing`` starts its own PostgreSQL (durable defaults) when no
``--database-url`` is given; ``--rows`` makes a quicker run. ``bench_section`` adapts it to
bench/run.py (1 M rows unless BENCH_IMPORT_ROWS says otherwise).
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

ROWS = 1_000_000
TARGET_SECONDS = 600.0


def _manage(env: dict, *args: str, timeout: float) -> tuple[float, subprocess.CompletedProcess]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return time.monotonic() - started, result


def run(database_url: str, *, rows: int = ROWS, rerun: bool = True) -> dict:
    """Measure against ``database_url`` (PostgreSQL); returns the figures as a dict."""
    import psycopg

    from tests import servers

    var_dir = Path(tempfile.mkdtemp(prefix="hotline-bench-import-"))
    env = servers.django_env(
        database_url=database_url,
        broker_url="memory://",
        var_dir=var_dir,
        NOTIFICATION_BACKENDS="console",
        LOG_LEVEL="WARNING",
    )
    _, migrated = _manage(env, "migrate", "--noinput", timeout=600)
    if migrated.returncode != 0:
        raise RuntimeError(f"migrate failed:\n{migrated.stdout[-2000:]}\n{migrated.stderr[-3000:]}")
    csv_path = var_dir / "history.csv"
    started = time.monotonic()
    made = subprocess.run(
        [sys.executable, "-m", "bench.importing", "--inside", "--rows", str(rows), str(csv_path)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        timeout=3600,
    )
    if made.returncode != 0:
        raise RuntimeError("bench.importing: generating the file failed (see above)")
    generated = json.loads(made.stdout.strip().splitlines()[-1])
    generate_s = time.monotonic() - started
    print(f"bench.importing: {rows:,} rows written in {generate_s:.0f} s", file=sys.stderr)

    every = str(max(10_000, rows // 20))
    import resource

    rss_before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    import_s, first = _manage(
        env, "import_tickets", "--csv", str(csv_path), "--progress-every", every, timeout=3600
    )
    sys.stderr.write(first.stderr[-4000:])
    # The largest child so far (KB on Linux): the import, unless migrate or the generator was.
    peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    peak_is_import = peak_rss_mb * 1024 > rss_before
    if first.returncode != 0:
        raise RuntimeError(f"import failed:\n{first.stdout[-4000:]}\n{first.stderr[-3000:]}")
    with psycopg.connect(database_url, autocommit=True) as conn:
        after_first = conn.execute("SELECT count(*) FROM workorders_ticket").fetchone()[0]
    rerun_s, second = None, None
    if rerun:
        rerun_s, second = _manage(
            env, "import_tickets", "--csv", str(csv_path), "--progress-every", every, timeout=3600
        )
    with psycopg.connect(database_url, autocommit=True) as conn:
        tickets = conn.execute("SELECT count(*) FROM workorders_ticket").fetchone()[0]
        events = conn.execute("SELECT count(*) FROM workorders_ticketevent").fetchone()[0]
        assignments = conn.execute("SELECT count(*) FROM workorders_assignment").fetchone()[0]
        with_region = conn.execute(
            "SELECT count(*) FROM workorders_ticket WHERE region_id IS NOT NULL"
        ).fetchone()[0]
    csv_path.unlink(missing_ok=True)
    return {
        "rows": rows,
        "file_mb": generated["bytes"] / 1e6,
        "generate_s": round(generate_s, 1),
        "import_s": round(import_s, 1),
        "rows_per_s": round(rows / import_s),
        "rerun_s": round(rerun_s, 1) if second else None,
        "peak_rss_mb": round(peak_rss_mb) if peak_is_import else None,
        "rerun_ok": (second.returncode == 0 and tickets == after_first) if second else None,
        "rerun_report": second.stdout.strip().splitlines()[-2:] if second else [],
        "report": first.stdout.strip().splitlines(),
        "tickets": tickets,
        "events": events,
        "assignments": assignments,
        "with_region": with_region,
    }


def bench_section(ctx) -> list:
    """For bench/run.py: "bench.importing:bench_section" in EXTRA_SECTIONS."""
    import psycopg

    from bench.run import Figure

    rows = int(os.environ.get("BENCH_IMPORT_ROWS") or ROWS)
    # A database of its own on the same server: the demo city the file refers to would clash
    # with the small city the other sections seeded (unit names are unique), and the counts
    # stay the import's own.
    base, _, _ = ctx.database_url.rpartition("/")
    with psycopg.connect(ctx.database_url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS bench_importing")
        conn.execute("CREATE DATABASE bench_importing")
    try:
        figures = run(f"{base}/bench_importing", rows=rows)
    finally:
        with psycopg.connect(ctx.database_url, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS bench_importing")
    ctx.details["importing"] = figures
    section = f"importing ({rows / 1e6:g}M rows)" if rows >= 1_000_000 else f"importing ({rows:,})"
    return [
        Figure(
            section,
            "import_tickets --csv (check + write)",
            figures["import_s"],
            "s",
            # The target is for 1 M rows; a smaller run is informative (start-up dominates).
            target="< 600 s at 1 M rows" if rows >= ROWS else "",
            passed=figures["import_s"] < TARGET_SECONDS if rows >= ROWS else None,
            note=f"{figures['rows_per_s']:,} rows/s; {figures['file_mb']:.0f} MB file; "
            f"peak RSS {figures['peak_rss_mb']} MB",
        ),
        Figure(
            section,
            "re-run of the same file (all skipped)",
            figures["rerun_s"],
            "s",
            passed=figures["rerun_ok"],
            note="nothing imported twice" if figures["rerun_ok"] else "DUPLICATES",
        ),
    ]


# --- inside the Django subprocess ---------------------------------------------------------------


def _write_file(path: Path, rows: int) -> int:
    """Build the demo city (once) and write ``rows`` history rows; returns the file's size."""
    import csv
    import datetime as dt
    import random

    from django.utils import timezone

    from demo import data
    from demo.city import city_build
    from dispatch.models import RoutingRule
    from workorders.models import Category, Region

    rng = random.Random(14)
    if not Region.objects.exists():
        city_build(rng=random.Random(14))
    leaves = {c.name: c for c in Category.objects.all() if c.name in data.TEMPLATES}
    lead = {
        rule.category_id: rule.lead_unit.name
        for rule in RoutingRule.objects.filter(region=None).select_related("lead_unit")
    }
    full_names = {c.pk: c.full_name for c in leaves.values()}
    street_names = {
        r.name: " › ".join(x.name for x in reversed(r.ancestors_and_self()) if x.level > 0)
        for r in Region.objects.filter(level=Region.Level.STREET).select_related("parent")
    }
    templates = [(leaves[name], texts) for name, texts in data.TEMPLATES.items() if name in leaves]
    zone = timezone.get_current_timezone()
    now = timezone.now().astimezone(zone).replace(microsecond=0)
    span = 2 * 365 * 86400
    start, step = now - dt.timedelta(seconds=span), (span - 3600) / max(rows, 1)
    header = [
        "number",
        "created_at",
        "title",
        "content",
        "address",
        "category",
        "region",
        "citizen_phone",
        "status",
        "unit",
        "resolved_at",
        "reply",
        "invalid_reason",
    ]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for index in range(rows):
            category, texts = rng.choice(templates)
            title, content = rng.choice(texts)
            district = rng.choice(data.DISTRICTS)
            street = rng.choice(district.streets)
            community = rng.choice(street.communities)
            place = rng.choice(data.COMPOUNDS if rng.random() < 0.6 else data.ROADS)
            address = f"{district.name}{street.name}{community}{place}{rng.randint(1, 300)}号"
            fill = {
                "addr": address,
                "place": place,
                "days": rng.randint(2, 9),
                "company": rng.choice(data.COMPANIES),
                "months": rng.randint(2, 6),
                "n": rng.randint(5, 30),
                "money": rng.randrange(20000, 300000, 500),
                "route": rng.choice(data.BUS_ROUTES),
                "hospital": rng.choice(data.HOSPITALS),
            }
            # In time order, as an old system exports (by number, which follows time).
            created = start + dt.timedelta(seconds=index * step + rng.randrange(60))
            invalid = rng.random() < 0.05
            resolved = created + dt.timedelta(minutes=rng.randrange(30, 14 * 24 * 60))
            resolved = min(resolved, now)
            writer.writerow(
                [
                    f"JC{created:%Y}{index:09d}" if index % 2 == 0 else "",
                    created.isoformat(),
                    title.format(**fill)[:100],
                    content.format(**fill),
                    address,
                    str(category.pk) if rng.random() < 0.2 else full_names[category.pk],
                    street_names[street.name] if rng.random() < 0.3 else "",
                    f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
                    "invalid" if invalid else "",
                    "" if invalid else lead.get(category.pk, ""),
                    resolved.isoformat(),
                    "" if invalid else data.REPLIES.get(category.name, data.GENERIC_REPLY),
                    "spam" if invalid else "",
                ]
            )
            if index and index % 200_000 == 0:
                print(f"bench.importing: {index:,} rows written", file=sys.stderr, flush=True)
    return path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--database-url", help="an existing PostgreSQL (default: a throw-away one)")
    parser.add_argument(
        "--skip-rerun", action="store_true", help="do not time a second run of the same file"
    )
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("path", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        import django

        django.setup()
        print(json.dumps({"bytes": _write_file(Path(args.path), args.rows)}))
        return
    if args.database_url:
        figures = run(args.database_url, rows=args.rows, rerun=not args.skip_rerun)
    else:
        from tests import servers

        reason = servers.binaries_missing()
        if reason:
            sys.exit(reason)
        with servers.postgres_server() as url:
            figures = run(url, rows=args.rows, rerun=not args.skip_rerun)
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
