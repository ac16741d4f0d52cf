"""Writes of the knowledge base: every change to an entry goes through ``entry_save`` and leaves
a version row (who, when, which fields, the entry as it then was), so any version can be put
back; and the record of which entries answered which ticket, and of searches."""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.lib.errors import InvalidInput, NotFound
from knowledge.access import entry_get_for_user, require_editor
from knowledge.models import (
    PUBLISHED,
    VERSIONED_FIELDS,
    Entry,
    EntryUse,
    EntryVersion,
    Search,
    Visibility,
)
from workorders.access import role_of, unit_of
from workorders.models import Category, Role, Ticket, Unit

TITLE_MAX = 200
BODY_MAX = 20000
KEYWORDS_MAX = 2000


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, fields={field: [message]})


def _clean(values: dict) -> dict:
    """Strip the texts, check lengths, dates and references; raise on the first problem."""
    cleaned = dict(values)
    for field, maximum in (("title", TITLE_MAX), ("body", BODY_MAX), ("keywords", KEYWORDS_MAX)):
        if field in cleaned:
            text = str(cleaned[field] or "").strip()
            if "\x00" in text:
                raise _invalid(field, _("内容含有不允许的控制字符"))
            if len(text) > maximum:
                raise _invalid(field, _("不能超过 %(maximum)s 字") % {"maximum": maximum})
            cleaned[field] = text
    if "visibility" in cleaned and cleaned["visibility"] not in Visibility.values:
        raise _invalid("visibility", _("可见范围应为 public、internal、draft 或 archived"))
    if cleaned.get("category") is not None and not isinstance(cleaned["category"], Category):
        category = Category.objects.filter(pk=cleaned["category"]).first()
        if category is None:
            raise _invalid("category", _("分类不存在"))
        cleaned["category"] = category
    if cleaned.get("unit") is not None and not isinstance(cleaned["unit"], Unit):
        unit = Unit.objects.filter(pk=cleaned["unit"]).first()
        if unit is None:
            raise _invalid("unit", _("单位不存在"))
        cleaned["unit"] = unit
    return cleaned


def _check(entry: Entry) -> None:
    """The rules on the entry as it would be saved."""
    if entry.visibility in PUBLISHED:
        for field in ("title", "body"):
            if not getattr(entry, field):
                raise _invalid(field, _("发布前请填写标题和答复内容"))
    elif not (entry.title or entry.body):
        raise _invalid("title", _("请填写标题"))
    if entry.valid_from and entry.valid_until and entry.valid_until < entry.valid_from:
        raise _invalid("valid_until", _("失效日期不能早于生效日期"))


def snapshot(entry: Entry) -> dict:
    data = {}
    for field in VERSIONED_FIELDS:
        value = getattr(entry, f"{field}_id" if field in ("category", "unit") else field)
        data[field] = value.isoformat() if isinstance(value, dt.date) else value
    return data


def _apply_snapshot(entry: Entry, data: dict) -> None:
    for field in VERSIONED_FIELDS:
        value = data.get(field)
        if field in ("category", "unit"):
            model = Category if field == "category" else Unit
            # A unit or category deleted since: keep what the entry has now.
            if value is None or model.objects.filter(pk=value).exists():
                setattr(entry, f"{field}_id", value)
        elif field in ("valid_from", "valid_until", "review_on"):
            setattr(entry, field, dt.date.fromisoformat(value) if value else None)
        else:
            setattr(entry, field, value or "")


def _save(entry: Entry, *, actor, before: dict | None, note: str = "") -> Entry:
    _check(entry)
    after = snapshot(entry)
    changed = [
        field for field in VERSIONED_FIELDS if before is None or before[field] != after[field]
    ]
    if before is not None and not changed:
        return entry
    now = timezone.now()
    with transaction.atomic():
        if before is None:
            entry.created_at = now
            entry.version = 1
        else:
            entry.version += 1
        entry.updated_at = now
        entry.save()
        EntryVersion.objects.create(
            entry=entry,
            number=entry.version,
            snapshot=after,
            changed=changed,
            actor=actor if actor is not None and actor.is_authenticated else None,
            note=note,
            created_at=now,
        )
    return entry


