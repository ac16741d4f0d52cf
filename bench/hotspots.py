"""Hotspots (四高) and clusters: detection quality on a synthetic history, and the daily task's
speed on PostgreSQL at 2,000,000 tickets a year (issue 14).

**Quality** (``python -m bench.hotspots``, SQLite unless ``--database-url``): a city of
districts › streets › communities and a two-level category tree; every leaf cell (category ×
community) has its own daily rate (log-normal: many quiet cells, a few busy ones), a weekly rhythm
(quiet weekends), overdispersed noise (a gamma factor per day, district and top category: wet
weeks), and repeated callers (a tenth of the callers call again, some up to twenty times). In the
last week, surges are injected (leaf cells raised to at least five times their usual weekly volume
and at least 12 tickets), a single person calls twenty times in a quiet cell, and clusters of 8
tickets about one problem at one address are added (reworded texts). Measured: every injected
surge found (a reported surging cell at or above it in both trees), false alarms (reported surging
cells containing no injected surge) per quiet cell tested (target at most 1 per 15), and each
cluster of 8 grouped into one cluster.

**Speed** (``--speed``): fills PostgreSQL with a year of 2,000,000 tickets (INSERT … SELECT
generate_series, like bench/evaluation.py) and times the daily task (``record_day``): target
under 60 s.

``make_history`` is also what tests/analysis/test_hotspot_quality.py runs on a smaller city.
"""

import argparse
import contextlib
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

WEEKDAY = [1.15, 1.1, 1.1, 1.05, 1.0, 0.75, 0.6]  # Monday … Sunday
SPEED_TICKETS = 2_000_000
SPEED_TARGET_S = 60.0

PROBLEMS = {
    "路灯": [
        (
            "路灯不亮",
            ["{a}的路灯不亮了好几天", "晚上{a}路灯一直不亮，走路看不清", "{a}路灯坏了不亮"],
        ),
        ("路灯闪烁", ["{a}路灯一闪一闪的", "{a}的路灯整夜闪烁"]),
    ],
    "井盖": [("井盖缺失", ["{a}井盖丢了很危险", "{a}路上井盖没有了", "{a}井盖破损缺失"])],
    "停水": [("突然停水", ["{a}突然停水了没有通知", "{a}从早上开始停水", "{a}家里没水了停水"])],
    "水压": [("水压低", ["{a}水压太低楼上用不了水", "{a}自来水水压不足"])],
    "噪音": [("夜间施工噪音", ["{a}工地夜间施工噪音很大", "{a}晚上施工太吵睡不着"])],
    "垃圾": [("垃圾未清运", ["{a}垃圾好几天没人清运", "{a}垃圾桶满了没人收", "{a}垃圾堆积发臭"])],
    "欠薪": [("拖欠工资", ["{a}的公司拖欠工资三个月", "在{a}打工老板不发工资"])],
    "燃气": [("燃气泄漏", ["{a}闻到很重的燃气味", "{a}疑似燃气泄漏"])],
}
TOPS = {
    "市政设施": ["路灯", "井盖"],
    "供水": ["停水", "水压"],
    "环境": ["噪音", "垃圾"],
    "劳动保障": ["欠薪"],
    "安全": ["燃气"],
}
CLUSTER_TEXTS = [
    "{a}的{p}，已经好几天了，希望尽快处理",
    "反映{a}{p}的问题，影响居民生活",
    "{a}这边{p}，请相关部门来看看",
    "我住在{a}，{p}一直没人管",
    "{p}，地点在{a}，麻烦派人处理",
    "{a}{p}，多次反映仍未解决",
    "{a}附近{p}，很多邻居都受影响",
    "投诉{a}{p}",
]
COMPOUNDS = ["花园", "小区", "家园", "新村", "公寓", "里", "苑", "大厦"]


