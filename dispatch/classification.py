"""What the worker predicts for a new ticket, behind one interface.

``get_classifier()`` returns the classifier of this process: the learned one of the active
classifier version (dispatch/learning.py trains them), or the keyword rules administrators keep
on categories when no version is active or its artifact cannot be loaded. It is built once per
process and rebuilt only when another version became active — checked with one small query at
most every CLASSIFIER_CHECK_SECONDS — never per task.
"""

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from django.conf import settings
from django.db import DatabaseError

from dispatch.classifier.bundle import ModelBundle, PathPredictor
from dispatch.classifier.request_type import detect_request_type
from dispatch.classifier.text_model import ModelLoadError, ticket_text
from dispatch.classifier.urgency import detect_urgency
from workorders.models import Category, Region, Unit, Urgency

logger = logging.getLogger(__name__)

# A unit suggested from history needs at least this many net dispatcher choices behind it.
MIN_UNIT_SUPPORT = 3
# How many alternatives the triage form shows.
ALTERNATIVES = 3


@dataclass
class Prediction:
    category: Category | None
    category_confidence: float
    urgency: str
    urgency_confidence: float
    region: Region | None
    region_confidence: float
    # Other likely categories, best first: (category id, confidence), for the triage form.
    alternatives: list[tuple[int, float]] = field(default_factory=list)
    model: str = ""
    # 咨询/求助/投诉/举报/建议/表扬 as RequestType values ("" when not predicted).
    request_type: str = ""
    request_type_confidence: float = 0.0
    # Likely lead units from what dispatchers did with confirmed tickets of this category and
    # place, best first: (unit id, confidence). Routing rules still come first (services).
    units: list[tuple[int, float]] = field(default_factory=list)

    def as_suggestion(self) -> dict:
        return {
            "category_id": self.category.pk if self.category else None,
            "category_confidence": round(self.category_confidence, 3),
            "urgency": self.urgency,
            "urgency_confidence": round(self.urgency_confidence, 3),
            "region_id": self.region.pk if self.region else None,
            "region_confidence": round(self.region_confidence, 3),
            "alternatives": [[pk, round(conf, 3)] for pk, conf in self.alternatives],
            "model": self.model,
            "request_type": self.request_type,
            "request_type_confidence": round(self.request_type_confidence, 3),
            "unit_suggestions": [[pk, round(conf, 3)] for pk, conf in self.units],
        }


class Classifier(Protocol):
    def predict(self, *, title: str, content: str, address: str) -> Prediction: ...


def _link_parents(rows: list) -> list:
    """Point every row's ``parent`` at the row object of this list, so that walking up the tree
    (ancestors_and_self, full_name) never queries; parents missing from the list stay as they are."""
    by_id = {row.pk: row for row in rows}
    for row in rows:
        parent = by_id.get(row.parent_id)
        if parent is not None:
            row.parent = parent
    return rows


def active_categories() -> list[Category]:
    """Active categories, parents linked in memory (an inactive parent is still linked)."""
    return [
        category for category in _link_parents(list(Category.objects.all())) if category.is_active
    ]


# --- region ----------------------------------------------------------------------------------

_OFFICIAL, _ALIAS, _VARIANT = 0, 1, 2
TEXT_SCANNED = 1500  # characters of a text searched for place names
# Street/town suffixes citizens swap: 街道 ↔ 地区 (Beijing's area offices), 乡 ↔ 镇 (a township
# that became a town). The bare stem is a variant too (中关村街道 → 中关村).
_STREET_SUFFIX_SWAPS = {"街道": ("地区",), "地区": ("街道",), "镇": ("乡",), "乡": ("镇",)}
_DISTRICT_SUFFIXES = ("区", "县")


