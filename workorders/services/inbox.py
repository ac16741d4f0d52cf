"""Writes of the inbox (消息中心): delivering notices, and reading them.

- ``deliver_event()``: called by ``workorders.transitions.record_event`` for every event of a
  registered kind (workorders.inbox), in the event's transaction: one InboxItem per addressee
  (one INSERT) and the same notice through the notification backends (the outbox, sent after
  commit), with an SMS to the unit's duty phone (Unit.phone) when the ticket is an emergency.
- ``deliver_sweep_events()``: the deadline sweep's bulk-created light events (SQLite path; the
  PostgreSQL path inserts the items in its one statement, deadline_sweep._inbox_insert).
- ``deliver()``: notices without a timeline event, e.g. the knowledge base's review reminders;
  a ``key`` delivers each at most once.
- ``inbox_mark_read()``, ``inbox_mark_all_read()``: per person.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from hotline.notifications import Recipient
from workorders.inbox import To, inbox_kind
from workorders.inbox_selectors import inbox_item_get_for_user, inbox_unread_count
from workorders.models import (
    EventKind,
    InboxCursor,
    InboxItem,
    InboxRead,
    Profile,
    Ticket,
    TicketEvent,
    Unit,
)
from workorders.services.notifications import (
    _recipient,
    build_notifications,
    store_notifications,
    unit_recipients,
)

TEXT_LIMIT = 2000


def deliver_event(*, event: TicketEvent, ticket: Ticket) -> list[InboxItem]:
    """The inbox items (and notifications) of one timeline event; nothing for kinds that are not
    registered. Must run in the event's transaction."""
    spec = inbox_kind(event.kind)
    if spec is None:
        return []
    event.ticket = ticket
    addressees = list(dict.fromkeys(spec.recipients(event)))
    if not addressees:
        return []
    urgent = bool(spec.urgent(event))
    items = InboxItem.objects.bulk_create(
        [
            InboxItem(
                kind=event.kind,
                unit_id=to.unit_id,
                user_id=to.user_id,
                role=to.role,
                ticket_id=ticket.pk,
                event_id=event.pk,
                text=(spec.text(event, to) or "")[:TEXT_LIMIT],
                urgent=urgent,
                created_at=event.created_at,
            )
            for to in addressees
        ]
    )
    if spec.notifies(event):
        _notify(spec.template, event, ticket, addressees, items, urgent)
    return items


def _notify(
    template: str,
    event: TicketEvent,
    ticket: Ticket,
    addressees: list[To],
    items: list[InboxItem],
    urgent: bool,
) -> None:
    """The same notice through the notification backends: to the unit's staff (and its duty
    phone for emergencies), or to the person. Role-wide notices stay in the inbox."""
    unit_ids = [to.unit_id for to in addressees if to.unit_id]
    user_ids = [to.user_id for to in addressees if to.user_id]
    staff = unit_recipients(unit_ids) if unit_ids else {}
    units = {u.pk: u for u in Unit.objects.filter(pk__in=unit_ids)} if unit_ids else {}
    people = (
        {p.user_id: p for p in Profile.objects.filter(user_id__in=user_ids).select_related("user")}
        if user_ids
        else {}
    )
    context = {
        # What the kind's own template needs beyond these (e.g. the pressing district's name).
        **event.data,
        "kind_label": str(EventKind(event.kind).label),
        "number": ticket.number,
        "title": ticket.title,
        "note": event.reason,
        "urgent": urgent,
        "resolve_due_at": timezone.localtime(ticket.resolve_due_at)
        if ticket.resolve_due_at
        else None,
    }
    rows = []
    for to, item in zip(addressees, items, strict=True):
        if to.unit_id:
            unit = units.get(to.unit_id)
            recipients = list(staff.get(to.unit_id, []))
            if urgent and unit is not None and unit.phone:
                recipients.append(Recipient(name=unit.name, phone=unit.phone).as_dict())
            name = unit.name if unit else ""
        elif to.user_id and to.user_id in people:
            recipients = [_recipient(people[to.user_id])]
            name = recipients[0]["name"]
        else:
            continue
        rows += build_notifications(
            kind=template,
            context={**context, "unit": name, "text": item.text},
            recipients=recipients,
            ticket_ids=[ticket.pk],
            now=event.created_at,
        )
    store_notifications(rows)


def deliver_sweep_events(*, events: list[TicketEvent], now: datetime) -> int:
    """The inbox items of the deadline sweep's light events, in one INSERT. Light kinds deliver
    to the event's unit with the event's reason (workorders.inbox refuses other settings)."""
    items = [
        InboxItem(
            kind=event.kind,
            unit_id=event.unit_id,
            ticket_id=event.ticket_id,
            event_id=event.pk,
            text=event.reason,
            created_at=now,
        )
        for event in events
        if event.unit_id is not None and inbox_kind(event.kind) is not None
    ]
    InboxItem.objects.bulk_create(items, batch_size=1000)
    return len(items)


@dataclass(frozen=True)
class Notice:
    """A notice without a timeline event, for ``deliver()``."""

    kind: str
    title: str
    text: str = ""
    to: To = To()
    link: str = ""
    # At most one notice per key, ever (e.g. "knowledge_review:<entry>:<review date>").
    key: str = ""
    urgent: bool = False


def deliver(*, notices: list[Notice], now: datetime | None = None) -> int:
    """Deliver notices that have no ticket event; those whose key was delivered before are left
    out. Returns how many were new. One SELECT of the keys and one INSERT."""
    now = now or timezone.now()
    for notice in notices:
        to = notice.to
        if sum(bool(x) for x in (to.unit_id, to.user_id, to.role)) != 1:
            raise ValueError(f"a notice has exactly one addressee: {to!r}")
    keys = {n.key for n in notices if n.key}
    seen = set(InboxItem.objects.filter(key__in=keys).values_list("key", flat=True))
    fresh, taken = [], set(seen)
    for notice in notices:
        if notice.key and notice.key in taken:
            continue
        taken.add(notice.key)
        fresh.append(notice)
    with transaction.atomic():
        # ignore_conflicts: a concurrent run that inserted the same key first wins quietly.
        InboxItem.objects.bulk_create(
            [
                InboxItem(
                    kind=n.kind,
                    unit_id=n.to.unit_id,
                    user_id=n.to.user_id,
                    role=n.to.role,
                    title=n.title[:200],
                    text=n.text[:TEXT_LIMIT],
                    link=n.link,
                    key=n.key,
                    urgent=n.urgent,
                    created_at=now,
                )
                for n in fresh
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
    return len(fresh)


def inbox_mark_read(*, user, item_id: int) -> InboxItem:
    """``user`` read one of their notices (again: no change). Another's is NotFound."""
    item = inbox_item_get_for_user(user=user, pk=item_id)
    if item.receipt_at is None:
        # ignore_conflicts: a double click's second request finds the first one's receipt.
        InboxRead.objects.bulk_create(
            [InboxRead(item=item, user_id=user.pk, read_at=timezone.now())], ignore_conflicts=True
        )
    return inbox_item_get_for_user(user=user, pk=item_id)


def inbox_mark_all_read(*, user) -> int:
    """Everything delivered to ``user`` until now counts as read: one row, whatever the number
    of notices. Returns how many were unread."""
    now = timezone.now()
    unread = inbox_unread_count(user=user, now=now)
    InboxCursor.objects.update_or_create(user_id=user.pk, defaults={"read_before": now})
    return unread
