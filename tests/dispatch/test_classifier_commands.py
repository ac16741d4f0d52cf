"""manage.py train_classifier and evaluate_classifier, on files in the shared dataset's format."""

import csv
import json
import random
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from dispatch.classifier.bundle import evaluate_paths
from dispatch.classifier.text_model import TextModel, ticket_text
from dispatch.models import ClassifierVersion
from tests.dispatch.classifier_data import examples, write_csv

SHARED_TRAIN = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "datasets"
    / "citizen-messages-train.csv"
)


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_train_from_csv_prints_metrics_and_the_decision(db, tmp_path):
    path = write_csv(tmp_path / "train.csv", examples(seed=1))

    output = run("train_classifier", "--csv", str(path))

    assert "macro-F1" in output and "accuracy" in output and "ms/ticket" in output
    assert "v1 已启用" in output and "首个模型" in output
    assert "城乡建设" in output  # per-category lines
    version = ClassifierVersion.objects.get()
    assert version.is_active and version.source == "csv" and version.data_size == 72


def test_dry_run_trains_but_stores_nothing(db, tmp_path):
    path = write_csv(tmp_path / "train.csv", examples(seed=1))

    output = run("train_classifier", "--csv", str(path), "--dry-run")

    assert "dry run" in output and "would be promoted" in output
    assert not ClassifierVersion.objects.exists()


def test_evaluate_prints_one_json_object_for_the_active_model(db, tmp_path):
    run("train_classifier", "--csv", str(write_csv(tmp_path / "train.csv", examples(seed=1))))
    test_file = write_csv(tmp_path / "test.csv", examples(count=8, seed=7))

    result = json.loads(run("evaluate_classifier", "--csv", str(test_file), "--json"))

    assert {"macro_f1", "accuracy", "per_label", "ms_per_ticket"} <= set(result)
    assert result["n"] == 24 and result["version"] == 1
    assert set(result["per_label"]) == {"城乡建设", "劳动和社会保障"}
    assert {"precision", "recall", "f1", "support"} <= set(result["per_label"]["城乡建设"])
    assert result["macro_f1"] > 0.9 and result["ms_per_ticket"] > 0


def test_evaluate_prints_a_table_by_default(db, tmp_path):
    run("train_classifier", "--csv", str(write_csv(tmp_path / "train.csv", examples(seed=1))))

    output = run("evaluate_classifier", "--csv", str(write_csv(tmp_path / "t.csv", examples(8))))

    assert "macro-F1" in output and "precision" in output and "劳动和社会保障" in output


def test_evaluate_without_an_active_model_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="train_classifier"):
        run("evaluate_classifier", "--csv", str(write_csv(tmp_path / "t.csv", examples(8))))


def test_a_file_without_the_columns_is_a_clear_error(db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("id,text,category\n1,路灯不亮,城乡建设\n", encoding="utf-8")
    with pytest.raises(CommandError, match="id,title,body,label"):
        run("train_classifier", "--csv", str(path))
    with pytest.raises(CommandError, match="无法读取文件"):
        run("train_classifier", "--csv", str(tmp_path / "missing.csv"))


def test_database_training_without_labels_is_a_clear_error(db):
    with pytest.raises(CommandError, match="训练数据不足"):
        run("train_classifier")


# --- the shared dataset (real citizen messages) ------------------------------------------------


@pytest.fixture
def shared_rows() -> list[dict]:
    if not SHARED_TRAIN.exists():
        pytest.skip(
            f"shared dataset not found at {SHARED_TRAIN}: quality checks on real messages skipped"
        )
    with open(SHARED_TRAIN, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_real_messages_are_classified_well_from_a_sample(shared_rows):
    # A stratified sample keeps the test quick; the full figures are in bench/classifier.py.
    rng = random.Random(0)
    by_label: dict[str, list[dict]] = {}
    for row in shared_rows:
        by_label.setdefault(row["label"], []).append(row)
    train, test = [], []
    for rows in by_label.values():
        rng.shuffle(rows)
        train += rows[:100]
        test += rows[100:140]
    model = TextModel.train(
        [ticket_text(r["title"], r["body"]) for r in train], [r["label"] for r in train]
    )

    result = evaluate_paths(
        model, [ticket_text(r["title"], r["body"]) for r in test], [r["label"] for r in test]
    )

    assert len(result["per_label"]) == 7
    assert result["macro_f1"] > 0.75, result["macro_f1"]