@dataclass
class Truth:
    end: date
    surges: list[tuple[int, int]] = field(default_factory=list)  # (leaf category, community)
    clusters: list[list[str]] = field(default_factory=list)  # ticket numbers
    cluster_cells: list[tuple[int, int]] = field(default_factory=list)
    repeat_cell: tuple[int, int] | None = None  # one person, twenty calls
    tickets: int = 0


def make_city(districts: int, streets: int, communities: int):
    """Regions and categories; returns (communities, leaf categories)."""
    from workorders.models import Category, Region

    city = Region.objects.create(name="合成市", level=Region.Level.CITY)
    leaves_regions = []
    for d in range(districts):
        district = Region.objects.create(name=f"合成{d}区", level=1, parent=city)
        for s in range(streets):
            street = Region.objects.create(name=f"合成{d}区{s}街道", level=2, parent=district)
            for c in range(communities):
                leaves_regions.append(
                    Region.objects.create(name=f"{d}{s}{c}社区", level=3, parent=street)
                )
    leaves_categories = []
    for top_name, subs in TOPS.items():
        top = Category.objects.create(name=top_name)
        for sub in subs:
            leaves_categories.append(Category.objects.create(name=sub, parent=top))
    return leaves_regions, leaves_categories


def _ticket(n: int, at: datetime, category, region, phone: str, text: str, title: str, address):
    from workorders.models import Channel, Status, Ticket

    return Ticket(
        number=f"S{n:09d}",
        query_code="000000",
        channel=Channel.PHONE,
        title=title[:100],
        content=text,
        address=address,
        region_id=region.pk,
        category_id=category.pk,
        citizen_phone=phone,
        status=Status.CLOSED,
        registered_at=at,
        status_changed_at=at,
    )


