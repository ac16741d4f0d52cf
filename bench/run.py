"""``make bench``: throughput and latency of the production stack on this machine.

Starts a throw-away PostgreSQL (durable defaults: fsync and synchronous commit stay on) and Redis
(tests/servers.py), migrates, seeds a small city with routing rules, runs gunicorn and a Celery
worker beside it, and measures:

(a) intake: closed-loop clients posting ``POST /api/tickets/`` for ``--intake-seconds``;
    requests/s, p50/p99 response time, errors, and SQL statements per ticket;
(b) submit-to-dispatched latency at a steady ``--rate`` tickets/s for ``--latency-seconds``,
    from PostgreSQL's own timestamps and as the client saw it;
(c) whatever is registered in ``EXTRA_BENCHMARKS``.

Writes bench/results.json (machine, date, commit, every figure with its target and pass/fail)
and prints a table. The exit status is 0 even when a target is missed: this is a measurement.
"""

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

if __name__ == "__main__":
    # One module object whether run as a script or imported: sections that import bench.run
    # (for Figure) then see the same classes and the same EXTRA_BENCHMARKS.
    sys.modules.setdefault("bench.run", sys.modules[__name__])

from bench import intake, latency  # noqa: E402
from tests import servers  # noqa: E402

RESULTS_PATH = REPO_ROOT / "bench" / "results.json"
INTAKE_TARGET = 200.0  # tickets/s
DISPATCH_P95_TARGET = 2.0  # seconds, at LATENCY_RATE
LATENCY_RATE = 20.0  # tickets/s
# The benchmark's own SQL starts with "/* bench */", so per-ticket statement counts leave it out.
BENCH_LIKE = "/* bench */%"
# Foreign-key checks PostgreSQL runs inside INSERTs: not round trips the application makes.
RI_CHECK_LIKE = "%FOR KEY SHARE OF x%"


@dataclass
class Figure:
    section: str
    name: str
    value: float | int | None
    unit: str
    target: str = ""
    passed: bool | None = None  # None: informative, no target
    note: str = ""


@dataclass
class BenchContext:
    """What a benchmark section gets: the running stack and the command line."""

    args: argparse.Namespace
    env: dict[str, str]
    database_url: str
    redis_url: str
    web_url: str
    var_dir: Path
    sessions: dict[str, int] = field(default_factory=dict)  # component → process session id
    details: dict = field(default_factory=dict)  # section → anything worth keeping in the JSON


# Other sections (classifier accuracy/speed, deadline sweeps, rankings): callables that take the
# BenchContext, run against the live stack after (a) and (b) and return their Figures. Modules
# add theirs by name in EXTRA_SECTIONS ("module:function", imported when the run starts) or append
# to EXTRA_BENCHMARKS directly. ``--skip <module's last name>`` leaves one out.
EXTRA_BENCHMARKS: list[Callable[[BenchContext], list[Figure]]] = []
EXTRA_SECTIONS = [
    "bench.classifier:bench_section",
    "bench.cockpit:bench_section",
    "bench.deadlines:bench_section",
    "bench.evaluation:bench_section",
    "bench.hotspots:bench_section",
    "bench.knowledge:bench_section",
    "bench.similar:bench_section",
    "bench.importing:bench_section",
]


def load_extra_sections() -> None:
    import importlib

    for spec in EXTRA_SECTIONS:
        module_name, _, function_name = spec.partition(":")
        section = getattr(importlib.import_module(module_name), function_name)
        if section not in EXTRA_BENCHMARKS:
            EXTRA_BENCHMARKS.append(section)


def _section_name(section: Callable) -> str:
    return section.__module__.rsplit(".", 1)[-1]


# --- the stack --------------------------------------------------------------------------------


def _pg(database_url: str):
    import psycopg

    return psycopg.connect(database_url, autocommit=True)


def _registered_after(conn, last_id: int) -> int:
    (count,) = conn.execute(
        "/* bench */ SELECT count(*) FROM workorders_ticket WHERE status = 'registered' AND id > %s",
        (last_id,),
    ).fetchone()
    return count