def _variants(region: Region) -> list[str]:
    name = region.name
    if region.level == Region.Level.DISTRICT:
        return [name[: -len(s)] for s in _DISTRICT_SUFFIXES if name.endswith(s)]
    if region.level == Region.Level.STREET:
        for suffix, swaps in _STREET_SUFFIX_SWAPS.items():
            if name.endswith(suffix):
                stem = name[: -len(suffix)]
                return [stem, *(stem + swap for swap in swaps)]
    return []


class RegionMatcher:
    """Finds the deepest region named in a text: official names, the aliases administrators
    enter, and the usual variants (朝阳 for 朝阳区; 望京, 望京地区 for 望京街道; 青松镇 for 青松乡).

    Longest name first, never overlapping (朝阳区 before 朝阳). A name shared by several regions
    goes to the one that agrees with the other places named; failing that, an official name beats
    an alias, which beats a generated variant. Names are looked up by their first two characters, so the cost grows
    with the text, not with the size of the gazetteer.
    """

    def __init__(self, regions: list[Region]):
        regions = _link_parents(list(regions))
        self.by_id = {region.pk: region for region in regions}
        # Region id → ids of itself and every region above it: per-ticket checks stay in dicts.
        self.chains = {region.pk: [r.pk for r in region.ancestors_and_self()] for region in regions}
        candidates: dict[str, dict[int, int]] = {}  # name → {region id: best priority}
        for region in regions:
            if region.level == Region.Level.CITY:
                continue
            named = [(region.name, _OFFICIAL)]
            named += [(alias, _ALIAS) for alias in region.aliases.splitlines()]
            named += [(variant, _VARIANT) for variant in _variants(region)]
            for name, priority in named:
                name = name.strip()
                if len(name) < 2:
                    continue  # one character names something in nearly every text
                seen = candidates.setdefault(name, {})
                seen[region.pk] = min(priority, seen.get(region.pk, priority))
        # Per name, its regions best priority first (official name, alias, generated variant).
        self.names: dict[str, list[tuple[int, Region]]] = {}
        self.variant_only: set[str] = set()
        for name, found in candidates.items():
            self.names[name] = sorted(
                ((priority, self.by_id[pk]) for pk, priority in found.items()),
                key=lambda item: (item[0], item[1].pk),
            )
            if min(found.values()) == _VARIANT:
                self.variant_only.add(name)
        self.by_head: dict[str, list[str]] = {}
        for name in sorted(self.names, key=len, reverse=True):
            self.by_head.setdefault(name[:2], []).append(name)

    def _found(self, text: str) -> list[str]:
        """Names in ``text``, longest first, each span used once."""
        hits = []
        heads = self.by_head
        # Places are named early; the cut bounds the cost of very long messages.
        text = text[:TEXT_SCANNED]
        for start in range(len(text) - 1):
            for name in heads.get(text[start : start + 2], ()):
                if text.startswith(name, start):
                    hits.append((start, start + len(name), name))
        hits.sort(key=lambda hit: (hit[0] - hit[1], hit[0]))
        taken: list[tuple[int, int]] = []
        names = []
        for start, end, name in hits:
            if all(end <= s or start >= e for s, e in taken):
                taken.append((start, end))
                names.append(name)
        return names

    def _related(self, a: Region, b: Region) -> bool:
        return a.pk in self.chains[b.pk] or b.pk in self.chains[a.pk]

    def match(self, text: str) -> tuple[Region | None, float]:
        names = self._found(text)
        if not names:
            return None, 0.0
        sure = [self.names[name][0][1] for name in names if len(self.names[name]) == 1]
        chosen = list(sure)
        for name in names:
            options = self.names[name]
            if len(options) > 1:
                # The one that agrees with the places named unambiguously; then an official name
                # before an alias before a variant; then the shallower (a street's stem is likelier
                # meant than a community of the same name).
                _, region = max(
                    options,
                    key=lambda o: (sum(self._related(o[1], s) for s in sure), -o[0], -o[1].level),
                )
                chosen.append(region)
        deepest = max(chosen, key=lambda region: region.level)
        ancestors = self.chains[deepest.pk]
        consistent = all(region.pk in ancestors for region in chosen)
        if not consistent:
            return deepest, 0.6
        # A lone generated variant ("中山路" may be the road, not the street) is less certain.
        lone_variant = len(names) == 1 and names[0] in self.variant_only
        return deepest, 0.8 if lone_variant else 0.95

    def match_ticket(self, *, address: str, text: str) -> tuple[Region | None, float]:
        """The address first; the content may only deepen it, or stand in when it names none."""
        from_address, address_confidence = self.match(address or "")
        from_text, text_confidence = self.match(text or "")
        if from_address is None:
            return from_text, text_confidence
        if from_text is None or from_text == from_address:
            return from_address, address_confidence
        if from_address.pk in self.chains[from_text.pk]:
            return from_text, min(address_confidence, text_confidence)
        if from_text.pk in self.chains[from_address.pk]:
            return from_address, address_confidence
        return from_address, min(address_confidence, 0.6)  # the content names another place