def make_history(
    *,
    end: date,
    days: int = 182,
    districts: int = 3,
    streets: int = 4,
    communities: int = 4,
    mean_rate: float = 0.08,
    surges: int = 10,
    clusters: int = 10,
    seed: int = 14,
) -> Truth:
    """Fill the database (any) with the synthetic history; returns what was injected."""
    from django.utils import timezone

    from workorders.models import Ticket

    rng = random.Random(seed)
    regions, categories = make_city(districts, streets, communities)
    zone = timezone.get_current_timezone()
    truth = Truth(end=end)
    start = end - timedelta(days=days - 1)
    rate = {
        (c.pk, r.pk): mean_rate * rng.lognormvariate(0, 1.0) / math.exp(0.5)
        for c in categories
        for r in regions
    }
    district_of = {r.pk: r.parent.parent_id for r in regions}
    top_of = {c.pk: c.parent_id for c in categories}
    cat_of = {c.pk: c for c in categories}
    reg_of = {r.pk: r for r in regions}
    tickets: list = []
    counter = [0]
    phones = [0]

    def new_phone() -> str:
        phones[0] += 1
        return f"139{phones[0]:08d}"

    def add(at_day: date, category, region, phone: str, *, text=None, address=None) -> str:
        counter[0] += 1
        problem, variants = rng.choice(PROBLEMS[category.name])
        compound = f"{region.name}{rng.choice('东西南北中')}{rng.choice(COMPOUNDS)}"
        address = address or f"{compound}{rng.randint(1, 30)}号楼"
        text = text or rng.choice(variants).format(a=address)
        seconds = rng.randint(7 * 3600, 21 * 3600)
        at = datetime.combine(at_day, dtime.min, tzinfo=zone) + timedelta(seconds=seconds)
        tickets.append(_ticket(counter[0], at, category, region, phone, text, problem, address))
        return tickets[-1].number

    day = start
    while day <= end:
        season = WEEKDAY[day.weekday()]
        noise = {}
        for (c, r), lam in rate.items():
            key = (top_of[c], district_of[r])
            if key not in noise:
                noise[key] = rng.gammavariate(6.0, 1 / 6.0)  # overdispersion: CV 0.41
            n = _poisson(rng, lam * season * noise[key])
            for _ in range(n):
                phone = new_phone() if rng.random() > 0.05 else ""
                add(day, cat_of[c], reg_of[r], phone)
                if phone and rng.random() < 0.1:  # the same caller calls again
                    for _ in range(rng.choice([1, 1, 2, 3, 5])):
                        again = min(end, day + timedelta(days=rng.randint(0, 3)))
                        add(again, cat_of[c], reg_of[r], phone)
        day += timedelta(days=1)

    cells = list(rate)
    rng.shuffle(cells)
    week = [end - timedelta(days=i) for i in range(7)]
    for c, r in cells[:surges]:
        usual = rate[(c, r)] * 7  # the usual weekly volume (the rhythm averages to ~1)
        extra = max(12, math.ceil(5 * usual))
        for _ in range(extra):
            add(rng.choice(week), cat_of[c], reg_of[r], new_phone())
        truth.surges.append((c, r))
    # One person calling twenty times in a quiet cell: not a hotspot.
    quiet = min(cells[surges:], key=lambda cell: rate[cell])
    phone = new_phone()
    for _ in range(20):
        add(rng.choice(week), cat_of[quiet[0]], reg_of[quiet[1]], phone)
    truth.repeat_cell = quiet
    used = {r for _, r in cells[:surges]}
    spots = [cell for cell in cells[surges + 1 :] if cell[1] not in used]
    for index, (c, r) in enumerate(spots[:clusters]):
        used.add(r)
        category, region = cat_of[c], reg_of[r]
        problem, _ = rng.choice(PROBLEMS[category.name])
        address = f"{region.name}幸福{index}号院{rng.randint(1, 9)}号楼"
        numbers = []
        texts = CLUSTER_TEXTS[:]
        rng.shuffle(texts)
        for k in range(8):
            text = texts[k].format(a=address, p=problem)
            numbers.append(
                add(rng.choice(week[:5]), category, region, new_phone(), text=text, address=address)
            )
        truth.clusters.append(numbers)
        truth.cluster_cells.append((c, r))
    Ticket.objects.bulk_create(tickets, batch_size=2000)
    truth.tickets = len(tickets)
    return truth


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, product = math.exp(-lam), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def score(truth: Truth, days: int = 7) -> dict:
    """Run the detection on the injected history and measure it against the truth."""
    from analysis.hotspots.clusters import find_clusters
    from analysis.hotspots.detection import Period, detect
    from analysis.models import HotspotKind, HotspotSettings

    rules = HotspotSettings.current()
    begun = time.perf_counter()
    detection = detect(Period(truth.end, days), rules)
    detect_s = time.perf_counter() - begun
    begun = time.perf_counter()
    found_clusters = find_clusters(Period(truth.end, days), rules, detection.trees)
    cluster_s = time.perf_counter() - begun
    trees = detection.trees
    surging = [h for h in detection.hotspots if h.kind == HotspotKind.SURGING]

    def contains(upper, lower) -> bool:
        return trees.is_below(lower, upper)

    found = [s for s in truth.surges if any(contains(h.cell, s) for h in surging)]
    false_alarms = [h for h in surging if not any(contains(h.cell, s) for s in truth.surges)]
    # A cluster's 8 callers are a real rise of its cell: an alarm there is not a false one, but
    # it is counted as one above and shown apart here.
    at_clusters = [
        h for h in false_alarms if any(contains(h.cell, cell) for cell in truth.cluster_cells)
    ]
    tested = detection.cells_tested
    noisy = {
        (c, r) for s in truth.surges for c in trees.category_up[s[0]] for r in trees.region_up[s[1]]
    }
    quiet = tested - len(noisy)
    repeat_flagged = any(
        contains(h.cell, truth.repeat_cell) and not any(contains(h.cell, s) for s in truth.surges)
        for h in surging
    )
    grouped = 0
    for numbers in truth.clusters:
        holders = [c for c in found_clusters if set(numbers) & set(c.numbers)]
        if len(holders) == 1 and set(numbers) <= set(holders[0].numbers):
            grouped += 1
    injected = {n for numbers in truth.clusters for n in numbers}
    impure = sum(1 for c in found_clusters if len(set(c.numbers) - injected) > 2)
    return {
        "tickets": truth.tickets,
        "cells_tested": tested,
        "quiet_cells": quiet,
        "surges_injected": len(truth.surges),
        "surges_found": len(found),
        "false_alarms": len(false_alarms),
        "false_alarms_per_quiet_cell": round(len(false_alarms) / max(quiet, 1), 4),
        "false_alarms_over_an_injected_cluster": len(at_clusters),
        "repeat_caller_flagged": repeat_flagged,
        "clusters_injected": len(truth.clusters),
        "clusters_grouped_whole": grouped,
        "clusters_found": len(found_clusters),
        "clusters_with_other_tickets": impure,
        "alpha": round(detection.alpha, 3),
        "detect_s": round(detect_s, 2),
        "clusters_s": round(cluster_s, 2),
    }