def _last_ticket_id(database_url: str) -> int:
    with _pg(database_url) as conn:
        (last,) = conn.execute(
            "/* bench */ SELECT coalesce(max(id), 0) FROM workorders_ticket"
        ).fetchone()
    return last


def _wait_until_drained(database_url: str, *, timeout: float, after_id: int) -> int:
    """Wait until the worker has handled every ticket newer than ``after_id``; return how many
    remain. (Older ones may be the SQL profile's, published where no worker listens.)"""
    deadline = time.monotonic() + timeout
    with _pg(database_url) as conn:
        while True:
            left = _registered_after(conn, after_id)
            if left == 0 or time.monotonic() >= deadline:
                return left
            time.sleep(0.5)


def _statement_stats(database_url: str, *, top: int = 12) -> dict:
    """What the application ran since the last reset (the benchmark's own queries excluded)."""
    with _pg(database_url) as conn:
        (calls, total_ms) = conn.execute(
            "/* bench */ SELECT coalesce(sum(calls), 0), coalesce(sum(total_exec_time), 0)"
            " FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database"
            " WHERE datname = current_database()) AND query NOT LIKE %s AND query NOT LIKE %s",
            (BENCH_LIKE, RI_CHECK_LIKE),
        ).fetchone()
        rows = conn.execute(
            "/* bench */ SELECT calls, round(total_exec_time::numeric, 1),"
            " round(mean_exec_time::numeric, 3),"
            " left(regexp_replace(query, '\\s+', ' ', 'g'), 140)"
            " FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database"
            " WHERE datname = current_database()) AND query NOT LIKE %s"
            " ORDER BY calls DESC LIMIT %s",
            (BENCH_LIKE, top),
        ).fetchall()
    return {
        "calls": int(calls),
        "exec_ms": float(total_ms),
        "top": [
            {"calls": c, "total_ms": float(t), "mean_ms": float(m), "query": q}
            for c, t, m, q in rows
        ],
    }


def _reset_statement_stats(database_url: str) -> None:
    with _pg(database_url) as conn:
        conn.execute("/* bench */ SELECT pg_stat_statements_reset()")


class CpuMeter:
    """CPU seconds spent by each of our servers (each was started in its own session; children
    included), plus the whole machine's busy share, over a window."""

    def __init__(self, sessions: dict[str, int]):
        self.by_sid = {sid: name for name, sid in sessions.items()}
        self.tick = os.sysconf("SC_CLK_TCK")

    def _sample(self) -> tuple[dict[str, float], float, float]:
        totals = dict.fromkeys(self.by_sid.values(), 0.0)
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            # Field 6 is the session; PostgreSQL's backends start their own sessions, so they
            # are found by their parent (field 4), the postmaster.
            name = self.by_sid.get(int(fields[3])) or self.by_sid.get(int(fields[1]))
            if name is not None:
                # utime, stime, and those of exited children (per-connection PG backends)
                ticks = sum(int(value) for value in fields[11:15])
                totals[name] += ticks / self.tick
        times = os.times()
        totals["bench client"] = times.user + times.system
        cpu = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = cpu[3] + cpu[4]
        return totals, sum(cpu) / self.tick, idle / self.tick

    def __enter__(self) -> "CpuMeter":
        self.before = self._sample()
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc) -> None:
        after = self._sample()
        self.seconds = time.monotonic() - self.started
        self.by_component = {
            name: round(after[0][name] - self.before[0].get(name, 0.0), 2) for name in after[0]
        }
        total, idle = after[1] - self.before[1], after[2] - self.before[2]
        self.machine_busy = round(100 * (1 - idle / total), 1) if total else None


def machine_busy_now(seconds: float = 3.0) -> float:
    """How busy the machine is before we start anything (other jobs skew every figure)."""

    def sample() -> tuple[int, int]:
        cpu = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return sum(cpu), cpu[3] + cpu[4]

    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return round(100 * (1 - (idle1 - idle0) / max(1, total1 - total0)), 1)


