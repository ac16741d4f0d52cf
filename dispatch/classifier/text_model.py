"""Category classifier for Chinese citizen messages (pure Python, no Django).

Features: TF-IDF over character 1-3-grams plus jieba word uni/bigrams (sublinear tf), the title
line counted twice. A chi-squared filter keeps the 50,000 most label-bearing features (+1 point
macro-F1 over keeping all), a class-weighted LinearSVC separates the classes, and a multinomial
logistic regression fitted on out-of-fold SVC margins turns margins into calibrated probabilities.
``bench/classifier_cv.py`` measures quality and speed. Alternatives measured and dropped, none
better by more than CV noise: ensembles with NB-SVM / ComplementNB / SGD / ridge, logistic
regression, an MLP, LSA + RBF-SVM, char 1-4 or word 1-3 grams, label-noise filtering.

A second round (5-fold CV macro-F1, SVC argmax unless "calibrated"; this model scores 0.917 on
fold seed 0, 0.915 on seed 1, 0.918 on seed 2) moved nothing beyond fold noise (std ≈ 0.007):
C 0.3 / 0.5 / 2 (0.917 / 0.918 / 0.916); chi² k 30k / 40k / 60k / 80k / all (0.915 / 0.918 /
0.917 / 0.913 / 0.909); BM25 or binary tf instead of sublinear tf (0.909 / 0.902); no class
weights (0.914); NB log-count-ratio scaling of the columns fed to one-vs-rest SVCs (0.916);
a title-only char block (0.916); title once / three times (0.912 / 0.919); the first 12 / 20 /
30 characters of title-less messages treated as their title (0.915 / 0.919 / 0.919); bodies cut
at 500 / 2000 characters (0.914 / 0.917); "[查看全文]" stripped (0.917); anonymised place codes
(A3区 …) merged (0.914); per-class biases tuned for macro-F1 on out-of-fold probabilities
(calibrated 0.913, worse); text length and has-title as calibrator inputs (0.917); title three
times + 20-character pseudo-title + C 0.5 (calibrated 0.919 / 0.913 / 0.918). The only gain that
held on all three fold seeds, calibrated: stacking this SVC with char-only and word-only (chi²
30k each) and NB-scaled SVCs under the calibrator, best with that title handling and C 0.5
(0.923 / 0.919 / 0.918 against 0.917 / 0.914 / 0.917, +0.004 on average; the plain stack +0.002,
this SVC + the NB-scaled one alone +0.0015). Not adopted: it costs three to four times the SVC
fitting, and training on 50k texts already takes ~240 s of the 300 s budget. 10-fold CV (90%
of the rows to train on) gives 0.918, so more of the same data adds little: 0.93 looks out of
reach for bag-of-n-gram linear models on these labels, most of whose errors are plausible either
way (商贸旅游 / 交通运输 vs 城乡建设, 劳动和社会保障 vs 卫生计生).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import logging
import struct
import time
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jieba
import joblib
import numpy as np
import scipy.sparse as sp
from django.utils.translation import gettext as _
from scipy.special import expit, softmax
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.feature_selection import chi2
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

# jieba logs its dictionary loading at INFO and loads lazily on the first cut; doing it once here
# keeps the first prediction in a worker as fast as the others.
jieba.setLogLevel(logging.WARNING)
jieba.initialize()

# Bump whenever the pickled object graph changes shape; old artifacts must then be retrained.
FORMAT_VERSION = 1
_MAGIC = b"HOTLINE-TEXTMODEL"
_HEADER = struct.Struct(">H32s")  # format version, sha256 of the payload

# Chosen by 5-fold CV on the citizen-messages training file.
_MAX_FEATURES_KEPT = 50_000
_SVC_C = 1.0
_CALIBRATION_FOLDS = 5
_MAX_BODY_CHARS = 1000
# Dictionary-only segmentation: same CV macro-F1 as with the HMM for unknown words, 1.5x faster.
_JIEBA_HMM = False
# SVC margin standing in for a class absent from a calibration fold's training part.
_ABSENT_MARGIN = -2.0


class ModelLoadError(Exception):
    """The serialised model cannot be used (empty, truncated, corrupt or another format)."""


@dataclass
class LabelScore:
    label: str
    confidence: float  # calibrated probability in [0, 1]


def ticket_text(title: str | None, body: str | None) -> str:
    """The classifier input for a ticket: the title on the first line, then the body."""
    return f"{(title or '').strip()}\n{(body or '').strip()}"


def _prepare(text: str) -> str:
    # The title is a condensed statement of the request: repeating it raised CV macro-F1 by about
    # half a point. Without a newline the whole text is treated as body. Bodies are cut at
    # _MAX_BODY_CHARS: the request is stated up front, and the cut bounds the tokenising cost.
    head, sep, rest = text.partition("\n")
    if not sep:
        return text[:_MAX_BODY_CHARS]
    rest = rest[:_MAX_BODY_CHARS]
    return f"{head}\n{head}\n{rest}" if head.strip() else rest


def _words(text: str) -> list[str]:
    # Module-level (not a lambda) so that the fitted vectorizer pickles by reference.
    return [token for token in jieba.lcut(text, HMM=_JIEBA_HMM) if not token.isspace()]


def _vectorizers(n_texts: int) -> list[TfidfVectorizer]:
    # min_df=2 drops typos and one-off names, but would empty the vocabulary of tiny training sets.
    # norm=None: rows are L2-normalised per block after feature selection (see _stack), so the
    # pruned vectorizers of a trained model produce exactly what the classifier was trained on.
    common = {"sublinear_tf": True, "min_df": 2 if n_texts >= 50 else 1, "norm": None}
    return [
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3), dtype=np.float32, **common),
        TfidfVectorizer(
            tokenizer=_words,
            token_pattern=None,
            lowercase=False,
            ngram_range=(1, 2),
            dtype=np.float32,
            **common,
        ),
    ]


def _stack(
    blocks: Sequence[sp.spmatrix], keep: Sequence[np.ndarray] | None = None
) -> sp.csr_matrix:
    """Per-block column selection, then per-block L2 normalisation, side by side."""
    if keep is not None:
        blocks = [block[:, columns] for block, columns in zip(blocks, keep, strict=True)]
    return sp.hstack([normalize(block) for block in blocks], format="csr")


def _select(full: sp.csr_matrix, y: np.ndarray, widths: Sequence[int]) -> list[np.ndarray]:
    """The chi-squared top features of ``full`` (all blocks, normalised), as per-block indices."""
    if full.shape[1] <= _MAX_FEATURES_KEPT:
        return [np.arange(width) for width in widths]
    scores = np.nan_to_num(chi2(full, y)[0])
    best = np.sort(np.argpartition(-scores, _MAX_FEATURES_KEPT)[:_MAX_FEATURES_KEPT])
    edges = np.cumsum([0, *widths])
    return [best[(best >= lo) & (best < hi)] - lo for lo, hi in itertools.pairwise(edges)]


def _svc(seed: int) -> LinearSVC:
    return LinearSVC(C=_SVC_C, class_weight="balanced", random_state=seed)


def _margins(coef: np.ndarray, intercept: np.ndarray, features: sp.csr_matrix) -> np.ndarray:
    """One margin per class. A binary LinearSVC has a single row (for classes_[1]); mirroring
    it keeps the calibrator's input one column per class in every case."""
    margins = features @ coef.T + intercept
    return np.hstack([-margins, margins]) if coef.shape[0] == 1 else margins


