"""Reads of the inbox (消息中心): what a person sees, and the unread count in every staff page's
menu.

A person sees the notices addressed to their unit (unit staff), to their role (the center's
dispatchers) and to them personally; nothing else. A notice is unread for a person until they
read it (InboxRead), mark everything read (InboxCursor), or it is older than INBOX_UNREAD_DAYS.
The count is one statement on the partial indexes of InboxItem (each arm of the OR an index
range of the last INBOX_UNREAD_DAYS), anti-joined with this person's receipts of the same days
(one range of the receipts' (user, read_at, item) index).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.lib.errors import NotFound
from workorders.access import role_of, unit_of
from workorders.models import EventKind, InboxCursor, InboxItem, InboxRead, Role

# Roles whose people share an inbox of their own (notices with ``role=``).
ROLE_INBOXES = (Role.DISPATCHER,)


def addressed_to(user) -> Q | None:
    """The notices ``user`` may see, or None for nobody (anonymous)."""
    role = role_of(user)
    if role is None:
        return None
    rule = Q(user_id=user.pk)
    unit = unit_of(user)
    if unit is not None:
        rule |= Q(unit_id=unit.pk)
    if role in ROLE_INBOXES:
        rule |= Q(role=role)
    return rule


def unread_floor(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.INBOX_UNREAD_DAYS)


def _unread(user, now: datetime | None) -> Q:
    floor = unread_floor(now)
    # A notice of the window can only have been read after it arrived, so only receipts of the
    # window matter: that keeps the anti-join's other side to one index range of this person's
    # recent receipts, whatever their history.
    receipt = InboxRead.objects.filter(item=OuterRef("pk"), user_id=user.pk, read_at__gt=floor)
    cursor = Subquery(InboxCursor.objects.filter(user_id=user.pk).values("read_before")[:1])
    return (
        Q(created_at__gt=floor)
        & Q(created_at__gt=Coalesce(cursor, Value(floor)))
        & ~Exists(receipt)
    )


def inbox_unread_count(*, user, now: datetime | None = None) -> int:
    """Unread notices of ``user``: one statement (it runs on every staff page)."""
    rule = addressed_to(user)
    if rule is None:
        return 0
    return InboxItem.objects.filter(rule).filter(_unread(user, now)).count()


def inbox_items_for(*, user, unread: bool = False, now: datetime | None = None) -> QuerySet:
    """``user``'s notices, newest first, with ``is_unread`` and ``receipt_at``/``cursor_at``
    (when this person read it) annotated."""
    rule = addressed_to(user)
    if rule is None:
        return InboxItem.objects.none()
    queryset = (
        InboxItem.objects.filter(rule)
        .annotate(
            is_unread=ExpressionWrapper(_unread(user, now), output_field=BooleanField()),
            receipt_at=Subquery(
                InboxRead.objects.filter(item=OuterRef("pk"), user_id=user.pk).values("read_at")[:1]
            ),
            cursor_at=Subquery(
                InboxCursor.objects.filter(user_id=user.pk).values("read_before")[:1]
            ),
        )
        .select_related("ticket")
        .order_by("-created_at", "-pk")
    )
    if unread:
        queryset = queryset.filter(is_unread=True)
    return queryset


def inbox_item_get_for_user(*, user, pk: int) -> InboxItem:
    """One of ``user``'s notices; another unit's or person's is "not found" (404), like a
    missing one."""
    item = inbox_items_for(user=user).filter(pk=pk).first()
    if item is None:
        raise NotFound(_("消息不存在或无权查看"))
    return item


def read_at(item: InboxItem) -> datetime | None:
    """When this person read the notice (their receipt, or "all read" covering it); None if not
    read, or if it aged out of the unread count unread."""
    if item.receipt_at is not None:
        return item.receipt_at
    if item.cursor_at is not None and item.created_at <= item.cursor_at:
        return item.cursor_at
    return None


def kind_label(item: InboxItem) -> str:
    """The notice's kind as a person reads it: the event kind's label (in the reader's
    language), or the title a notice without a ticket carries."""
    if item.kind in EventKind.values:
        return str(EventKind(item.kind).label)
    return item.title


def item_link(item: InboxItem) -> str:
    """Where the notice is dealt with: its ticket's page, or the link it carries."""
    if item.ticket_id:
        return reverse("ticket_detail", args=[item.ticket_id])
    return item.link