# --- sections ---------------------------------------------------------------------------------


def bench_intake(ctx: BenchContext) -> list[Figure]:
    args = ctx.args
    profile = intake.sql_per_request(ctx.env)
    _reset_statement_stats(ctx.database_url)
    before = _last_ticket_id(ctx.database_url)
    # ``cpu`` covers the load; ``total_cpu`` also the worker catching up with the backlog, so
    # that CPU per ticket counts registering and dispatching it.
    with CpuMeter(ctx.sessions) as total_cpu:
        with CpuMeter(ctx.sessions) as cpu:
            load = intake.closed_loop(
                ctx.web_url, clients=args.clients, duration=args.intake_seconds, warmup=args.warmup
            )
        with _pg(ctx.database_url) as conn:
            # How far the worker fell behind: still registered when the clients stopped.
            backlog = _registered_after(conn, before)
        drain_started = time.monotonic()
        left = _wait_until_drained(ctx.database_url, timeout=120, after_id=before)
        drain_seconds = time.monotonic() - drain_started
    stats = _statement_stats(ctx.database_url)
    with _pg(ctx.database_url) as conn:
        (tickets,) = conn.execute(
            "/* bench */ SELECT count(*) FROM workorders_ticket WHERE id > %s", (before,)
        ).fetchone()
    tickets = max(1, tickets)  # warm-up included: the statement counts include it too
    web_sql = profile["counts"][-1]
    stack_cpu_ms = (
        1000
        * sum(s for name, s in total_cpu.by_component.items() if name != "bench client")
        / tickets
    )
    ctx.details["intake"] = {
        "clients": args.clients,
        "statuses": load.statuses,
        "error_samples": load.error_samples,
        "connections_opened": load.connects,
        "client_cpu_seconds": round(load.client_cpu_seconds, 2),
        "sql_per_request_web": profile,
        "pg_stat_statements": stats,
        "tickets_in_window": tickets,
        "backlog_when_clients_stopped": backlog,
        "backlog_drain_seconds": round(drain_seconds, 1),
        "left_registered_after_drain": left,
        "cpu_seconds_by_component": cpu.by_component,
        "cpu_seconds_by_component_incl_backlog": total_cpu.by_component,
        "cpu_window_seconds": round(cpu.seconds, 1),
        "machine_cpu_busy_percent": cpu.machine_busy,
        # The rest of the busy share was other programs on the machine, not this benchmark.
        "benchmark_share_of_machine_cpu_percent": round(
            100 * sum(cpu.by_component.values()) / ((os.cpu_count() or 1) * cpu.seconds), 1
        ),
    }
    return [
        Figure(
            "intake",
            "tickets registered per second",
            round(load.rate, 1),
            "req/s",
            f">= {INTAKE_TARGET:.0f}",
            load.rate >= INTAKE_TARGET,
            f"{args.clients} clients, {args.intake_seconds:.0f} s, worker running beside",
        ),
        Figure("intake", "response time p50", _ms(intake.percentile(load.latencies, 0.50)), "ms"),
        Figure("intake", "response time p99", _ms(intake.percentile(load.latencies, 0.99)), "ms"),
        Figure("intake", "errors", load.errors, "requests", "0", load.errors == 0),
        Figure(
            "intake",
            "client CPU (share of one core)",
            round(100 * load.client_cpu_seconds / (args.intake_seconds + args.warmup), 1),
            "%",
            note="the load client shares the 2-core machine with the servers",
        ),
        Figure(
            "intake",
            "machine CPU busy during the run",
            cpu.machine_busy,
            "%",
            note=f"this benchmark's processes: "
            f"{ctx.details['intake']['benchmark_share_of_machine_cpu_percent']}%",
        ),
        Figure(
            "intake",
            "CPU per ticket, web + worker + PostgreSQL + Redis",
            round(stack_cpu_ms, 2),
            "ms",
            note=f"CPU-bound ceiling on {os.cpu_count()} cores: "
            f"{(os.cpu_count() or 1) * 1000 / stack_cpu_ms:.0f} tickets/s (client excluded)",
        ),
        Figure(
            "intake",
            "worker backlog when the clients stopped",
            backlog,
            "tickets",
            note=f"drained in {drain_seconds:.1f} s"
            + (
                f" ({backlog / drain_seconds:.0f} dispatches/s)"
                if backlog and drain_seconds
                else ""
            ),
        ),
        Figure("intake", "SQL statements per request (web)", web_sql, "statements"),
        Figure(
            "intake",
            "CPU per request in Django (in-process)",
            round(profile["cpu_ms"], 2),
            "ms",
            note="test client, no gunicorn/HTTP; holds on a shared machine",
        ),
        Figure(
            "intake",
            "SQL statements per ticket (web + worker)",
            round(stats["calls"] / tickets, 1),
            "statements",
            note="pg_stat_statements: BEGIN/COMMIT and the worker's included, FK checks not",
        ),
    ]