def _out_of_fold_margins(
    blocks: list[sp.csr_matrix], y: np.ndarray, classes: np.ndarray, folds: int, seed: int
) -> np.ndarray:
    # Feature selection is redone inside every fold: selecting on all rows first would let the
    # held-out rows shape their own features and make the calibrated probabilities overconfident.
    full = _stack(blocks)
    widths = [block.shape[1] for block in blocks]
    # A class rarer than the fold count is missing from some training folds; its margin there
    # is "clearly not this class".
    margins = np.full((len(y), len(classes)), _ABSENT_MARGIN)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        splits = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(full, y))
    for train, test in splits:
        if len(np.unique(y[train])) < 2:
            continue  # nothing to separate; those rows keep the "absent" margins
        keep = _select(full[train], y[train], widths)
        svc = _svc(seed).fit(_stack([block[train] for block in blocks], keep), y[train])
        columns = np.searchsorted(classes, svc.classes_)
        features = _stack([block[test] for block in blocks], keep)
        margins[np.ix_(test, columns)] = _margins(svc.coef_, svc.intercept_, features)
    return margins


def _pruned(vectorizer: TfidfVectorizer, columns: np.ndarray) -> TfidfVectorizer:
    """A copy of a fitted vectorizer that only produces ``columns`` (sorted), in that order."""
    terms = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
    vocabulary = {terms[old]: new for new, old in enumerate(columns)}
    pruned = TfidfVectorizer(**{**vectorizer.get_params(), "vocabulary": vocabulary})
    # With a fixed vocabulary, fitting on one empty document only sets up the fitted state; the
    # real idf weights are then copied over through the public setter.
    pruned.fit([""])
    pruned.idf_ = vectorizer.idf_[columns]
    return pruned


