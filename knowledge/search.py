"""The knowledge search as the platform uses it: one in-process index per web process (the
engine in ``knowledge.engine``), rebuilt when the entries changed.

Every search first asks the database for the entries' count and latest change (one indexed
query), so an edit made through any process is seen by every other on its next search; only the
entries that changed are read and tokenised again.
"""

import threading
import unicodedata
from dataclasses import dataclass

import numpy as np
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.lib.errors import InvalidInput
from knowledge import engine
from knowledge.access import suggestible_visibilities
from knowledge.models import PUBLISHED, Entry

QUERY_MAX = 2000  # characters; a call's whole content fits
LIMIT_MAX = 50
SNIPPET = 120  # characters of the entry around what matched
# Below this cosine, a result is a guess rather than an answer: the administrators' list of
# questions without a good entry counts such searches too.
GOOD_SCORE = 0.12
_ORDINAL_NONE_LOW = 0
_ORDINAL_NONE_HIGH = 10**7

BUILTIN_SYNONYMS = (
    ("暖气", "供暖", "采暖", "供热"),
    ("停水", "断水", "没水"),
    ("噪音", "噪声", "扰民"),
    ("公积金", "住房公积金"),
    ("社保", "社会保险"),
    ("医保", "医疗保险"),
    ("居住证", "暂住证"),
)


@dataclass
class _Built:
    stamp: tuple
    index: engine.Index
    visibility: np.ndarray  # the entries' visibility, as stored
    valid_from: np.ndarray  # date ordinals
    valid_until: np.ndarray
    titles: dict[int, str]
    bodies: dict[int, str]


_lock = threading.Lock()
_built: _Built | None = None
# Tokenised entries are kept by (id, updated_at): a rebuild re-reads only what changed.
_documents: dict[int, tuple] = {}


def _stamp() -> tuple:
    # Both read one end of an index (no count: it scans 100,000 rows, ~80 ms on PostgreSQL).
    # Every change goes through knowledge.services and moves updated_at; entries are archived,
    # never deleted (the admin site cannot delete them), so nothing leaves without a trace.
    row = Entry.objects.aggregate(at=Max("updated_at"), last=Max("pk"))
    return (row["at"], row["last"])


def _build(stamp: tuple) -> _Built:
    rows = list(
        Entry.objects.filter(visibility__in=PUBLISHED)
        .order_by("pk")
        .values_list(
            "pk",
            "title",
            "body",
            "keywords",
            "category_id",
            "visibility",
            "valid_from",
            "valid_until",
            "updated_at",
        )
    )
    documents = [
        engine.Document(key=pk, title=title, body=body, keywords=keywords, category=category)
        for pk, title, body, keywords, category, *_ in rows
    ]
    changed_at = {row[0]: row[8] for row in rows}
    for pk in set(_documents) - set(changed_at):
        del _documents[pk]

    def terms_of(document: engine.Document):
        cached = _documents.get(document.key)
        if cached is None or cached[0] != changed_at[document.key]:
            cached = (changed_at[document.key], engine.document_terms(document))
            _documents[document.key] = cached
        return cached[1]

    return _Built(
        stamp=stamp,
        index=engine.Index.build(documents, synonyms=BUILTIN_SYNONYMS, terms_of=terms_of),
        visibility=np.asarray([row[5] for row in rows], dtype=object),
        valid_from=np.asarray(
            [row[6].toordinal() if row[6] else _ORDINAL_NONE_LOW for row in rows], dtype=np.int64
        ),
        valid_until=np.asarray(
            [row[7].toordinal() if row[7] else _ORDINAL_NONE_HIGH for row in rows], dtype=np.int64
        ),
        titles={row[0]: row[1] for row in rows},
        bodies={row[0]: row[2] for row in rows},
    )


def current_index() -> _Built:
    global _built
    stamp = _stamp()
    built = _built
    if built is not None and built.stamp == stamp:
        return built
    with _lock:
        if _built is None or _built.stamp != stamp:
            _built = _build(stamp)
        return _built


def reset() -> None:
    """For tests: forget the index (each test has its own database)."""
    global _built
    _built = None
    _documents.clear()


def clean_query(q: str | None) -> str:
    """The query as searched, or a clear error: empty, too long, or nothing to search for."""
    text = "".join(
        " " if unicodedata.category(char)[0] == "C" else char for char in (q or "")
    ).strip()
    if not text:
        message = _("请输入要查询的内容")
        raise InvalidInput(message, fields={"q": [message]})
    if len(text) > QUERY_MAX:
        message = _("查询内容不能超过 %(maximum)s 字") % {"maximum": QUERY_MAX}
        raise InvalidInput(message, fields={"q": [message]})
    return text


def clean_limit(value, default: int = 5) -> int:
    if value in (None, ""):
        return default
    try:
        limit = int(value)
    except (TypeError, ValueError):
        limit = 0
    if not 1 <= limit <= LIMIT_MAX:
        message = _("limit 应为 1 到 %(maximum)s 的整数") % {"maximum": LIMIT_MAX}
        raise InvalidInput(message, fields={"limit": [message]})
    return limit


@dataclass
class Result:
    id: int
    title: str
    score: float
    snippet: str
    body: str
    good: bool


def snippet(body: str, query: str) -> str:
    """The part of the entry around the first of the query's words it contains."""
    text = " ".join(body.split())
    if len(text) <= SNIPPET:
        return text
    at = -1
    for word in sorted(engine.words(engine.normalize(query)), key=len, reverse=True):
        at = text.lower().find(word)
        if at >= 0:
            break
    start = max(0, at - SNIPPET // 4) if at >= 0 else 0
    piece = text[start : start + SNIPPET]
    return ("…" if start else "") + piece + ("…" if start + SNIPPET < len(text) else "")


def knowledge_search(*, user, q: str, limit: int = 5) -> list[Result]:
    """The entries ``user`` may be suggested (published for them, in force today), best first.

    ``q`` must already be cleaned (``clean_query``)."""
    built = current_index()
    if not len(built.index):
        return []
    today = timezone.localdate().toordinal()
    allowed = (
        np.isin(built.visibility, list(suggestible_visibilities(user)))
        & (built.valid_from <= today)
        & (built.valid_until >= today)
    )
    hits = built.index.search(q, limit=limit, allowed=allowed)
    return [
        Result(
            id=hit.key,
            title=built.titles[hit.key],
            score=hit.score,
            snippet=snippet(built.bodies[hit.key], q),
            body=built.bodies[hit.key],
            good=hit.score >= GOOD_SCORE,
        )
        for hit in hits
    ]
