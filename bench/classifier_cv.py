"""Quality and speed of the ticket category classifier (dispatch/classifier/text_model.py).

    .venv/bin/python bench/classifier_cv.py [--csv PATH] [--folds 5] [--skip-50k] [--json OUT]

Prints k-fold cross-validated macro-F1 (mean ± std) and per-label F1 on the labelled training
file, the reliability of confident predictions, single-text predict latency (p50/p99), batch
throughput, the artifact size, and the time to train on 50,000 texts (the training file
replicated with small perturbations). Only the training file is read; nothing is copied.
Everything runs on one core: the BLAS/OpenMP thread pools are limited to one thread.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from dispatch.classifier.text_model import (  # noqa: E402
    TextModel,
    cross_validate,
    ticket_text,
)

DEFAULT_CSV = REPO_ROOT.parent / "shared" / "datasets" / "citizen-messages-train.csv"
TARGETS = {
    "macro_f1_mean": ">= 0.93",
    "single_p50_ms": "< 5",
    "batch_texts_per_s": ">= 500",
    "train_50k_s": "< 300",
}


def load_rows(path: Path) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            texts.append(ticket_text(row.get("title"), row.get("body")))
            labels.append(row["label"].strip())
    return texts, labels


def perturb(text: str, rng: random.Random) -> str:
    """A near-copy: ~2% of characters dropped, ~1% doubled, the title sometimes merged into the
    body (as in the real data), so the replicated corpus has new n-grams and realistic size."""
    title, _, body = text.partition("\n")
    if title and rng.random() < 0.3:
        title, body = "", title + body
    chars = []
    for char in body:
        roll = rng.random()
        if roll < 0.02:
            continue
        chars.append(char * 2 if roll > 0.99 else char)
    return f"{title}\n{''.join(chars)}"


def latency(model: TextModel, texts: list[str]) -> dict[str, float]:
    wall, cpu = [], []
    for text in texts:
        started, started_cpu = time.perf_counter(), time.process_time()
        model.predict_one(text)
        wall.append(1000 * (time.perf_counter() - started))
        cpu.append(1000 * (time.process_time() - started_cpu))
    return {
        "single_p50_ms": float(np.percentile(wall, 50)),
        "single_p99_ms": float(np.percentile(wall, 99)),
        "single_cpu_p50_ms": float(np.percentile(cpu, 50)),
        "single_cpu_p99_ms": float(np.percentile(cpu, 99)),
    }


def throughput(model: TextModel, texts: list[str], batch: int = 500) -> dict[str, float]:
    started, started_cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(texts), batch):
        model.predict(texts[start : start + batch], top=3)
    wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    return {"batch_texts_per_s": len(texts) / wall, "batch_cpu_texts_per_s": len(texts) / cpu}


def train_50k(texts: list[str], labels: list[str], size: int = 50_000) -> dict[str, float]:
    rng = random.Random(0)
    big_texts, big_labels = [], []
    while len(big_texts) < size:
        for text, label in zip(texts, labels, strict=True):
            if len(big_texts) == size:
                break
            big_texts.append(perturb(text, rng))
            big_labels.append(label)
    started, started_cpu = time.perf_counter(), time.process_time()
    model = TextModel.train(big_texts, big_labels)
    return {
        "train_50k_s": time.perf_counter() - started,
        "train_50k_cpu_s": time.process_time() - started_cpu,
        "train_50k_artifact_bytes": len(model.dumps()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV, help="labelled training CSV")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-50k", action="store_true", help="skip the 50k-text training run")
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the figures here")
    args = parser.parse_args(argv)

    if not args.csv.is_file():
        print(
            f"训练数据不存在 (training data not found): {args.csv}\n"
            "Pass --csv PATH to a CSV with columns title, body, label.",
            file=sys.stderr,
        )
        return 2
    texts, labels = load_rows(args.csv)
    print(f"{len(texts)} texts, {len(set(labels))} labels from {args.csv}")

    cv = cross_validate(texts, labels, folds=args.folds, seed=args.seed)
    print(
        f"{cv['folds']}-fold CV macro-F1 {cv['macro_f1_mean']:.4f} ± {cv['macro_f1_std']:.4f}"
        f"  (accuracy {cv['accuracy_mean']:.4f}; folds "
        + ", ".join(f"{fold['macro_f1']:.4f}" for fold in cv["per_fold"])
        + ")"
    )
    for label, f1 in sorted(cv["per_label_f1"].items(), key=lambda item: -item[1]):
        print(f"  {label:<10} F1 {f1:.4f}")
    sure = cv["reliability"]
    print(
        f"confidence ≥ {sure['threshold']}: {100 * sure['share']:.1f}% of predictions, "
        f"{100 * sure['accuracy']:.1f}% of them right; ECE {sure['ece']:.3f}"
    )

    started = time.perf_counter()
    model = TextModel.train(texts, labels, seed=args.seed)
    train_s = time.perf_counter() - started
    artifact = model.dumps()
    TextModel.loads(artifact)  # the artifact must round-trip before it is worth measuring
    figures: dict[str, object] = {
        "n": len(texts),
        "folds": cv["folds"],
        "macro_f1_mean": cv["macro_f1_mean"],
        "macro_f1_std": cv["macro_f1_std"],
        "accuracy_mean": cv["accuracy_mean"],
        "per_fold_macro_f1": [fold["macro_f1"] for fold in cv["per_fold"]],
        "per_label_f1": cv["per_label_f1"],
        "reliability": sure,
        "train_full_s": train_s,
        "artifact_bytes": len(artifact),
    }
    sample = random.Random(args.seed).sample(texts, min(1000, len(texts)))
    model.predict_one(sample[0])  # first call warms caches; a worker would have done it too
    figures |= latency(model, sample)
    figures |= throughput(model, texts)
    print(
        f"train on {len(texts)}: {train_s:.1f} s; artifact {len(artifact) / 1e6:.2f} MB\n"
        f"single predict p50 {figures['single_p50_ms']:.2f} ms, p99 "
        f"{figures['single_p99_ms']:.2f} ms (CPU p50 {figures['single_cpu_p50_ms']:.2f} ms)\n"
        f"batch {figures['batch_texts_per_s']:.0f} texts/s "
        f"(CPU-time based {figures['batch_cpu_texts_per_s']:.0f} texts/s)"
    )
    if not args.skip_50k:
        figures |= train_50k(texts, labels)
        print(
            f"train on 50,000 texts: {figures['train_50k_s']:.1f} s "
            f"(CPU {figures['train_50k_cpu_s']:.1f} s), artifact "
            f"{figures['train_50k_artifact_bytes'] / 1e6:.2f} MB"
        )
    figures["targets"] = TARGETS
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    with threadpool_limits(limits=1):
        sys.exit(main())
