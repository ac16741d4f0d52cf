"""Pauses of the resolve clock: the lead unit asks, a dispatcher decides, the clock runs again
and the resolve due time moves by the paused duration."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.lib.errors import Conflict, NotAllowed
from workorders.access import require_role, require_unit
from workorders.models import (
    Assignment,
    EventKind,
    PauseStatus,
    Role,
    Status,
    Ticket,
    TicketPause,
)
from workorders.services.deadline_sweep import light_state_recheck
from workorders.services.guards import clean_text, ticket_locked
from workorders.transitions import record_event


def _lead_of_actor(ticket: Ticket, actor) -> Assignment:
    unit = require_unit(actor)
    lead = ticket.assignments.filter(active=True, role=Assignment.Role.LEAD).first()
    if lead is None or lead.unit_id != unit.pk:
        raise NotAllowed(_("仅主办单位可执行此操作"))
    return lead


def ticket_request_pause(*, ticket_id: int, actor, reason: str) -> TicketPause:
    """The lead unit asks to stop the resolve clock, e.g. while waiting for the citizen."""
    reason = clean_text(reason, field="reason", label="暂停理由", minimum=5)
    with transaction.atomic():
        ticket = ticket_locked(ticket_id, actor)
        lead = _lead_of_actor(ticket, actor)
        if ticket.status != Status.IN_PROGRESS:
            raise Conflict(_("联系诉求人后方可申请暂停计时"))
        if ticket.pauses.filter(status__in=[PauseStatus.PENDING, PauseStatus.ACTIVE]).exists():
            raise Conflict(_("已有待审核或进行中的暂停"))
        now = timezone.now()
        pause = TicketPause.objects.create(
            ticket=ticket, unit=lead.unit, reason=reason, requested_by=actor, requested_at=now
        )
        record_event(
            ticket=ticket,
            kind=EventKind.PAUSE_REQUESTED,
            actor=actor,
            unit=lead.unit,
            reason=reason,
            at=now,
        )
    return pause


def ticket_decide_pause(*, ticket_id: int, actor, approve: bool, note: str = "") -> TicketPause:
    """A dispatcher approves (the clock stops now) or rejects a pause request."""
    require_role(actor, Role.DISPATCHER)
    if not approve:
        note = clean_text(note, field="note", label="驳回理由", minimum=2)
    with transaction.atomic():
        ticket = ticket_locked(ticket_id, actor)
        pause = ticket.pauses.filter(status=PauseStatus.PENDING).first()
        if pause is None:
            raise Conflict(_("没有待审核的暂停申请"))
        now = timezone.now()
        if approve:
            if ticket.status != Status.IN_PROGRESS or ticket.paused_at is not None:
                raise Conflict(_("工单已不在办理中"))
            Ticket.objects.filter(pk=ticket.pk).update(paused_at=now)
            ticket.paused_at = now
            pause.status, pause.started_at = PauseStatus.ACTIVE, now
        else:
            pause.status = PauseStatus.REJECTED
        pause.decided_by, pause.decided_at, pause.decision_note = actor, now, note
        pause.save(
            update_fields=["status", "started_at", "decided_by", "decided_at", "decision_note"]
        )
        record_event(
            ticket=ticket,
            kind=EventKind.PAUSED if approve else EventKind.PAUSE_REJECTED,
            actor=actor,
            unit=pause.unit,
            reason=note or pause.reason,
            public=approve,
            at=now,
        )
    return pause


def _end_pause(ticket: Ticket, pause: TicketPause, *, actor, at: datetime, note: str) -> dict:
    """Close an active pause: the resolve due time (and its yellow moment) move by the paused
    duration. Returns the Ticket fields to write; records the event."""
    paused = at - (ticket.paused_at or pause.started_at or at)
    changes = {"paused_at": None}
    light_state_recheck(ticket_id=ticket.pk, at=at)
    for name in ("resolve_due_at", "resolve_warn_at"):
        if getattr(ticket, name) is not None:
            changes[name] = getattr(ticket, name) + paused
    pause.status, pause.ended_at, pause.ended_by = PauseStatus.ENDED, at, actor
    pause.save(update_fields=["status", "ended_at", "ended_by"])
    record_event(
        ticket=ticket,
        kind=EventKind.RESUMED,
        actor=actor,
        unit=pause.unit,
        reason=note,
        public=True,
        data={
            "paused_seconds": int(paused.total_seconds()),
            "original_due_at": ticket.resolve_due_at.isoformat() if ticket.resolve_due_at else None,
            "resolve_due_at": changes["resolve_due_at"].isoformat()
            if "resolve_due_at" in changes
            else None,
        },
        at=at,
    )
    return changes


def ticket_resume(*, ticket_id: int, actor, note: str = "") -> Ticket:
    """The clock runs again (the lead unit got what it waited for, or a dispatcher ends it)."""
    with transaction.atomic():
        ticket = ticket_locked(ticket_id, actor)
        if require_role(actor, Role.UNIT_STAFF, Role.DISPATCHER) == Role.UNIT_STAFF:
            _lead_of_actor(ticket, actor)
        pause = ticket.pauses.filter(status=PauseStatus.ACTIVE).first()
        if pause is None:
            raise Conflict(_("工单未暂停计时"))
        changes = _end_pause(ticket, pause, actor=actor, at=timezone.now(), note=note.strip())
        Ticket.objects.filter(pk=ticket.pk).update(**changes)
        for name, value in changes.items():
            setattr(ticket, name, value)
    return ticket


def pause_close_on_resolve(*, ticket: Ticket, actor, at: datetime) -> dict:
    """Called by ticket_resolve inside its transaction: resolving ends a running pause (on the
    record) and turns down a pending request. Returns Ticket fields to write with the status."""
    changes: dict = {}
    for pause in ticket.pauses.filter(status__in=[PauseStatus.PENDING, PauseStatus.ACTIVE]):
        if pause.status == PauseStatus.ACTIVE:
            changes.update(_end_pause(ticket, pause, actor=actor, at=at, note="工单办结"))
        else:
            pause.status, pause.decided_at = PauseStatus.REJECTED, at
            pause.decision_note = _("工单已办结")
            pause.save(update_fields=["status", "decided_at", "decision_note"])
    return changes
