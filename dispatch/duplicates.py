"""Duplicate suggestions: open tickets of the last days about the same problem at the same place.

Two callers never describe a blocked drain the same way, so the text is compared as sets of
character bigrams and trigrams (robust to reordered, cut and reworded sentences, no word list
needed), and the place twice: the gazetteer's region narrows the candidates (the same community,
or the same street when only the street is known), then the address left once the region names
are taken out ("花家地北里3号楼") must match, so the same problem in the next compound is not
"likely". The predicted category lowers the score when it differs.

Candidates come from one indexed query (open, registered in the window, region in the subtree:
index ``ticket_region_registered``) and are scored in Python; bench/similar.py measures quality on
rephrased citizen messages and the speed with 50,000 open tickets.
"""

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain
from operator import add

from django.conf import settings
from django.db.models.functions import Substr
from django.utils import timezone

from dispatch.classification import get_classifier
from workorders.access import require_role
from workorders.models import Region, Role, Ticket

# At most this many candidates are scored, newest first: a district-wide lookup (no street
# named) stays fast and the newest tickets are the likeliest duplicates.
MAX_CANDIDATES = 400
TEXT_SCORED = 60  # of which the best-placed this many have their text compared
RESULTS = 5
TEXT_SCANNED = 600  # characters of a ticket's text compared; the first ones describe the problem
# Words that say where, not what: left out of the address before comparing it.
_PLACE_FILLER = re.compile(r"附近|门口|对面|旁边|周边|一带|北京市|[市区县]|街道|社区|小区|路口")
# Numbers tell buildings apart, not places: two compounds both have a "3号楼".
_BUILDING = re.compile(
    r"[0-9０-９一二三四五六七八九十百]+\s*(号楼|号院|号|栋|幢|单元|楼|层|室|弄|巷)?"
)
_NUMBERED = re.compile(r"[0-9０-９]+\s*(号楼|号院|号|栋|幢|单元)")
_NOT_TEXT = re.compile(r"[^\w]|_", re.UNICODE)
# Words every caller uses, whatever the problem: left out of the text so that two short calls
# about different things at one place do not look alike for their politeness.
_FILLER = re.compile(
    r"希望|麻烦|请求|恳请|反映|反应|一下|尽快|赶紧|谢谢|你好|您好|目前|现在|已经|问题|情况|"
    r"[的了吗呢啊吧呀么着过很都也还就请您我你他她们在是有和与及把被让给对]"
)
CATEGORY_MISMATCH = 0.8  # score factor when both categories are known and differ


def _grams(text: str) -> frozenset[str]:
    text = _FILLER.sub("", _NOT_TEXT.sub("", text.lower())[:TEXT_SCANNED])
    # map(add, …) joins the shifted strings in C: several times faster than slicing in a loop,
    # and the candidates' grams are most of a lookup's time.
    bigrams = list(map(add, text, text[1:]))
    return frozenset(chain(bigrams, map(add, bigrams, text[2:])))


def _cosine(a: frozenset, b: frozenset) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / math.sqrt(len(a) * len(b))


def _containment(a: frozenset, b: frozenset) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


@dataclass
class Request:
    """What is compared: the new call (or ticket) and each candidate, in the same form."""

    text: str
    address: str
    region_id: int | None = None
    category_id: int | None = None
    text_grams: frozenset = frozenset()
    place_grams: frozenset = frozenset()


def prepare(
    *,
    title: str,
    content: str,
    address: str,
    place_names: list[str],
    region_id=None,
    category_id=None,
) -> Request:
    """``place_names``: the gazetteer's names found in the address, taken out before comparing
    it (every ticket of 望京街道 shares "望京街道"; what tells two places apart is the rest)."""
    place = address or ""
    for name in sorted(place_names, key=len, reverse=True):
        place = place.replace(name, "")
    place = _PLACE_FILLER.sub("", _BUILDING.sub("", place))
    text = f"{title}\n{content}" if title and not content.startswith(title) else content
    # The place is compared on its own: in the text it would make every call from one compound
    # look alike.
    described = text
    for name in sorted({*place_names, place} - {""}, key=len, reverse=True):
        described = described.replace(name, "")
    described = _NUMBERED.sub("", described)
    return Request(
        text=text,
        address=address,
        region_id=region_id,
        category_id=category_id,
        text_grams=_grams(described),
        place_grams=_grams(place),
    )


@dataclass
class Match:
    candidate: object
    score: float
    text_similarity: float
    place_similarity: float
    likely: bool


def place_similarity(query: Request, candidate: Request) -> float:
    if query.place_grams and candidate.place_grams:
        return _containment(query.place_grams, candidate.place_grams)
    # No address left on one side: the gazetteer's region is all we have.
    if query.region_id and query.region_id == candidate.region_id:
        return 0.5
    return 0.0