def bench_latency(ctx: BenchContext) -> list[Figure]:
    args = ctx.args
    result = latency.open_loop(
        ctx.web_url, rate=args.rate, duration=args.latency_seconds, index_offset=10**6
    )
    latency.collect_outcomes(result, ctx.database_url)
    server = result.dispatch_seconds()
    client = result.client_dispatch_seconds()
    responses = [s.response_seconds for s in result.sent if s.status == 201]
    errors = sum(1 for s in result.sent if s.status != 201)
    p95 = intake.percentile(server, 0.95)
    dispatch_sql = latency.sql_per_dispatch(ctx.env)
    ctx.details["latency"] = {
        "sql_per_dispatch_worker": dispatch_sql,
        "submitted": len(result.sent),
        "outcomes": result.outcome_counts(),
        "schedule_lag_max_s": round(result.schedule_lag_max, 3),
        "dispatch_max_s": round(max(server), 3) if server else None,
    }
    return [
        Figure(
            "latency",
            "registered → dispatched p50",
            _ms(intake.percentile(server, 0.50)),
            "ms",
            note=f"{args.rate:.0f} tickets/s for {args.latency_seconds:.0f} s",
        ),
        Figure(
            "latency",
            "registered → dispatched p95",
            _ms(p95),
            "ms",
            f"< {DISPATCH_P95_TARGET * 1000:.0f}",
            bool(server) and p95 < DISPATCH_P95_TARGET and result.undone == 0,
            f"{len(server)} dispatched, {result.undone} never handled",
        ),
        Figure(
            "latency", "client sent → dispatched p50", _ms(intake.percentile(client, 0.50)), "ms"
        ),
        Figure(
            "latency", "client sent → dispatched p95", _ms(intake.percentile(client, 0.95)), "ms"
        ),
        Figure("latency", "POST response p50", _ms(intake.percentile(responses, 0.50)), "ms"),
        Figure("latency", "POST response p99", _ms(intake.percentile(responses, 0.99)), "ms"),
        Figure("latency", "errors", errors, "requests", "0", errors == 0),
        Figure(
            "latency",
            "SQL statements per auto-dispatch (worker)",
            dispatch_sql["count"],
            "statements",
            note=f"outcome: {dispatch_sql['outcome']}",
        ),
        Figure(
            "latency",
            "CPU per auto-dispatch in Django (in-process)",
            round(dispatch_sql["cpu_ms"], 2),
            "ms",
            note="the service without Celery; holds on a shared machine",
        ),
    ]


def sweep_web_configs(ctx: BenchContext, configs: list[tuple[int, int]]) -> list[dict]:
    """Short intake runs with other gunicorn shapes (workers × threads), to choose the default."""
    rows = []
    for workers, threads in configs:
        last_id = _last_ticket_id(ctx.database_url)
        with (
            servers.django_process("web", ctx.env, web_workers=workers, web_threads=threads) as web,
            CpuMeter(ctx.sessions) as cpu,
        ):
            load = intake.closed_loop(
                web.url, clients=ctx.args.clients, duration=ctx.args.sweep_seconds, warmup=2
            )
        _wait_until_drained(ctx.database_url, timeout=60, after_id=last_id)
        rows.append(
            {
                "workers": workers,
                "threads": threads,
                "class": "gthread" if threads > 1 else "sync",
                "rate": round(load.rate, 1),
                "p50_ms": _ms(intake.percentile(load.latencies, 0.50)),
                "p99_ms": _ms(intake.percentile(load.latencies, 0.99)),
                "errors": load.errors,
                "machine_busy_percent": cpu.machine_busy,
            }
        )
        print(f"bench: sweep {rows[-1]}", flush=True)
    return rows