# --- keyword rules ---------------------------------------------------------------------------


class KeywordClassifier:
    """Category by the longest keywords matched; urgency by the emergency rules."""

    model_name = "rules-v1"

    def __init__(
        self, *, categories: list[Category] | None = None, regions: RegionMatcher | None = None
    ):
        if categories is None:
            categories = active_categories()
        self.keywords = [
            (keyword, category) for category in categories for keyword in category.keyword_list
        ]
        self.regions = regions or RegionMatcher(list(Region.objects.all()))

    def rank(self, *, title: str, text: str) -> list[tuple[Category, float]]:
        """Categories whose keywords occur, best first, with their scores."""
        scores: dict[int, float] = {}
        chosen: dict[int, Category] = {}
        for keyword, category in self.keywords:
            if keyword in text:
                # Longer keywords are more specific; the title says what the request is about.
                weight = len(keyword) * (2 if keyword in title else 1)
                scores[category.pk] = scores.get(category.pk, 0) + weight
                chosen[category.pk] = category
        ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
        return [(chosen[pk], score) for pk, score in ranked]

    @staticmethod
    def confidence(ranked: list[tuple[Category, float]]) -> float:
        if not ranked:
            return 0.0
        best = ranked[0][1]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        # One clear winner with a couple of characters of evidence reaches about 0.7.
        return best / (best + runner_up + 1)

    def predict(self, *, title: str, content: str, address: str) -> Prediction:
        text = f"{title}\n{content}"
        ranked = self.rank(title=title, text=text)
        total = sum(score for _, score in ranked)
        urgency, urgency_confidence = detect_urgency(text)
        region, region_confidence = self.regions.match_ticket(address=address, text=text)
        request_type, request_type_confidence = detect_request_type(title, content)
        return Prediction(
            category=ranked[0][0] if ranked else None,
            category_confidence=self.confidence(ranked),
            urgency=urgency if urgency in Urgency.values else Urgency.NORMAL,
            urgency_confidence=urgency_confidence,
            region=region,
            region_confidence=region_confidence,
            alternatives=[(category.pk, score / total) for category, score in ranked[1:4]],
            model=self.model_name,
            request_type=request_type,
            request_type_confidence=request_type_confidence,
        )


# --- the learned classifier ------------------------------------------------------------------


