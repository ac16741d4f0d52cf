"""What a classifier version stores: the text model, the unit history, and how it was trained.

Labels are category paths from the top of the taxonomy, e.g. "城乡建设 › 城市建设和市政管理 › 路灯照明"
(or just "城乡建设" when the training data names only the first level). One flat model over the
paths predicts every level in a single pass: the probability of a first-level category is the sum
over the paths below it. That keeps one tokenisation per ticket (the expensive part) where a model
per level would need two. Pure Python, no Django.
"""

from __future__ import annotations

import json
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.utils.translation import gettext
from sklearn.metrics import precision_recall_fscore_support

from dispatch.classifier.text_model import ModelLoadError, TextModel

SEPARATOR = " › "  # as in Category.full_name
FORMAT_VERSION = 1
_MAGIC = b"HOTLINE-CLASSIFIER"
_HEADER = struct.Struct(">HI")  # format version, manifest length
_TEXT_MODEL_MAGIC = b"HOTLINE-TEXTMODEL"
# Timing for ms_per_ticket: enough single predictions for a stable median, few enough to be quick.
_TIMING_SAMPLE = 200


def path_parts(label: str) -> list[str]:
    return [part.strip() for part in label.split(SEPARATOR.strip()) if part.strip()]


def path_prefix(label: str, depth: int) -> str:
    return SEPARATOR.join(path_parts(label)[:depth])


def path_depth(label: str) -> int:
    return len(path_parts(label))


@dataclass
class ModelBundle:
    model: TextModel
    # "category_id:region_id" (region 0: anywhere) → {unit_id: net count of dispatchers' choices}
    units: dict[str, dict[str, int]] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    def dumps(self) -> bytes:
        manifest = json.dumps(
            {"format": FORMAT_VERSION, "units": self.units, "info": self.info},
            ensure_ascii=False,
        ).encode()
        return _MAGIC + _HEADER.pack(FORMAT_VERSION, len(manifest)) + manifest + self.model.dumps()

    @classmethod
    def loads(cls, data: bytes | memoryview | None) -> ModelBundle:
        data = bytes(data or b"")
        if not data:
            raise ModelLoadError(gettext("模型文件为空"))
        if data.startswith(_TEXT_MODEL_MAGIC):
            return cls(TextModel.loads(data))  # a bare text model: no unit history
        prefix = len(_MAGIC) + _HEADER.size
        if len(data) < prefix or not data.startswith(_MAGIC):
            raise ModelLoadError(gettext("模型文件无法识别"))
        version, length = _HEADER.unpack_from(data, len(_MAGIC))
        if version != FORMAT_VERSION:
            raise ModelLoadError(
                gettext("模型格式版本为 %(version)s，应为 %(FORMAT_VERSION)s，请重新训练")
                % {"version": version, "FORMAT_VERSION": FORMAT_VERSION}
            )
        try:
            manifest = json.loads(data[prefix : prefix + length].decode())
            units = {str(key): dict(value) for key, value in manifest["units"].items()}
            info = dict(manifest["info"])
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ModelLoadError(
                gettext("模型文件已损坏：%(error)s") % {"error": repr(error)}
            ) from error
        return cls(TextModel.loads(data[prefix + length :]), units, info)


class PathPredictor:
    """Probabilities of a path model aggregated to any depth of the taxonomy."""

    def __init__(self, model: TextModel):
        self.model = model
        self.labels = list(model.labels)
        self._groups: dict[int, tuple[list[str], np.ndarray]] = {}

    def groups(self, depth: int) -> tuple[list[str], np.ndarray]:
        """The distinct prefixes at ``depth`` and the labels × prefixes 0/1 matrix summing them.

        A label shallower than ``depth`` (a rare leaf folded into its parent) stays itself.
        """
        if depth not in self._groups:
            prefixes = [path_prefix(label, depth) for label in self.labels]
            names = sorted(set(prefixes))
            index = {name: i for i, name in enumerate(names)}
            matrix = np.zeros((len(self.labels), len(names)))
            for row, prefix in enumerate(prefixes):
                matrix[row, index[prefix]] = 1.0
            self._groups[depth] = (names, matrix)
        return self._groups[depth]

    def at_depth(self, probabilities: np.ndarray, depth: int) -> tuple[list[str], np.ndarray]:
        names, matrix = self.groups(depth)
        return names, probabilities @ matrix

    def predict_at(self, texts: Sequence[str], depths: Sequence[int]) -> list[str]:
        """For each text, the likeliest path cut at its own depth."""
        if not texts:
            return []
        probabilities = self.model.predict_proba(texts)
        predicted = [""] * len(texts)
        for depth in sorted(set(depths)):
            rows = [i for i, d in enumerate(depths) if d == depth]
            names, grouped = self.at_depth(probabilities[rows], depth)
            for row, best in zip(rows, grouped.argmax(axis=1), strict=True):
                predicted[row] = names[best]
        return predicted


def _scores(truth: list[str], predicted: list[str], known: list[str]) -> dict[str, Any]:
    order = known + sorted(set(truth) - set(known))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=order, zero_division=0
    )
    per_label = {
        label: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, label in enumerate(order)
    }
    # Macro over the classes present in the test set: an absent class has no recall to judge.
    present = [label for label in order if per_label[label]["support"] > 0]
    return {
        "macro_f1": float(np.mean([per_label[label]["f1"] for label in present])) if present else 0,
        "accuracy": float(np.mean([p == t for p, t in zip(predicted, truth, strict=True)]))
        if truth
        else 0.0,
        "per_label": per_label,
        "labels": order,
        "confusion": _confusion(truth, predicted, order),
    }


def _confusion(truth: list[str], predicted: list[str], order: list[str]) -> list[list[int]]:
    """Rows: true labels, columns: predicted, both in ``order`` (predictions outside it dropped).

    Counted here rather than by scikit-learn, which warns when only one label occurs."""
    index = {label: i for i, label in enumerate(order)}
    matrix = [[0] * len(order) for _ in order]
    for true, guess in zip(truth, predicted, strict=True):
        if true in index and guess in index:
            matrix[index[true]][index[guess]] += 1
    return matrix


def evaluate_paths(model: TextModel, texts: Sequence[str], labels: Sequence[str]) -> dict:
    """Quality of a path model on labelled texts.

    The headline figures (macro_f1, accuracy, per_label, confusion) compare first-level
    categories, as the shared dataset and the acceptance check label them. ``label_macro_f1`` and
    ``label_accuracy`` compare at each example's own label depth (leaves where the data has
    them): that is what the promotion gate uses. Labels the model does not know count as errors.
    """
    predictor = PathPredictor(model)
    truth = [SEPARATOR.join(path_parts(str(label))) for label in labels]
    depths = [max(1, path_depth(label)) for label in truth]
    at_label_depth = predictor.predict_at(texts, depths)
    first_truth = [path_prefix(label, 1) for label in truth]
    first_predicted = [path_prefix(label, 1) for label in at_label_depth]
    known_first = predictor.groups(1)[0]
    result = _scores(first_truth, first_predicted, known_first)
    deep = _scores(truth, at_label_depth, sorted(predictor.labels))
    sample = list(texts[:_TIMING_SAMPLE])
    started = time.perf_counter()
    for text in sample:
        model.predict_one(text, top=1)
    elapsed = time.perf_counter() - started
    result.update(
        {
            "label_macro_f1": deep["macro_f1"],
            "label_accuracy": deep["accuracy"],
            "label_depth_max": max(depths, default=1),
            "ms_per_ticket": 1000 * elapsed / len(sample) if sample else 0.0,
            "n": len(truth),
        }
    )
    return result
