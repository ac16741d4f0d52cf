"""What the worker predicts for a new ticket, behind one interface.

``get_classifier()`` returns the classifier of this process (built once per worker process, not
per task). The first version classifies by the keyword rules administrators keep on categories;
the learned classifier replaces it behind the same ``predict`` signature.
"""

import threading
from dataclasses import dataclass, field
from typing import Protocol

from workorders.models import Category, Region, Urgency


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
        }


class Classifier(Protocol):
    def predict(self, *, title: str, content: str, address: str) -> Prediction: ...


class RegionMatcher:
    """Finds the deepest region named in a text, longest name first (朝阳区 before 朝阳)."""

    def __init__(self, regions: list[Region]):
        by_id = {region.pk: region for region in regions}
        names: list[tuple[str, Region]] = []
        for region in regions:
            if region.level == Region.Level.CITY:
                continue
            for name in [region.name, *region.aliases.splitlines()]:
                if name.strip():
                    names.append((name.strip(), region))
        self.names = sorted(names, key=lambda item: len(item[0]), reverse=True)
        self.by_id = by_id

    def match(self, text: str) -> tuple[Region | None, float]:
        found: list[Region] = []
        for name, region in self.names:
            if name in text:
                found.append(region)
                text = text.replace(name, "　")
        if not found:
            return None, 0.0
        deepest = max(found, key=lambda region: region.level)
        # A street named together with its own district is more certain than a lone name.
        ancestors = {r.pk for r in deepest.ancestors_and_self()}
        consistent = all(region.pk in ancestors for region in found)
        return deepest, 0.95 if consistent else 0.6


class KeywordClassifier:
    """Category by the longest keywords matched; urgency by the emergency rules."""

    model_name = "rules-v1"

    def __init__(self):
        categories = list(Category.objects.filter(is_active=True).select_related("parent"))
        self.keywords = [
            (keyword, category) for category in categories for keyword in category.keyword_list
        ]
        self.regions = RegionMatcher(list(Region.objects.select_related("parent")))

    def predict(self, *, title: str, content: str, address: str) -> Prediction:
        from dispatch.classifier.urgency import detect_urgency

        text = f"{title}\n{content}"
        scores: dict[int, float] = {}
        chosen: dict[int, Category] = {}
        for keyword, category in self.keywords:
            if keyword in text:
                # Longer keywords are more specific; the title says what the request is about.
                weight = len(keyword) * (2 if keyword in title else 1)
                scores[category.pk] = scores.get(category.pk, 0) + weight
                chosen[category.pk] = category
        ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
        total = sum(scores.values())
        category, confidence = None, 0.0
        if ranked:
            best_id, best = ranked[0]
            runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
            category = chosen[best_id]
            # One clear winner with a couple of characters of evidence reaches about 0.7.
            confidence = best / (best + runner_up + 1)
        urgency, urgency_confidence = detect_urgency(text)
        region, region_confidence = self.regions.match(f"{address}\n{text}")
        return Prediction(
            category=category,
            category_confidence=confidence,
            urgency=urgency if urgency in Urgency.values else Urgency.NORMAL,
            urgency_confidence=urgency_confidence,
            region=region,
            region_confidence=region_confidence,
            alternatives=[(pk, score / total) for pk, score in ranked[1:4]],
            model=self.model_name,
        )


_lock = threading.Lock()
_classifier: Classifier | None = None


def get_classifier() -> Classifier:
    global _classifier
    with _lock:
        if _classifier is None:
            _classifier = KeywordClassifier()
        return _classifier


def reset_classifier() -> None:
    """Forget the process's classifier (after rules or the model changed)."""
    global _classifier
    with _lock:
        _classifier = None
