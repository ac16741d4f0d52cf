"""The knowledge base's review reminders (知识条目待复核): once a day, every published entry whose
review date has come or whose validity ended becomes one notice in its owning unit's inbox
(workorders.services.inbox.deliver). The key (entry, reason, date) delivers each once: a re-run
or a second beat delivers nothing new, a new review date is a new notice."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from knowledge.models import Entry
from workorders.inbox import To
from workorders.services.inbox import Notice, deliver

KIND_REVIEW = "knowledge_review"
KIND_EXPIRED = "knowledge_expired"


def _notice(entry: Entry, today: dt.date) -> Notice:
    expired = entry.valid_until is not None and entry.valid_until < today
    due_for_review = entry.review_on is not None and entry.review_on <= today
    if due_for_review or not expired:
        kind, date = KIND_REVIEW, entry.review_on
        title = _("知识条目待复核")
        text = _("“%(title)s”的复核日期 %(date)s 已到，请核对内容是否仍然准确。")
    else:
        kind, date = KIND_EXPIRED, entry.valid_until
        title = _("知识条目已失效")
        text = _("“%(title)s”已于 %(date)s 失效，请更新或归档。")
    return Notice(
        kind=kind,
        title=title,
        text=text % {"title": entry.title, "date": f"{date:%Y-%m-%d}"},
        to=To(unit_id=entry.unit_id),
        link=reverse("knowledge:edit", args=[entry.pk]),
        key=f"{kind}:{entry.pk}:{date:%Y-%m-%d}",
    )


def review_reminders(*, today: dt.date | None = None) -> list[Notice]:
    """The notices due today (entries without an owning unit are the center's: left out)."""
    today = today or timezone.localdate()
    entries = (
        Entry.objects.needing_attention(today=today)
        .filter(unit__isnull=False)
        .only("pk", "title", "unit_id", "review_on", "valid_until")
        .order_by("pk")
    )
    return [_notice(entry, today) for entry in entries]


def deliver_review_reminders(*, today: dt.date | None = None) -> int:
    """Deliver today's reminders; returns how many were new."""
    return deliver(notices=review_reminders(today=today))