def passed(figures: dict) -> bool:
    return (
        figures["surges_found"] == figures["surges_injected"]
        and figures["false_alarms"] <= figures["quiet_cells"] / 15
        and figures["clusters_grouped_whole"] == figures["clusters_injected"]
    )


# --- speed on PostgreSQL ----------------------------------------------------------------------


def _fill_pg(tickets: int, end: date) -> dict:
    """A year of ``tickets`` on the bench city: 16 districts, 343 streets, 3,430 communities,
    60 leaf categories; weekly rhythm; a tenth of the calls by repeat callers."""
    from django.db import connection, transaction

    from bench.evaluation import _insert_sql
    from workorders.models import Category, Region, Ticket

    begun = time.perf_counter()
    city = Region.objects.create(name="热点压测市", level=Region.Level.CITY)
    districts = Region.objects.bulk_create(
        [Region(name=f"热点{i:02d}区", level=1, parent=city) for i in range(16)]
    )
    streets = Region.objects.bulk_create(
        [Region(name=f"热点街道{i:03d}", level=2, parent=districts[i % 16]) for i in range(343)]
    )
    communities = Region.objects.bulk_create(
        [Region(name=f"热点社区{i:04d}", level=3, parent=streets[i % 343]) for i in range(3430)]
    )
    tops = [Category.objects.create(name=f"压测大类{i}") for i in range(12)]
    leaves = [Category.objects.create(name=f"压测小类{i}", parent=tops[i % 12]) for i in range(60)]
    region_ids = "ARRAY[" + ",".join(str(r.pk) for r in communities) + "]"
    category_ids = "ARRAY[" + ",".join(str(c.pk) for c in leaves) + "]"
    start = end - timedelta(days=364)
    explicit = {
        "number": "'H' || lpad(g::text, 10, '0')",
        "query_code": "'000000'",
        "channel": "'phone'",
        "title": "'压测诉求'",
        "content": "'压测诉求内容 ' || (g % 997)::text",
        "address": "'压测地址' || (g % 50000)::text || '号'",
        "region": f"({region_ids})[1 + (hashint4(g) & 2147483647) % {len(communities)}]",
        "category": f"({category_ids})[1 + (hashint4(g + 7) & 2147483647) % {len(leaves)}]",
        # A tenth of the calls come from 20,000 repeat numbers; the rest are distinct.
        "citizen_phone": "CASE WHEN g % 10 = 0 THEN '137' || lpad((g % 20000)::text, 8, '0') "
        "ELSE '139' || lpad(g::text, 8, '0') END",
        "urgency": "CASE WHEN g % 50 = 0 THEN 'urgent' ELSE 'normal' END",
        "status": "'closed'",
        "registered_at": f"TIMESTAMPTZ '{start.isoformat()} 00:00+08' + "
        f"((g::float8 / {tickets}) * 365 * 86400) * interval '1 second'",
        "status_changed_at": "now()",
    }
    sql = _insert_sql(Ticket, explicit, f"FROM generate_series(1, {tickets}) AS g")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE workorders_ticket")
    return {"fill_s": round(time.perf_counter() - begun, 1)}


