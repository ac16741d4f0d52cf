"""Training classifier versions from the city's own history, the promotion gate, roll-back and
the weekly retrain.

Labels. A ticket whose category a dispatcher confirmed (``Ticket.category_confirmed``: set by
every dispatch a person makes, triage corrections included) is a category label: the path of
category names from the top of the taxonomy. Its active lead unit is a unit label, and every
approved return (``ReturnRequest``) is a negative unit label for the unit that sent it back.
No separate label table: the tickets are the record.

Held-out data. For the database the held-out tickets are fixed by a hash of the ticket id, the
same for every version, and never trained on: each new version is compared with the active one
on tickets neither has seen. A CSV file or the demo seed is a one-off set: a stratified fifth is
held out for the gate, and a promoted model is then refitted on every row.

The gate. The first model of a database becomes active. After that a version is promoted only
if its macro-F1 at the labels' own depth (leaves where the data has them) beats the active
version's on the same held-out examples. A rejected version keeps its metrics and reason, not
its artifact. Administrators can activate any version that has an artifact (roll back).
"""

import csv
import hashlib
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from dispatch.classification import reset_classifier
from dispatch.classifier.bundle import (
    SEPARATOR,
    ModelBundle,
    evaluate_paths,
    path_depth,
    path_parts,
    path_prefix,
)
from dispatch.classifier.text_model import ModelLoadError, TextModel, split_holdout, ticket_text
from dispatch.models import ClassifierOutcome, ClassifierSource, ClassifierVersion
from hotline.lib.errors import Conflict, InvalidInput, NotFound
from workorders.models import (
    Assignment,
    Category,
    Region,
    RequestStatus,
    ReturnRequest,
    Status,
    Ticket,
)

logger = logging.getLogger(__name__)

MIN_EXAMPLES = 20
# A leaf with fewer examples than this is learned as its parent (the keyword rules then pick the
# leaf within that branch at prediction time).
MIN_PER_LABEL = 5
HOLDOUT_FRACTION = 0.2
HOLDOUT_BUCKETS = 5  # database: tickets whose hashed id falls in bucket 0 are held out
CSV_COLUMNS = ("id", "title", "body", "label")
# Statuses whose category is a machine guess nobody has acted on yet (seed training skips them).
_UNSETTLED = (Status.REGISTERED, Status.TRIAGE, Status.MERGED, Status.INVALID)


@dataclass(frozen=True)
class Example:
    key: str  # ticket id or CSV id
    text: str
    label: str  # category path, e.g. "城乡建设 › 城市建设和市政管理 › 路灯照明"


@dataclass
class TrainingResult:
    promoted: bool
    reason: str
    metrics: dict
    active_metrics: dict | None
    data_size: int
    train_size: int
    seconds: float
    version: ClassifierVersion | None = None  # None on a dry run


# --- labels --------------------------------------------------------------------------------------


def category_paths() -> dict[int, str]:
    """Category id → path of names from the top ("城乡建设 › 市政管理 › 路灯"), inactive ones too."""
    rows = {
        pk: (name, parent)
        for pk, name, parent in Category.objects.values_list("pk", "name", "parent_id")
    }
    paths: dict[int, str] = {}

    def path(pk: int) -> str:
        if pk not in paths:
            name, parent = rows[pk]
            paths[pk] = f"{path(parent)}{SEPARATOR}{name}" if parent else name
        return paths[pk]

    for pk in rows:
        path(pk)
    return paths


def labelled_tickets(*, confirmed_only: bool = True):
    """Tickets that are category labels. ``confirmed_only=False`` (the demo seed) also takes the
    keyword rules' auto-dispatches that nobody sent back."""
    tickets = Ticket.objects.filter(category__isnull=False)
    if confirmed_only:
        return tickets.filter(category_confirmed=True)
    return tickets.exclude(status__in=_UNSETTLED)


def label_count() -> int:
    """Confirmed labels in the database: confirmed tickets plus approved returns."""
    returns = ReturnRequest.objects.filter(status=RequestStatus.APPROVED).count()
    return labelled_tickets().count() + returns