class LearnedClassifier:
    """The active version's text model over category paths, plus rules where it is silent.

    - Category: the likeliest first-level category (probabilities summed over the paths below
      it), then the likeliest path within it. When that path ends above the leaves (the training
      data named only the first level, or a leaf was too rare to learn), the keyword rules pick
      the leaf within that branch, and the confidence is the product of the two.
    - The keyword rules over the whole taxonomy win when they are surer than the model (a small
      seed model is often unsure where an administrator's keywords are clear), or when the
      model's label is no longer in the taxonomy (labels are matched by their path of names).
    - Urgency and request type by rules (favouring recall for emergencies), region by the
      gazetteer, lead units from the dispatchers' history stored with the version.
    """

    def __init__(self, bundle: ModelBundle, *, version_number: int):
        self.model_name = f"learned-v{version_number}"
        self.model = bundle.model
        self.predictor = PathPredictor(bundle.model)
        categories = active_categories()
        self.rules = KeywordClassifier(
            categories=categories, regions=RegionMatcher(list(Region.objects.all()))
        )
        self.regions = self.rules.regions
        by_path = {category.full_name: category for category in categories}
        by_name: dict[str, list[Category]] = {}
        for category in categories:
            by_name.setdefault(category.name, []).append(category)
        self.label_categories = [
            self._resolve(label, by_path, by_name) for label in self.predictor.labels
        ]
        self.category_chains = {c.pk: [a.pk for a in c.ancestors_and_self()] for c in categories}
        # Categories with active children: a prediction that ends there is refined by keywords.
        self.descendants: dict[int, set[int]] = {}
        for category in categories:
            for ancestor in category.ancestors_and_self()[1:]:
                self.descendants.setdefault(ancestor.pk, set()).add(category.pk)
        names, matrix = self.predictor.groups(1)
        self.top_matrix = matrix
        self.top_of_label = matrix.argmax(axis=1)
        self.units = self._unit_table(bundle.units)

    @staticmethod
    def _resolve(label: str, by_path: dict, by_name: dict) -> Category | None:
        if label in by_path:
            return by_path[label]
        parts = label.split(" › ")
        named = by_name.get(parts[-1], [])
        if len(named) == 1:  # moved elsewhere in the tree, same name
            return named[0]
        for depth in range(len(parts) - 1, 0, -1):  # the deepest part of the path still there
            prefix = " › ".join(parts[:depth])
            if prefix in by_path:
                return by_path[prefix]
        return None

    @staticmethod
    def _unit_table(history: dict[str, dict[str, int]]) -> dict[tuple[int, int], list]:
        active = set(Unit.objects.filter(is_active=True).values_list("pk", flat=True))
        table = {}
        for key, counts in history.items():
            category_id, region_id = (int(part) for part in key.split(":"))
            support = sum(counts.values())
            if support < MIN_UNIT_SUPPORT:
                continue
            ranked = sorted(
                ((int(unit), n) for unit, n in counts.items() if int(unit) in active),
                key=lambda item: (-item[1], item[0]),
            )
            # Laplace-style: 3 of 3 gives 0.75, 20 of 20 gives 0.95.
            table[(category_id, region_id)] = [(u, n / (support + 1)) for u, n in ranked[:3]]
        return table

    def _units_for(self, category: Category | None, region: Region | None) -> list:
        if category is None or not self.units:
            return []
        places = [*self.regions.chains[region.pk], 0] if region else [0]
        for node in self.category_chains[category.pk]:
            for place in places:
                found = self.units.get((node, place))
                if found:
                    return found
        return []

    def predict(self, *, title: str, content: str, address: str) -> Prediction:
        probabilities = self.model.predict_proba([ticket_text(title, content)])[0]
        return self._prediction(probabilities, title=title, content=content, address=address)

    def predict_many(self, tickets: list[dict]) -> list[Prediction]:
        """Several tickets at once (``title``, ``content``, ``address`` each): one model call."""
        if not tickets:
            return []
        texts = [ticket_text(t["title"], t["content"]) for t in tickets]
        matrix = self.model.predict_proba(texts)
        return [
            self._prediction(row, title=t["title"], content=t["content"], address=t["address"])
            for row, t in zip(matrix, tickets, strict=True)
        ]

    def _prediction(
        self, probabilities: np.ndarray, *, title: str, content: str, address: str
    ) -> Prediction:
        text = f"{title}\n{content}"
        best_top = int(np.argmax(probabilities @ self.top_matrix))
        within_top = np.where(self.top_of_label == best_top, probabilities, -1.0)
        index = int(np.argmax(within_top))
        category = self.label_categories[index]
        confidence = float(probabilities[index])
        model = self.model_name
        ranked = self.rules.rank(title=title, text=text)
        if category is not None and category.pk in self.descendants:
            below = self.descendants[category.pk]
            within = [(c, score) for c, score in ranked if c.pk in below]
            if within:
                confidence *= self.rules.confidence(within)
                category = within[0][0]
                model = f"{self.model_name}+rules"
        # Until the history is large the model is often unsure where an administrator's
        # keywords are clear: the surer of the two decides.
        if ranked and (category is None or self.rules.confidence(ranked) > confidence):
            category, confidence = ranked[0][0], self.rules.confidence(ranked)
            model = f"{self.model_name}+rules"
        if category is None:  # the label is no longer in the taxonomy and no keyword fits
            confidence = 0.0
        alternatives: list[tuple[int, float]] = []
        for j in np.argsort(-probabilities, kind="stable")[: ALTERNATIVES + 2]:
            other = self.label_categories[j]
            if other is None or (category is not None and other.pk == category.pk):
                continue
            if other.pk not in {pk for pk, _ in alternatives}:
                alternatives.append((other.pk, float(probabilities[j])))
        urgency, urgency_confidence = detect_urgency(text)
        region, region_confidence = self.regions.match_ticket(address=address, text=text)
        request_type, request_type_confidence = detect_request_type(title, content)
        return Prediction(
            category=category,
            category_confidence=confidence,
            urgency=urgency if urgency in Urgency.values else Urgency.NORMAL,
            urgency_confidence=urgency_confidence,
            region=region,
            region_confidence=region_confidence,
            alternatives=alternatives[:ALTERNATIVES],
            model=model,
            request_type=request_type,
            request_type_confidence=request_type_confidence,
            units=self._units_for(category, region),
        )