def _count_plan(period, rules) -> str:
    """EXPLAIN of the counting query as count_cells sends it."""
    from django.db import connection

    from analysis.hotspots import detection

    captured = []

    class Stop(Exception):
        pass

    def grab(execute, sql, params, many, context):
        if "GROUP BY" not in sql:
            return execute(sql, params, many, context)
        captured.append((sql, params))
        raise Stop

    with connection.execute_wrapper(grab), contextlib.suppress(Stop):
        detection.count_cells(period, rules, detection.Trees.load())
    sql, params = captured[0]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _speed_inside(tickets: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from analysis.hotspots import services
    from analysis.hotspots.detection import Period, Trees, count_cells
    from analysis.models import HotspotRecord, HotspotSettings

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the page is timed too
    end = timezone.localdate() - timedelta(days=1)
    figures = {"tickets": tickets}
    from workorders.models import Ticket

    if not Ticket.objects.filter(number__startswith="H").exists():
        figures.update(_fill_pg(tickets, end))
    runs = []
    for _ in range(2):
        begun = time.perf_counter()
        recorded = services.record_day(end)
        runs.append(round(time.perf_counter() - begun, 2))
    figures["daily_task_s"] = runs
    figures["recorded"] = recorded
    figures["records_after_two_runs"] = HotspotRecord.objects.filter(day=end).count()
    rules = HotspotSettings.current()
    period = Period(end, rules.record_window_days)
    begun = time.perf_counter()
    count_cells(period, rules, Trees.load())
    figures["count_query_s"] = round(time.perf_counter() - begun, 2)
    figures["count_plan"] = _count_plan(period, rules)
    for days in (1, 30):
        begun = time.perf_counter()
        from analysis.hotspots.detection import detect

        detect(Period(end, days), rules)
        figures[f"detect_{days}d_s"] = round(time.perf_counter() - begun, 2)
    # The page as a leader opens it, the cache cold (the first view of the day) and warm.
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.test import Client

    from workorders.models import Profile, Role

    leader, created = get_user_model().objects.get_or_create(username="bench_hotspot_leader")
    if created:
        Profile.objects.create(user=leader, role=Role.LEADER, display_name="压测领导")
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(leader)
    cache.clear()
    timings = []
    for _ in range(3):
        begun = time.perf_counter()
        response = client.get("/analysis/hotspots/")
        assert response.status_code == 200, response.status_code
        timings.append(round(time.perf_counter() - begun, 2))
    figures["page_cold_then_warm_s"] = timings
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('workorders_ticket'))")
        figures["ticket_table"] = cursor.fetchone()[0]
    figures["machine_load_1min"] = round(os.getloadavg()[0], 2)
    return figures