def examples_from_database(
    *, confirmed_only: bool = True, limit: int | None = None
) -> list[Example]:
    """The newest labelled tickets (at most CLASSIFIER_MAX_TRAINING_TICKETS)."""
    limit = limit or settings.CLASSIFIER_MAX_TRAINING_TICKETS
    paths = category_paths()
    rows = (
        labelled_tickets(confirmed_only=confirmed_only)
        .order_by("-registered_at")
        .values_list("pk", "title", "content", "category_id")[:limit]
    )
    return [
        Example(str(pk), ticket_text(title, content), paths[category])
        for pk, title, content, category in rows.iterator(chunk_size=2000)
    ]


def examples_from_csv(path: str | Path) -> list[Example]:
    """Rows of a file with columns ``id,title,body,label`` (the shared dataset's format)."""
    csv.field_size_limit(10_000_000)  # message bodies can be long
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise InvalidInput(
                    gettext("CSV 文件缺少列 %(missing)s（需要 id,title,body,label）")
                    % {"missing": ", ".join(missing)}
                )
            examples = []
            for number, row in enumerate(reader):
                label = SEPARATOR.join(path_parts(row["label"] or ""))
                title, body = (row["title"] or "").strip(), (row["body"] or "").strip()
                if label and (title or body):
                    examples.append(
                        Example(row["id"] or str(number), ticket_text(title, body), label)
                    )
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InvalidInput(
            gettext("无法读取文件 %(path)s：%(error)s") % {"path": path, "error": error}
        ) from error
    return examples


def unit_history(
    *, confirmed_only: bool = True, limit: int | None = None
) -> dict[str, dict[str, int]]:
    """What dispatchers did: "category id:region id" → {unit id: net count}.

    Each labelled ticket counts for its lead unit under its category and every category above it
    (so that a prediction that stops at the first level still finds units), at its own region,
    every region above it, and region 0 (anywhere); each approved return counts against the unit
    that returned it.
    """
    limit = limit or settings.CLASSIFIER_MAX_TRAINING_TICKETS
    region_parents = dict(Region.objects.values_list("pk", "parent_id"))
    category_parents = dict(Category.objects.values_list("pk", "parent_id"))

    def chain(parents: dict, pk: int | None) -> list[int]:
        ids = []
        while pk:
            ids.append(pk)
            pk = parents.get(pk)
        return ids

    def keys(category: int, region: int | None) -> list[str]:
        places = [*chain(region_parents, region), 0]
        return [f"{c}:{p}" for c in chain(category_parents, category) for p in places]

    tickets = labelled_tickets(confirmed_only=confirmed_only)
    counts: dict[str, Counter] = defaultdict(Counter)
    leads = (
        Assignment.objects.filter(active=True, role=Assignment.Role.LEAD, ticket__in=tickets)
        .order_by("-ticket__registered_at")
        .values_list("ticket__category_id", "ticket__region_id", "unit_id")[:limit]
    )
    for category, region, unit in leads.iterator(chunk_size=2000):
        for key in keys(category, region):
            counts[key][str(unit)] += 1
    returned = ReturnRequest.objects.filter(
        status=RequestStatus.APPROVED, ticket__in=tickets
    ).values_list("ticket__category_id", "ticket__region_id", "unit_id")
    for category, region, unit in returned.iterator(chunk_size=2000):
        for key in keys(category, region):
            counts[key][str(unit)] -= 1
    history = {}
    for key, counter in counts.items():
        positive = {unit: n for unit, n in counter.items() if n > 0}
        if positive:
            history[key] = positive
    return history


# --- training ------------------------------------------------------------------------------------


def fold_rare_labels(labels: Iterable[str], *, minimum: int = MIN_PER_LABEL) -> dict[str, str]:
    """Label → the label to learn: a path with fewer than ``minimum`` examples becomes its parent,
    deepest first, until every path has enough or is a first-level category."""
    labels = list(labels)
    mapping = {label: label for label in set(labels)}
    while True:
        counts = Counter(mapping[label] for label in labels)
        rare = [label for label, n in counts.items() if n < minimum and path_depth(label) > 1]
        if not rare:
            return mapping
        deepest = max(path_depth(label) for label in rare)
        for label in rare:
            if path_depth(label) == deepest:
                parent = path_prefix(label, deepest - 1)
                for original, learned in mapping.items():
                    if learned == label:
                        mapping[original] = parent