def rank(query: Request, candidates: list[tuple[object, Request]]) -> list[Match]:
    """The candidates worth showing, best first; ``likely`` by the configured thresholds."""
    matches = []
    for item, candidate in candidates:
        text = _cosine(query.text_grams, candidate.text_grams)
        place = place_similarity(query, candidate)
        score = 0.7 * text + 0.3 * place
        differ = query.category_id and candidate.category_id
        if differ and query.category_id != candidate.category_id:
            score *= CATEGORY_MISMATCH
        if text < settings.DUPLICATE_MIN_TEXT:
            continue
        likely = text >= settings.DUPLICATE_LIKELY_TEXT and place >= settings.DUPLICATE_LIKELY_PLACE
        matches.append(Match(item, round(score, 3), round(text, 3), round(place, 3), likely))
    matches.sort(key=lambda match: (match.likely, match.score), reverse=True)
    return matches


# --- the lookup ---------------------------------------------------------------------------------


def _subtree(region: Region | None, matcher) -> list[int] | None:
    """Region ids compared with ``region``: its community, or its street with every community
    in it; None when no region is known (the window alone, newest first)."""
    if region is None:
        return None
    by_id = matcher.by_id
    anchor = region
    if anchor.level == Region.Level.COMMUNITY and anchor.parent_id in by_id:
        # The same community, and street-level tickets of its street (no community named).
        return [anchor.pk, anchor.parent_id]
    ids = [anchor.pk]
    frontier = [anchor.pk]
    children: dict[int, list[int]] = getattr(matcher, "_children", None) or {}
    if not children:
        for other in by_id.values():
            if other.parent_id:
                children.setdefault(other.parent_id, []).append(other.pk)
        matcher._children = children
    while frontier:
        frontier = [child for pk in frontier for child in children.get(pk, ())]
        ids.extend(frontier)
    return ids


def similar_tickets(
    *,
    user,
    content: str,
    address: str = "",
    title: str = "",
    exclude_id: int | None = None,
    now: datetime | None = None,
) -> list[Match]:
    """Open tickets that may be the same request as this text at this address (the desk while
    the operator types, ``POST /api/tickets/similar/``)."""
    require_role(user, Role.OPERATOR, Role.DISPATCHER)
    prediction = get_classifier().predict(title=title, content=content, address=address)
    return similar_to(
        content=content,
        address=address,
        title=title,
        region=prediction.region,
        category_id=prediction.category.pk if prediction.category else None,
        exclude_id=exclude_id,
        now=now,
    )


def similar_to(
    *,
    content: str,
    address: str,
    title: str,
    region: Region | None,
    category_id: int | None,
    exclude_id: int | None = None,
    now: datetime | None = None,
) -> list[Match]:
    """The lookup itself, for a text whose region and category are already predicted (the
    auto-dispatch task has them)."""
    now = now or timezone.now()
    matcher = get_classifier().regions
    query = prepare(
        title=title,
        content=content,
        address=address,
        place_names=matcher._found(address or ""),
        region_id=region.pk if region else None,
        category_id=category_id,
    )
    since = now - timedelta(days=settings.DUPLICATE_WINDOW_DAYS)
    window = Ticket.objects.open().filter(registered_at__gte=since)
    if exclude_id:
        window = window.exclude(pk=exclude_id)
    fields = ("id", "address", "region_id", "category_id", "registered_at")
    ids = _subtree(region, matcher)
    # One query per region, each newest first from the index ticket_region_registered (an OR of
    # regions makes the planners walk the whole window instead). Tickets not yet classified
    # have no region: kept, their address decides.
    parts = [None] if ids is None else [*ids, "none"]
    rows = []
    for part in parts:
        queryset = window
        if part == "none":
            queryset = window.filter(region__isnull=True)
        elif part is not None:
            queryset = window.filter(region_id=part)
        rows.extend(queryset.order_by("-registered_at").values(*fields)[:MAX_CANDIDATES])
    rows.sort(key=lambda row: row["registered_at"], reverse=True)
    rows = rows[:MAX_CANDIDATES]
    # The place first (a short address: cheap), then the text only for the best-placed
    # candidates: the text's grams are most of a lookup's cost.
    placed = []
    for row in rows:
        candidate = prepare(
            title="",
            content="",
            address=row["address"],
            place_names=matcher._found(row["address"] or ""),
            region_id=row["region_id"],
            category_id=row["category_id"],
        )
        placed.append((place_similarity(query, candidate), row, candidate))
    placed.sort(key=lambda item: item[0], reverse=True)  # stable: newest first within a place
    chosen = placed[:TEXT_SCORED]
    texts = {
        row["id"]: row
        for row in Ticket.objects.filter(pk__in=[row["id"] for _, row, _ in chosen])
        .annotate(start=Substr("content", 1, TEXT_SCANNED))
        .values("id", "number", "title", "start")
    }
    prepared = []
    for _, row, candidate in chosen:
        text = texts[row["id"]]
        row.update(number=text["number"], title=text["title"])
        candidate.text_grams = prepare(
            title=text["title"], content=text["start"], address="", place_names=[]
        ).text_grams
        prepared.append((row, candidate))
    return rank(query, prepared)[:RESULTS]