def run_speed(database_url: str, tickets: int = SPEED_TICKETS) -> dict:
    from tests import servers

    var_dir = Path(tempfile.mkdtemp(prefix="hotline-bench-hotspots-"))
    env = servers.django_env(
        database_url=database_url, broker_url="memory://", var_dir=var_dir, LOG_LEVEL="WARNING"
    )
    result = subprocess.run(
        [sys.executable, "-m", "bench.hotspots", "--inside-speed", "--tickets", str(tickets)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        timeout=3600,
    )
    if result.returncode != 0:
        raise RuntimeError(f"bench.hotspots failed:\n{result.stdout[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _quality_inside(args) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    truth = make_history(
        end=timezone.localdate() - timedelta(days=1),
        districts=args.districts,
        streets=args.streets,
        communities=args.communities,
        mean_rate=args.rate,
        surges=args.surges,
        clusters=args.clusters,
        seed=args.seed,
    )
    figures = score(truth)
    figures["passed"] = passed(figures)
    return figures


def run_quality(args, database_url: str | None = None) -> dict:
    from tests import servers

    var_dir = Path(tempfile.mkdtemp(prefix="hotline-bench-hotspots-"))
    env = servers.django_env(
        database_url=database_url or "",
        broker_url="memory://",
        var_dir=var_dir,
        LOG_LEVEL="WARNING",
    )
    if not database_url:
        env.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "bench.hotspots", "--inside-quality"]
    for name in ("districts", "streets", "communities", "rate", "surges", "clusters", "seed"):
        command += [f"--{name}", str(getattr(args, name))]
    result = subprocess.run(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, text=True, timeout=3600
    )
    if result.returncode != 0:
        raise RuntimeError(f"bench.hotspots failed:\n{result.stdout[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        help="PostgreSQL (quality: default SQLite; speed: default a fresh PostgreSQL)",
    )
    parser.add_argument("--speed", action="store_true", help="the 2 M tickets/year speed run")
    parser.add_argument("--tickets", type=int, default=SPEED_TICKETS)
    parser.add_argument("--districts", type=int, default=4)
    parser.add_argument("--streets", type=int, default=6)
    parser.add_argument("--communities", type=int, default=5)
    parser.add_argument("--rate", type=float, default=0.06, help="mean tickets/day per leaf cell")
    parser.add_argument("--surges", type=int, default=20)
    parser.add_argument("--clusters", type=int, default=20)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--inside-quality", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--inside-speed", action="store_true", help=argparse.SUPPRESS)
    return parser


def bench_section(ctx) -> list:
    """For bench/run.py (section "hotspots"): quality on SQLite, speed on the stack's PostgreSQL
    (BENCH_HOTSPOTS_TICKETS for a quicker run)."""
    from bench.run import Figure

    quality = run_quality(_parser().parse_args([]))
    tickets = int(os.environ.get("BENCH_HOTSPOTS_TICKETS") or SPEED_TICKETS)
    speed = run_speed(ctx.database_url, tickets)
    ctx.details["hotspots"] = {"quality": quality, "speed": speed}
    section = "hotspots"
    return [
        Figure(
            section,
            "surges found",
            quality["surges_found"],
            f"of {quality['surges_injected']}",
            target="all",
            passed=quality["surges_found"] == quality["surges_injected"],
        ),
        Figure(
            section,
            "false alarms per quiet cell",
            quality["false_alarms_per_quiet_cell"],
            "",
            target="<= 1/15",
            passed=quality["false_alarms_per_quiet_cell"] <= 1 / 15,
            note=f"{quality['false_alarms']} of {quality['quiet_cells']} quiet cells",
        ),
        Figure(
            section,
            "clusters of 8 grouped whole",
            quality["clusters_grouped_whole"],
            f"of {quality['clusters_injected']}",
            target="all",
            passed=quality["clusters_grouped_whole"] == quality["clusters_injected"],
        ),
        Figure(
            section,
            f"daily task ({tickets / 1e6:g} M tickets/year)",
            max(speed["daily_task_s"]),
            "s",
            target="< 60 s",
            passed=max(speed["daily_task_s"]) < SPEED_TARGET_S,
        ),
    ]


def main() -> None:
    args = _parser().parse_args()
    if args.inside_quality:
        print(json.dumps(_quality_inside(args), ensure_ascii=False))
        return
    if args.inside_speed:
        print(json.dumps(_speed_inside(args.tickets), ensure_ascii=False))
        return
    if args.speed:
        if args.database_url:
            figures = run_speed(args.database_url, args.tickets)
        else:
            from tests import servers

            with servers.postgres_server() as url:
                figures = run_speed(url, args.tickets)
    else:
        figures = run_quality(args, args.database_url)
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    main()
