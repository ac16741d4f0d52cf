"""Knowledge search: quality on real citizen messages and speed with 100,000 entries (issue 13).

Quality: from ../shared/datasets/citizen-message-replies.csv, 500 distinct replies become the
entries and the messages that received them are the queries (title and body, and body only);
a hit is the message's own reply (or an identical one) in the top 1 / top 3. Three samples
(seeds 1-3), reported with their mean. Skipped with a message when the dataset is absent.

Speed: on PostgreSQL (a throw-away one, tests/servers.py, unless ``--database-url``), 100,000
synthetic entries made of sentences of those replies (or generated text without the dataset),
then ``knowledge.search.knowledge_search`` as the API calls it: the freshness query, the mask,
the sparse product; the first search builds the index (its time is reported), then p50/p95 over
200 queries. The work runs in a Django subprocess printing one JSON line.

``python -m bench.knowledge`` prints the figures and writes bench/knowledge.json;
``bench_section`` adapts it to bench/run.py.
"""

import argparse
import csv
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

DATASET = Path(
    os.environ.get(
        "KNOWLEDGE_DATASET",
        REPO_ROOT.parent / "shared" / "datasets" / "citizen-message-replies.csv",
    )
)
ENTRIES = 500
SEEDS = (1, 2, 3)
SPEED_ENTRIES = 100_000
SPEED_QUERIES = 200
TARGETS = {"top3": 0.85, "p95_ms": 50.0}
RESULTS_PATH = REPO_ROOT / "bench" / "knowledge.json"


def _pairs() -> list[dict]:
    with DATASET.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    seen, pairs = set(), []
    for row in rows:
        if row["reply"].strip() and row["reply"] not in seen:
            seen.add(row["reply"])
            pairs.append(row)
    return pairs


def quality() -> dict:
    from knowledge import engine

    if not DATASET.exists():
        return {"skipped": f"{DATASET} is absent"}
    pairs = _pairs()
    runs = []
    for seed in SEEDS:
        sample = random.Random(seed).sample(pairs, ENTRIES)
        index = engine.Index.build(
            [engine.Document(key=i, title="", body=row["reply"]) for i, row in enumerate(sample)]
        )
        replies = [row["reply"] for row in sample]
        figures = {"seed": seed}
        for name, text in (
            ("message", lambda row: f"{row['title']} {row['body']}"),
            ("body", lambda row: row["body"]),
        ):
            top1 = top3 = 0
            for i, row in enumerate(sample):
                hits = [replies[hit.key] for hit in index.search(text(row), limit=3)]
                top1 += bool(hits) and hits[0] == replies[i]
                top3 += replies[i] in hits
            figures[f"{name}_top1"] = top1 / ENTRIES
            figures[f"{name}_top3"] = top3 / ENTRIES
        runs.append(figures)
    mean = {
        key: round(statistics.mean(run[key] for run in runs), 3) for key in runs[0] if key != "seed"
    }
    return {"entries": ENTRIES, "runs": runs, **mean}


def _synthetic_texts(count: int, rng: random.Random) -> tuple[list[tuple[str, str]], list[str]]:
    if DATASET.exists():
        pairs = _pairs()
        sentences = [
            piece
            for row in pairs
            for piece in re.split(r"(?<=[。！？；])", row["reply"])
            if len(piece) > 8
        ]
        queries = [
            f"{row['title']} {row['body']}"[:300] for row in rng.sample(pairs, SPEED_QUERIES)
        ]
    else:
        words = [
            "供暖",
            "停水",
            "噪音",
            "公积金",
            "社保",
            "居住证",
            "入学",
            "物业",
            "停车",
            "垃圾",
            "施工",
            "路灯",
            "医保",
            "户口",
            "补贴",
        ]
        sentences = ["".join(rng.choices(words, k=12)) + "。" for _ in range(5000)]
        queries = ["".join(rng.choices(words, k=8)) for _ in range(SPEED_QUERIES)]
    entries = []
    for _ in range(count):
        body = "".join(rng.sample(sentences, 3))[:400]
        entries.append((body[:30], body))
    return entries, queries


