"""The one place that changes Ticket.status.

Every status change in the platform goes through ``transition()``: it checks the move against
ALLOWED, changes the row with a compare-and-set on the old status (so two people or two workers
can never both win) and writes the TicketEvent in the same transaction. Named services in
``workorders.services`` wrap it; nothing else assigns ``status``.
"""

from contextlib import nullcontext

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.lib.errors import Conflict
from workorders.inbox import inbox_kind
from workorders.models import EventKind, Status, Ticket, TicketEvent

S = Status

# (from, to) pairs that exist in the lifecycle of DESIGN.md, with the reason each exists.
ALLOWED: dict[tuple[str, str], str] = {
    (S.REGISTERED, S.TRIAGE): "classifier unsure",
    (S.REGISTERED, S.DISPATCHED): "auto-dispatch, or operator dispatches at intake",
    (S.REGISTERED, S.RESOLVED): "operator answers an inquiry directly",
    (S.REGISTERED, S.MERGED): "duplicate of an earlier ticket",
    (S.REGISTERED, S.INVALID): "not to be dispatched, for a legitimate reason",
    (S.TRIAGE, S.DISPATCHED): "dispatcher dispatches",
    (S.TRIAGE, S.RESOLVED): "answered directly from triage",
    (S.TRIAGE, S.MERGED): "duplicate found in triage",
    (S.TRIAGE, S.INVALID): "invalid found in triage",
    (S.MERGED, S.TRIAGE): "its master handed its duplicates back, to be handled on their own",
    (S.DISPATCHED, S.DISPATCHED): "dispatcher re-dispatches before acceptance",
    (S.DISPATCHED, S.ACCEPTED): "lead unit accepts",
    (S.DISPATCHED, S.RETURN_REQUESTED): "lead unit asks to return",
    (S.ACCEPTED, S.RETURN_REQUESTED): "lead unit asks to return after accepting",
    (S.RETURN_REQUESTED, S.TRIAGE): "return approved: back to a dispatcher",
    (S.RETURN_REQUESTED, S.DISPATCHED): "return rejected before acceptance",
    (S.RETURN_REQUESTED, S.ACCEPTED): "return rejected after acceptance",
    (S.ACCEPTED, S.IN_PROGRESS): "lead unit contacted the citizen",
    (S.IN_PROGRESS, S.RESOLVED): "lead unit resolves with a reply",
    (S.RESOLVED, S.FOLLOW_UP): "handed to follow-up",
    (S.FOLLOW_UP, S.CLOSED): "follow-up complete or window ended",
    (S.FOLLOW_UP, S.DISPATCHED): "reopened: citizen says unsolved, back to the same lead unit",
}


def is_allowed(from_status: str, to_status: str) -> bool:
    return (from_status, to_status) in ALLOWED


def transition(
    *,
    ticket: Ticket,
    to: str,
    kind: str,
    actor=None,
    unit=None,
    reason: str = "",
    data: dict | None = None,
    public: bool = True,
    changes: dict | None = None,
    at=None,
) -> TicketEvent:
    """Move ``ticket`` to ``to`` and record it; raise Conflict if the move is not allowed now.

    ``changes`` are other Ticket fields written in the same UPDATE as the status; ``at`` lets a
    service use one clock reading for the event and the due times it computes.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("transition() must run inside transaction.atomic()")
    from_status = ticket.status
    if not is_allowed(from_status, to):
        raise Conflict(
            _("工单当前状态为“%(label)s”，不能执行此操作")
            % {"label": Status(from_status).label, "from_status": from_status, "to": to}
        )
    now = at or timezone.now()
    fields = {"status": to, "status_changed_at": now, **(changes or {})}
    updated = Ticket.objects.filter(pk=ticket.pk, status=from_status).update(**fields)
    if updated != 1:
        raise Conflict(_("工单已被他人处理，请刷新后重试"))
    for name, value in fields.items():
        setattr(ticket, name, value)
    return record_event(
        ticket=ticket,
        kind=kind,
        actor=actor,
        unit=unit,
        reason=reason,
        data=data,
        public=public,
        from_status=from_status,
        to_status=to,
        at=now,
    )


def record_event(
    *,
    ticket: Ticket,
    kind: str,
    actor=None,
    unit=None,
    reason: str = "",
    data: dict | None = None,
    public: bool = False,
    from_status: str = "",
    to_status: str = "",
    at=None,
) -> TicketEvent:
    """Record an action that does not change the status (progress notes, reveals, …).

    Events of a kind registered with workorders.inbox also deliver their inbox notices here, in
    the same transaction: a notice exists exactly when its event does."""
    assert kind in EventKind.values, kind
    # Imported here: the services package imports this module (transition) at its import.
    from workorders.services.inbox import deliver_event

    args = (ticket, kind, actor, unit, reason, data, public, from_status, to_status, at)
    if inbox_kind(kind) is None:
        return _create_event(*args)
    # The callers' transaction when there is one (no savepoint: two statements fewer).
    atomic = nullcontext() if transaction.get_connection().in_atomic_block else transaction.atomic()
    with atomic:
        event = _create_event(*args)
        deliver_event(event=event, ticket=ticket)
    return event


def _create_event(ticket, kind, actor, unit, reason, data, public, from_status, to_status, at):
    return TicketEvent.objects.create(
        ticket=ticket,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        actor=actor if actor is not None and actor.is_authenticated else None,
        unit=unit,
        reason=reason,
        data=data or {},
        public=public,
        created_at=at or timezone.now(),
    )