def _ms(seconds: float) -> float | None:
    return None if seconds != seconds else round(seconds * 1000, 1)  # NaN: no data


# --- reporting --------------------------------------------------------------------------------


def _command(*argv: str) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10, cwd=REPO_ROOT)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def machine_info(database_url: str) -> dict:
    model = ""
    memory_kb = 0
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        model = next(
            (
                line.split(":", 1)[1].strip()
                for line in cpuinfo.splitlines()
                if "model name" in line
            ),
            "",
        )
        meminfo = Path("/proc/meminfo").read_text()
        memory_kb = int(
            next(line.split()[1] for line in meminfo.splitlines() if "MemTotal" in line)
        )
    except (OSError, StopIteration, ValueError):
        pass
    with _pg(database_url) as conn:
        (pg_version,) = conn.execute("SHOW server_version").fetchone()
        fsync = conn.execute("SHOW fsync").fetchone()[0]
        sync_commit = conn.execute("SHOW synchronous_commit").fetchone()[0]
    from importlib.metadata import version

    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "postgresql": pg_version,
        "postgresql_fsync": fsync,
        "postgresql_synchronous_commit": sync_commit,
        "redis": _command(servers.redis_binary() or "redis-server", "--version"),
        "django": version("django"),
        "gunicorn": version("gunicorn"),
        "celery": version("celery"),
    }