def entry_create(
    *,
    actor,
    title: str = "",
    body: str = "",
    visibility: str = Visibility.DRAFT,
    category=None,
    keywords: str = "",
    unit=None,
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    review_on: dt.date | None = None,
) -> Entry:
    """A new entry; a unit's staff create it for their own unit, administrators for any."""
    require_editor(actor)
    values = _clean(
        {
            "title": title,
            "body": body,
            "visibility": visibility,
            "category": category,
            "keywords": keywords,
            "unit": unit,
        }
    )
    if role_of(actor) == Role.UNIT_STAFF:
        values["unit"] = unit_of(actor)
    entry = Entry(valid_from=valid_from, valid_until=valid_until, review_on=review_on, **values)
    return _save(entry, actor=actor, before=None)


def entry_update(*, actor, entry_id: int, **changes) -> Entry:
    """Change some fields (those given); another unit's entry is refused with 403."""
    unknown = set(changes) - set(VERSIONED_FIELDS)
    if unknown:
        raise _invalid(sorted(unknown)[0], _("不能修改此字段"))
    entry = entry_get_for_user(user=actor, pk=entry_id)
    require_editor(actor, entry)
    if "unit" in changes and role_of(actor) != Role.ADMIN:
        raise _invalid("unit", _("仅管理员可更改责任单位"))
    before = snapshot(entry)
    for field, value in _clean(changes).items():
        setattr(entry, field, value)
    return _save(entry, actor=actor, before=before)


def entry_publish(*, actor, entry_id: int, visibility: str = Visibility.PUBLIC) -> Entry:
    if visibility not in PUBLISHED:
        raise _invalid("visibility", _("发布范围应为 public 或 internal"))
    return entry_update(actor=actor, entry_id=entry_id, visibility=visibility)


def entry_archive(*, actor, entry_id: int) -> Entry:
    return entry_update(actor=actor, entry_id=entry_id, visibility=Visibility.ARCHIVED)


def entry_restore(*, actor, entry_id: int, number: int) -> Entry:
    """Put back the entry as it was in version ``number``, as a new version."""
    entry = entry_get_for_user(user=actor, pk=entry_id)
    require_editor(actor, entry)
    version = entry.versions.filter(number=number).first()
    if version is None:
        raise NotFound(_("该版本不存在"))
    before = snapshot(entry)
    _apply_snapshot(entry, version.snapshot)
    if role_of(actor) != Role.ADMIN:
        entry.unit_id = before["unit"]  # a unit cannot give its entry away by restoring
    note = _("恢复为第 %(number)s 版") % {"number": number}
    return _save(entry, actor=actor, before=before, note=note)


# --- use and searches ---------------------------------------------------------------------------


def entries_used(*, ticket_id: int, entry_ids: Iterable, actor) -> int:
    """Record that these entries' answers went into the ticket's reply; unknown ids and repeats
    are left out (the reply itself is what counts). Returns how many were recorded."""
    ids = set()
    for value in entry_ids:
        try:
            ids.add(int(value))
        except (TypeError, ValueError):
            continue
    if not ids or not Ticket.objects.filter(pk=ticket_id).exists():
        return 0
    now = timezone.now()
    found = Entry.objects.filter(pk__in=ids).values_list("pk", flat=True)
    created = EntryUse.objects.bulk_create(
        [EntryUse(ticket_id=ticket_id, entry_id=pk, actor=actor, used_at=now) for pk in found],
        ignore_conflicts=True,
    )
    return len(created)


def search_logged(*, query: str, source: str, results: int, top_score: float) -> Search:
    return Search.objects.create(
        query=query[:300],
        source=source,
        results=results,
        top_score=top_score,
        created_at=timezone.now(),
    )


def search_clicked(*, search_id: int, entry_id: int) -> None:
    """The searcher opened or used a result: the first click counts."""
    if Entry.objects.filter(pk=entry_id).exists():
        Search.objects.filter(pk=search_id, clicked__isnull=True).update(clicked_id=entry_id)