def is_held_out(key: str) -> bool:
    digest = hashlib.blake2b(key.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % HOLDOUT_BUCKETS == 0


def _split(examples: list[Example], labels: list[str], *, source: str, seed: int):
    """Indices of the training and the held-out examples."""
    if source == ClassifierSource.DATABASE:
        test = [i for i, example in enumerate(examples) if is_held_out(example.key)]
        train = [i for i in range(len(examples)) if not is_held_out(examples[i].key)]
        if test and len({labels[i] for i in train}) >= 2:
            return train, test
    indices = [str(i) for i in range(len(examples))]
    train_ids, _, test_ids, _ = split_holdout(indices, labels, fraction=HOLDOUT_FRACTION, seed=seed)
    return [int(i) for i in train_ids], [int(i) for i in test_ids]


def _gate(candidate: dict, active: dict, number: int) -> tuple[bool, str]:
    new, old = candidate["label_macro_f1"], active["label_macro_f1"]
    if new > old:
        return True, (
            gettext("优于当前模型 v%(number)s：%(new)s > %(old)s")
            % {"number": number, "new": format(new, ".4f"), "old": format(old, ".4f")}
        )
    return False, (
        gettext("未优于当前模型 v%(number)s：%(new)s ≤ %(old)s")
        % {"number": number, "new": format(new, ".4f"), "old": format(old, ".4f")}
    )


def classifier_train(
    *,
    examples: list[Example],
    source: str,
    source_name: str = "",
    dry_run: bool = False,
    seed: int = 0,
) -> TrainingResult:
    """Train a version on ``examples``, evaluate it, apply the gate and store it (unless dry)."""
    started = time.monotonic()
    if len(examples) < MIN_EXAMPLES or len({e.label for e in examples}) < 2:
        raise InvalidInput(
            gettext(
                "训练数据不足：至少需要 %(MIN_EXAMPLES)s 条、2 个类别的已标注样本，现有 %(examples)s 条"
            )
            % {"MIN_EXAMPLES": MIN_EXAMPLES, "examples": len(examples)}
        )
    mapping = fold_rare_labels(e.label for e in examples)
    texts = [e.text for e in examples]
    labels = [mapping[e.label] for e in examples]
    train, test = _split(examples, labels, source=source, seed=seed)
    candidate = TextModel.train([texts[i] for i in train], [labels[i] for i in train], seed=seed)
    test_texts, test_labels = [texts[i] for i in test], [labels[i] for i in test]
    metrics = evaluate_paths(candidate, test_texts, test_labels)

    active = ClassifierVersion.objects.active().first()
    active_metrics = None
    if active is None:
        promoted, reason = True, gettext("首个模型，直接启用")
    else:
        try:
            active_model = ModelBundle.loads(active.artifact).model
        except ModelLoadError as error:
            promoted = True
            reason = gettext("当前模型 v%(number)s 无法读取：%(error)s") % {
                "number": active.number,
                "error": error,
            }
        else:
            active_metrics = evaluate_paths(active_model, test_texts, test_labels)
            promoted, reason = _gate(metrics, active_metrics, active.number)

    model, train_size = candidate, len(train)
    if promoted and not dry_run and source != ClassifierSource.DATABASE:
        # A one-off set: the model that goes live learns from every row.
        model, train_size = TextModel.train(texts, labels, seed=seed), len(texts)
    metrics = {
        **metrics,
        "train_seconds": round(time.monotonic() - started, 1),
        "labels_folded": sum(1 for label, learned in mapping.items() if label != learned),
        "text_model": {k: v for k, v in model.info.items() if k != "class_counts"},
        "active_on_holdout": None
        if active_metrics is None
        else {
            "version": active.number,
            **{
                k: active_metrics[k]
                for k in ("macro_f1", "accuracy", "label_macro_f1", "label_accuracy")
            },
        },
    }
    result = TrainingResult(
        promoted=promoted,
        reason=reason,
        metrics=metrics,
        active_metrics=active_metrics,
        data_size=len(examples),
        train_size=train_size,
        seconds=round(time.monotonic() - started, 1),
    )
    if dry_run:
        return result
    history = unit_history(confirmed_only=source != ClassifierSource.SEED)
    artifact = b""
    if promoted:
        info = {"source": source, "trained_at": timezone.now().isoformat()}
        artifact = ModelBundle(model, history, info).dumps()
    with transaction.atomic():
        current = ClassifierVersion.objects.select_for_update().active().first()
        if promoted and active is not None and (current is None or current.pk != active.pk):
            # Someone activated another version while we trained: its result is not compared.
            promoted, artifact = False, b""
            result.promoted = False
            result.reason = reason = gettext("训练期间启用版本已变更，请重新训练")
        number = (ClassifierVersion.objects.aggregate(top=Max("number"))["top"] or 0) + 1
        now = timezone.now()
        if promoted:
            ClassifierVersion.objects.filter(is_active=True).update(is_active=False)
        result.version = ClassifierVersion.objects.create(
            number=number,
            created_at=now,
            source=source,
            source_name=source_name[:200],
            data_size=len(examples),
            train_size=train_size,
            label_count=label_count(),
            artifact=artifact,
            artifact_size=len(artifact),
            metrics=metrics,
            outcome=ClassifierOutcome.PROMOTED if promoted else ClassifierOutcome.REJECTED,
            reason=reason,
            is_active=promoted,
            activated_at=now if promoted else None,
        )
    if promoted:
        # This process switches now; the others see the new active row within
        # CLASSIFIER_CHECK_SECONDS of the commit.
        reset_classifier()
    logger.info("classifier v%s trained: %s", number, reason)
    return result


# --- versions ------------------------------------------------------------------------------------


def classifier_activate(*, version_id: int, actor=None, note: str = "") -> ClassifierVersion:
    """Make a stored version the active one (roll back or forward). Workers switch to it within
    CLASSIFIER_CHECK_SECONDS."""
    with transaction.atomic():
        version = ClassifierVersion.objects.select_for_update().filter(pk=version_id).first()
        if version is None:
            raise NotFound(gettext("没有该模型版本"))
        if version.is_active:
            return version
        if not version.artifact_size:
            raise Conflict(
                gettext("v%(number)s 未通过评估，没有保存模型文件，无法启用")
                % {"number": version.number}
            )
        try:
            ModelBundle.loads(version.artifact)
        except ModelLoadError as error:
            raise Conflict(
                gettext("v%(number)s 的模型文件无法读取：%(error)s")
                % {"number": version.number, "error": error}
            ) from error
        ClassifierVersion.objects.filter(is_active=True).update(is_active=False)
        now = timezone.now()
        who = getattr(actor, "username", "") or "system"
        version.is_active, version.activated_at, version.activated_by = True, now, actor
        version.reason = gettext("%(reason)s\n%(now)s 由 %(who)s 启用") % {
            "reason": version.reason,
            "now": format(now, "%Y-%m-%d %H:%M"),
            "who": who,
        } + (f"：{note}" if note else "")
        version.save(update_fields=["is_active", "activated_at", "activated_by", "reason"])
    reset_classifier()
    return version


def active_model() -> tuple[ClassifierVersion, ModelBundle]:
    """The active version and its loaded bundle; raises NotFound / Conflict when unusable."""
    version = ClassifierVersion.objects.active().first()
    if version is None:
        raise NotFound(gettext("尚无启用的分类模型，请先运行 train_classifier"))
    try:
        return version, ModelBundle.loads(version.artifact)
    except ModelLoadError as error:
        raise Conflict(
            gettext("v%(number)s 的模型文件无法读取：%(error)s")
            % {"number": version.number, "error": error}
        ) from error


def classifier_retrain_if_due(*, min_new_labels: int | None = None) -> str:
    """The weekly retrain: train from the database when enough new labels arrived since the last
    database training; the same gate decides. Returns what happened, for the task log."""
    minimum = (
        settings.CLASSIFIER_RETRAIN_MIN_NEW_LABELS if min_new_labels is None else min_new_labels
    )
    last = (
        ClassifierVersion.objects.filter(source=ClassifierSource.DATABASE)
        .without_artifact()
        .order_by("-number")
        .first()
    )
    new = label_count() - (last.label_count if last else 0)
    if new < minimum:
        return f"skipped: {new} new labels (< {minimum})"
    try:
        result = classifier_train(
            examples=examples_from_database(),
            source=ClassifierSource.DATABASE,
            source_name=gettext("每周重训（新增 %(new)s 条标注）") % {"new": new},
        )
    except InvalidInput as error:
        return f"skipped: {error.message}"
    verdict = "promoted" if result.promoted else "rejected"
    return f"v{result.version.number} {verdict}: {result.reason}"