def print_table(figures: list[Figure]) -> None:
    headers = ("section", "figure", "value", "unit", "target", "result")
    rows = [
        (
            f.section,
            f.name,
            "-" if f.value is None else f"{f.value:,}",
            f.unit,
            f.target,
            {True: "PASS", False: "FAIL", None: ""}[f.passed],
        )
        for f in figures
    ]
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    print()
    for number, row in enumerate([headers, *rows]):
        cells = [
            cell.rjust(width) if column == 2 else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
        if number == 0:
            print("-" * (sum(widths) + 2 * (len(widths) - 1)))
    print()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    cores = os.cpu_count() or 2
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--intake-seconds", type=float, default=15)
    parser.add_argument("--latency-seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rate", type=float, default=LATENCY_RATE)
    # gthread keeps client connections alive (a sync worker closes each one after its reply):
    # one process per core with 8 threads measured best here (--web-sweep 5x1,2x4,4x4,2x8,3x8).
    parser.add_argument("--web-workers", type=int, default=cores)
    parser.add_argument("--web-threads", type=int, default=8, help=">1 uses the gthread worker")
    parser.add_argument("--worker-concurrency", type=int, default=cores)
    parser.add_argument(
        "--worker-nice",
        type=int,
        # Intake first, as production runs it (docker-compose: the worker's cpu_shares 128 of
        # 1024): 0 measured 150 tickets/s here, 6 208/s, 10 236/s, 19 249/s.
        default=10,
        help="run the Celery worker's session at this nice level (0: equal share with web)",
    )
    parser.add_argument(
        "--db-reuse-max",
        type=int,
        default=None,
        help="CELERY_DB_REUSE_MAX for the worker (default: the settings' default)",
    )
    parser.add_argument("--conn-max-age", type=int, default=600, help="CONN_MAX_AGE (web, worker)")
    parser.add_argument(
        "--web-sweep",
        default="",
        help="also try these gunicorn shapes, e.g. 3x1,5x1,8x1,2x4,3x8 (workers x threads)",
    )
    parser.add_argument("--sweep-seconds", type=float, default=8)
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        help="leave out a section: intake, latency, one extra by module name (classifier,"
        " cockpit, deadlines, evaluation), or extra (all extras)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS_PATH)
    args = parser.parse_args(argv)
    # --skip a --skip b and --skip a,b mean the same.
    args.skip = [name.strip() for value in args.skip for name in value.split(",") if name.strip()]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_extra_sections()
    reason = servers.binaries_missing()
    if reason:
        print(f"bench: {reason}", file=sys.stderr)
        return 2
    started = dt.datetime.now(dt.UTC)
    background_busy = machine_busy_now()
    if background_busy > 15:
        print(
            f"bench: warning: the machine is already {background_busy}% busy before we start;"
            " figures will be low",
            file=sys.stderr,
        )
    figures: list[Figure] = []
    var_dir = Path(tempfile.mkdtemp(prefix="hotline-bench-"))
    # Durable PostgreSQL (no fsync=off): the figures must mean something for production.
    pg_settings = {"shared_preload_libraries": "pg_stat_statements", "max_connections": "300"}
    with (
        servers.postgres_server(settings=pg_settings) as database_url,
        servers.redis_server() as redis_url,
    ):
        extra_env = {"CONN_MAX_AGE": str(args.conn_max_age)}
        if args.db_reuse_max is not None:
            extra_env["CELERY_DB_REUSE_MAX"] = str(args.db_reuse_max)
        env = servers.django_env(
            database_url=database_url, broker_url=redis_url, var_dir=var_dir, **extra_env
        )
        print(f"bench: PostgreSQL {database_url}, Redis {redis_url}, logs in {var_dir}")
        with servers.django_process("migrate", env):
            pass
        servers.seed_city(env)
        with _pg(database_url) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        with (
            servers.django_process(
                "web", env, web_workers=args.web_workers, web_threads=args.web_threads
            ) as web,
            servers.django_process(
                "worker", env, worker_concurrency=args.worker_concurrency, nice=args.worker_nice
            ) as worker,
        ):
            sessions = {
                "web (gunicorn)": web.proc.pid,
                "worker (celery)": worker.proc.pid,
                "postgresql": database_url.pid,
                "redis": redis_url.pid,
            }
            ctx = BenchContext(args, env, database_url, redis_url, web.url, var_dir, sessions)
            if args.web_sweep:
                shapes = [
                    tuple(int(n) for n in shape.split("x")) for shape in args.web_sweep.split(",")
                ]
                ctx.details["web_sweep"] = sweep_web_configs(ctx, shapes)
            sections = [("intake", bench_intake), ("latency", bench_latency)]
            sections += [(_section_name(extra), extra) for extra in EXTRA_BENCHMARKS]
            for name, section in sections:
                if name in args.skip or ("extra" in args.skip and section in EXTRA_BENCHMARKS):
                    continue
                print(f"bench: running {getattr(section, '__name__', section)} …", flush=True)
                figures += section(ctx)
            worker_errors = worker.log_text().count("ERROR")
            web_errors = web.log_text().count("Traceback")
        machine = machine_info(database_url)
    results = {
        "date": started.isoformat(timespec="seconds"),
        "git_commit": _command("git", "rev-parse", "HEAD") or None,
        "machine": {**machine, "cpu_busy_before_start_percent": background_busy},
        "config": {
            "web": f"gunicorn {'gthread' if args.web_threads > 1 else 'sync'} "
            f"workers={args.web_workers} threads={args.web_threads}",
            "worker": f"celery prefork concurrency={args.worker_concurrency}"
            f" nice={args.worker_nice}",
            "conn_max_age": args.conn_max_age,
            "celery_db_reuse_max": env.get("CELERY_DB_REUSE_MAX", "settings default"),
            "postgresql": "durable defaults (fsync on, synchronous_commit on)",
        },
        "figures": [asdict(f) for f in figures],
        "details": {
            **ctx.details,
            "worker_log_errors": worker_errors,
            "web_tracebacks": web_errors,
        },
    }
    args.output.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print_table(figures)
    print(f"bench: results in {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