class TextModel:
    """A trained text classifier; build with :meth:`train` or :meth:`loads`."""

    def __init__(
        self,
        vectorizers: list[TfidfVectorizer],
        classifier: LinearSVC | LogisticRegression,
        calibrator: LogisticRegression | None,
        info: dict[str, Any],
    ) -> None:
        self._vectorizers = vectorizers
        self._classifier = classifier
        self._calibrator = calibrator
        self.labels: list[str] = [str(label) for label in classifier.classes_]
        self.info = info
        self._lookup = [
            (vectorizer.build_analyzer(), vectorizer.vocabulary_, vectorizer.idf_)
            for vectorizer in vectorizers
        ]

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str], *, seed: int = 0) -> TextModel:
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        y = np.asarray([str(label) for label in labels])
        counts = Counter(y.tolist())
        if len(counts) < 2:
            raise ValueError(_("训练数据至少需要两个类别"))
        started = time.perf_counter()
        prepared = [_prepare(text) for text in texts]
        vectorizers = _vectorizers(len(texts))
        blocks = [vectorizer.fit_transform(prepared).tocsr() for vectorizer in vectorizers]
        for vectorizer in vectorizers:
            # The min_df rejects are kept only for introspection and would dominate the artifact.
            vectorizer.stop_words_ = None
        n_features = sum(block.shape[1] for block in blocks)
        calibrator: LogisticRegression | None = None
        if max(counts.values()) < 2:
            # Every class seen once: nothing can be held out for calibration. Logistic
            # regression still gives probabilities, only less sharp ones.
            classifier: LinearSVC | LogisticRegression = LogisticRegression(
                C=10.0, class_weight="balanced", max_iter=2000
            ).fit(_stack(blocks), y)
        else:
            classes = np.unique(y)
            # Beyond ~20k texts three folds give the calibrator plenty of margins and keep the
            # training of 50k texts within budget (each SVC fit then takes tens of seconds).
            folds = min(_CALIBRATION_FOLDS if len(y) < 20_000 else 3, max(counts.values()))
            margins = _out_of_fold_margins(blocks, y, classes, folds, seed)
            # Multinomial logistic regression on the out-of-fold margins (Platt scaling for
            # all classes at once) gives probabilities that sum to one.
            calibrator = LogisticRegression(C=1.0, max_iter=1000).fit(margins, y)
            keep = _select(_stack(blocks), y, [block.shape[1] for block in blocks])
            classifier = _svc(seed).fit(_stack(blocks, keep), y)
            vectorizers = [
                _pruned(vectorizer, columns)
                for vectorizer, columns in zip(vectorizers, keep, strict=True)
            ]
        info = {
            "n_train": len(texts),
            "class_counts": dict(sorted(counts.items())),
            "n_features_seen": n_features,
            "n_features_kept": int(classifier.coef_.shape[1]),
            "estimator": type(classifier).__name__,
            "seed": seed,
            "train_seconds": round(time.perf_counter() - started, 3),
        }
        return cls(vectorizers, classifier, calibrator, info)

    def _features(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Same matrix as ``_stack([v.transform(...)])``, without sklearn's per-call validation.

        That validation costs about as much as the arithmetic for a single text, and a single
        text is the common case (one new ticket at a time).
        """
        prepared = [_prepare(text) for text in texts]
        blocks = []
        for analyze, vocabulary, idf in self._lookup:
            indptr, indices, counts = [0], [], []
            for doc in prepared:
                seen: dict[int, int] = {}
                for term in analyze(doc):
                    column = vocabulary.get(term)
                    if column is not None:
                        seen[column] = seen.get(column, 0) + 1
                indices.extend(seen)
                counts.extend(seen.values())
                indptr.append(len(indices))
            columns = np.asarray(indices, dtype=np.int32)
            # sublinear tf (1 + log count) times idf, as TfidfVectorizer(sublinear_tf=True) does.
            data = ((1.0 + np.log(np.asarray(counts, dtype=np.float64))) * idf[columns]).astype(
                np.float32
            )
            shape = (len(prepared), len(idf))
            blocks.append(sp.csr_matrix((data, columns, np.asarray(indptr)), shape=shape))
        return _stack(blocks)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities, columns in the order of :attr:`labels`."""
        features = self._features(texts)
        if self._calibrator is None:
            return self._classifier.predict_proba(features)
        # Both stages are linear maps; numpy directly skips sklearn's input checks.
        margins = _margins(self._classifier.coef_, self._classifier.intercept_, features)
        logits = margins @ self._calibrator.coef_.T + self._calibrator.intercept_
        if logits.shape[1] == 1:  # binary: one logit, for the second class
            return np.hstack([expit(-logits), expit(logits)])
        return softmax(logits, axis=1)

    def predict(self, texts: Sequence[str], *, top: int = 3) -> list[list[LabelScore]]:
        if len(texts) == 0:
            return []
        probabilities = self.predict_proba(texts)
        top = max(1, min(top, len(self.labels)))
        # argsort on the negated row keeps ties in label order, so results are deterministic.
        order = np.argsort(-probabilities, axis=1, kind="stable")[:, :top]
        return [
            [LabelScore(self.labels[j], float(row[j])) for j in best]
            for row, best in zip(probabilities, order, strict=True)
        ]

    def predict_one(self, text: str, *, top: int = 3) -> list[LabelScore]:
        return self.predict([text], top=top)[0]

    def dumps(self) -> bytes:
        buffer = io.BytesIO()
        state = {
            "vectorizers": self._vectorizers,
            "classifier": self._classifier,
            "calibrator": self._calibrator,
            "info": self.info,
        }
        # Compression level 3 shrinks the vocabularies about fourfold for a fraction of a second.
        joblib.dump(state, buffer, compress=3)
        payload = buffer.getvalue()
        header = _HEADER.pack(FORMAT_VERSION, hashlib.sha256(payload).digest())
        return _MAGIC + header + payload

    @classmethod
    def loads(cls, data: bytes) -> TextModel:
        prefix = len(_MAGIC) + _HEADER.size
        if not data:
            raise ModelLoadError(_("模型文件为空"))
        if len(data) < prefix or not data.startswith(_MAGIC):
            raise ModelLoadError(_("模型文件无法识别"))
        version, digest = _HEADER.unpack_from(data, len(_MAGIC))
        if version != FORMAT_VERSION:
            raise ModelLoadError(
                _("模型格式版本为 %(version)s，应为 %(FORMAT_VERSION)s，请重新训练")
                % {"version": version, "FORMAT_VERSION": FORMAT_VERSION}
            )
        payload = data[prefix:]
        # The checksum turns truncation or bit rot into a clear error instead of an unpickling
        # crash somewhere deep inside numpy.
        if hashlib.sha256(payload).digest() != digest:
            raise ModelLoadError(_("模型文件已损坏或不完整"))
        try:
            # Artifacts are produced by our own training job and stored by us, and the checksum
            # above has matched; joblib unpickling is acceptable under that trust boundary.
            state = joblib.load(io.BytesIO(payload))
            return cls(
                state["vectorizers"], state["classifier"], state["calibrator"], state["info"]
            )
        except Exception as error:  # any failure here means the artifact is unusable
            raise ModelLoadError(
                _("模型文件无法读取：%(error)s") % {"error": repr(error)}
            ) from error


def evaluate(model: TextModel, texts: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    """Quality and latency of ``model`` on labelled texts (labels unknown to it count as errors)."""
    truth = [str(label) for label in labels]
    best = [scores[0] for scores in model.predict(texts, top=1)]
    predicted = [score.label for score in best]
    order = list(model.labels) + sorted(set(truth) - set(model.labels))
    metrics = precision_recall_fscore_support(truth, predicted, labels=order, zero_division=0)
    per_label = {
        label: {
            name: float(values[i]) if name != "support" else int(values[i])
            for name, values in zip(("precision", "recall", "f1", "support"), metrics, strict=True)
        }
        for i, label in enumerate(order)
    }
    # Macro over the classes present in the test set: an absent class has no recall to judge.
    present = [per_label[label]["f1"] for label in order if per_label[label]["support"] > 0]
    correct = [p == t for p, t in zip(predicted, truth, strict=True)]
    sample = list(texts[:200])
    started = time.perf_counter()
    for text in sample:
        model.predict_one(text, top=1)
    elapsed = time.perf_counter() - started
    return {
        "macro_f1": float(np.mean(present)) if present else 0.0,
        "accuracy": float(np.mean(correct)) if correct else 0.0,
        "per_label": per_label,
        "labels": order,
        "confusion": confusion_matrix(truth, predicted, labels=order).tolist() if truth else [],
        "ms_per_ticket": 1000 * elapsed / len(sample) if sample else 0.0,
        "n": len(truth),
        "reliability": reliability([score.confidence for score in best], correct),
    }


def reliability(
    confidences: Sequence[float], correct: Sequence[bool], *, threshold: float = 0.8
) -> dict[str, float]:
    """How often predictions at or above ``threshold`` confidence are right, and how common."""
    conf = np.asarray(confidences, dtype=float)
    hits = np.asarray(correct, dtype=bool)
    sure = conf >= threshold
    # Expected calibration error over ten equal-width bins: the mean |accuracy - confidence| gap.
    bins = np.minimum((conf * 10).astype(int), 9)
    ece = sum(
        abs(hits[bins == b].mean() - conf[bins == b].mean()) * (bins == b).mean()
        for b in range(10)
        if (bins == b).any()
    )
    return {
        "threshold": threshold,
        "share": float(sure.mean()) if len(conf) else 0.0,
        "accuracy": float(hits[sure].mean()) if sure.any() else 0.0,
        "ece": float(ece),
    }


def cross_validate(
    texts: Sequence[str], labels: Sequence[str], *, folds: int = 5, seed: int = 0
) -> dict[str, Any]:
    """Stratified k-fold CV of :meth:`TextModel.train` (``folds`` shrinks for tiny data sets)."""
    truth = np.asarray([str(label) for label in labels])
    # Classes rarer than the fold count are simply not in every test fold.
    folds = min(folds, max(Counter(truth.tolist()).values()))
    if folds < 2:
        raise ValueError(_("交叉验证需要重复的类别"))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        splits = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(truth, truth))
    per_fold: list[dict[str, Any]] = []
    predicted = np.empty(len(truth), dtype=object)
    confidence = np.zeros(len(truth))
    for number, (train, test) in enumerate(splits, start=1):
        started = time.perf_counter()
        model = TextModel.train([texts[i] for i in train], truth[train].tolist(), seed=seed)
        best = [scores[0] for scores in model.predict([texts[i] for i in test], top=1)]
        predicted[test] = [score.label for score in best]
        confidence[test] = [score.confidence for score in best]
        per_fold.append(
            {
                "fold": number,
                "macro_f1": float(
                    f1_score(truth[test], predicted[test], average="macro", zero_division=0)
                ),
                "accuracy": float(np.mean(predicted[test] == truth[test])),
                "n_test": len(test),
                "seconds": round(time.perf_counter() - started, 2),
            }
        )
    scores = [fold["macro_f1"] for fold in per_fold]
    order = sorted(set(truth.tolist()))
    pooled_f1 = f1_score(truth, predicted.astype(str), labels=order, average=None, zero_division=0)
    return {
        "folds": folds,
        "macro_f1_mean": float(np.mean(scores)),
        "macro_f1_std": float(np.std(scores)),
        "accuracy_mean": float(np.mean([fold["accuracy"] for fold in per_fold])),
        "per_fold": per_fold,
        # Per-label F1 of the pooled out-of-fold predictions.
        "per_label_f1": {label: float(f) for label, f in zip(order, pooled_f1, strict=True)},
        "reliability": reliability(confidence, predicted == truth),
    }


def split_holdout(
    texts: Sequence[str], labels: Sequence[str], *, fraction: float = 0.2, seed: int = 0
) -> tuple[list[str], list[str], list[str], list[str]]:
    """Stratified train/test split; stratification is dropped when a class is too rare for it."""
    counts = Counter(labels)
    n_test = max(1, round(fraction * len(texts)))
    stratify = list(labels) if min(counts.values()) >= 2 and n_test >= len(counts) else None
    train_x, test_x, train_y, test_y = train_test_split(
        list(texts), list(labels), test_size=n_test, random_state=seed, stratify=stratify
    )
    return train_x, train_y, test_x, test_y