# --- the process's classifier ----------------------------------------------------------------

_lock = threading.Lock()
_classifier: Classifier | None = None
_UNKNOWN = object()
_version_key: object = _UNKNOWN  # (pk, number) of the version _classifier was built for, or None
_checked_at = 0.0


def _active_version() -> object:
    from dispatch.models import ClassifierVersion

    try:
        return ClassifierVersion.objects.active().values_list("pk", "number").first()
    except DatabaseError:
        # E.g. a worker started before `migrate`: keep what we have, the rules if nothing.
        logger.warning("cannot read the active classifier version", exc_info=True)
        return _version_key if _version_key is not _UNKNOWN else None


def _build(version: object) -> Classifier:
    if version is None:
        return KeywordClassifier()
    from dispatch.models import ClassifierVersion

    pk, number = version
    data = ClassifierVersion.objects.filter(pk=pk).values_list("artifact", flat=True).first()
    try:
        return LearnedClassifier(ModelBundle.loads(data), version_number=number)
    except ModelLoadError as error:
        logger.error(
            "分类模型 v%s 无法加载，改用关键词规则 (classifier version %s cannot be loaded, "
            "using the keyword rules): %s",
            number,
            number,
            error,
        )
    except Exception:
        # Whatever else went wrong, tickets must still be classified: by the rules.
        logger.exception(
            "分类模型 v%s 初始化失败，改用关键词规则 (classifier version %s failed to start, "
            "using the keyword rules)",
            number,
            number,
        )
    return KeywordClassifier()


def get_classifier() -> Classifier:
    global _classifier, _version_key, _checked_at
    with _lock:
        now = time.monotonic()
        if _classifier is not None and now - _checked_at < settings.CLASSIFIER_CHECK_SECONDS:
            return _classifier
        version = _active_version()
        _checked_at = now
        if _classifier is None or version != _version_key:
            _classifier = _build(version)
            _version_key = version
        return _classifier


def reset_classifier() -> None:
    """Forget the process's classifier (after rules or the model changed)."""
    global _classifier, _version_key
    with _lock:
        _classifier = None
        _version_key = _UNKNOWN