def _inside(count: int) -> dict:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from knowledge import search
    from knowledge.models import Entry

    call_command("migrate", verbosity=0)
    rng = random.Random(13)
    entries, queries = _synthetic_texts(count, rng)
    now = timezone.now()
    started = time.perf_counter()
    Entry.objects.all().delete()
    Entry.objects.bulk_create(
        [
            Entry(
                title=title,
                body=body,
                visibility="public" if i % 4 else "internal",
                created_at=now,
                updated_at=now,
            )
            for i, (title, body) in enumerate(entries)
        ],
        batch_size=5000,
    )
    figures = {"entries": Entry.objects.count(), "setup_s": round(time.perf_counter() - started, 1)}
    figures["database"] = connection.vendor
    started = time.perf_counter()
    search.knowledge_search(user=None, q=queries[0], limit=5)
    figures["build_s"] = round(time.perf_counter() - started, 1)
    timings = []
    for query in queries:
        started = time.perf_counter()
        search.knowledge_search(user=None, q=search.clean_query(query), limit=5)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    figures["queries"] = len(timings)
    figures["p50_ms"] = round(statistics.median(timings), 2)
    figures["p95_ms"] = round(timings[int(len(timings) * 0.95) - 1], 2)
    started = time.perf_counter()
    for _ in range(50):
        search._stamp()
    figures["freshness_query_ms"] = round((time.perf_counter() - started) * 1000 / 50, 2)
    return figures


def speed(database_url: str, *, count: int = SPEED_ENTRIES) -> dict:
    from tests import servers

    var_dir = Path(tempfile.mkdtemp(prefix="hotline-bench-knowledge-"))
    env = servers.django_env(
        database_url=database_url,
        broker_url="memory://",
        var_dir=var_dir,
        NOTIFICATION_BACKENDS="console",
        LOG_LEVEL="WARNING",
    )
    result = subprocess.run(
        [sys.executable, "-m", "bench.knowledge", "--inside", "--entries", str(count)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"bench.knowledge failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
        )
    return json.loads(result.stdout.strip().splitlines()[-1])


def bench_section(ctx) -> list:
    """For bench/run.py (EXTRA_SECTIONS "bench.knowledge:bench_section")."""
    from bench.run import Figure

    section = "knowledge"
    found = quality()
    fast = speed(ctx.database_url)
    ctx.details["knowledge"] = {"quality": found, "speed": fast}
    out = []
    if "skipped" in found:
        out.append(Figure(section, "search quality", None, "", note=found["skipped"]))
    else:
        out += [
            Figure(section, "top-1 (message → its reply, 500 entries)", found["message_top1"], ""),
            Figure(
                section,
                "top-3 (message → its reply, 500 entries)",
                found["message_top3"],
                "",
                target=">= 0.85",
                passed=found["message_top3"] >= TARGETS["top3"],
                note=f"body only: top-1 {found['body_top1']}, top-3 {found['body_top3']}",
            ),
        ]
    out += [
        Figure(
            section,
            f"search p95, {fast['entries']} entries",
            fast["p95_ms"],
            "ms",
            target="< 50",
            passed=fast["p95_ms"] < TARGETS["p95_ms"],
            note=f"p50 {fast['p50_ms']} ms; index build {fast['build_s']} s; {fast['database']}",
        )
    ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL to use (default: start a fresh one)")
    parser.add_argument("--entries", type=int, default=SPEED_ENTRIES)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        print(json.dumps(_inside(args.entries), ensure_ascii=False))
        return
    figures = {"quality": quality()}
    if not args.skip_speed:
        if args.database_url:
            figures["speed"] = speed(args.database_url, count=args.entries)
        else:
            from tests import servers

            with servers.postgres_server() as url:
                figures["speed"] = speed(url, count=args.entries)
    RESULTS_PATH.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hotline.settings")
    main()
