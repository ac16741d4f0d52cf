"""Every action on a ticket after intake. Each is atomic, checks who may do it, and records itself.

Status changes go through ``workorders.transitions.transition``; this module decides who may ask
for them and what else changes with them (assignments, due times, requests).
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hotline.celery import app as celery_app
from hotline.lib.errors import Conflict, InvalidInput, NotAllowed
from workorders.access import require_role, require_unit, ticket_get_for_user
from workorders.deadlines import due_times, follow_up_due_at, resolve_extended
from workorders.models import (
    Assignment,
    Category,
    EventKind,
    ExtensionRequest,
    InvalidReason,
    Region,
    RequestStatus,
    ReturnRequest,
    Role,
    Status,
    Ticket,
    TicketEvent,
    Unit,
    Urgency,
)
from workorders.services.deadlines import (
    light_state_recheck,
    light_state_restart,
    pause_close_on_resolve,
)
from workorders.services.intake import INTAKE_ROLES
from workorders.transitions import record_event, transition

logger = logging.getLogger(__name__)

CENTER_DECIDERS = (Role.DISPATCHER,)
# An extension may add at most this much to the current resolve due time (Shandong: 10 days).
MAX_EXTENSION = timedelta(days=30)


def _text(value: str | None, *, field: str, label: str, minimum: int, maximum: int = 4000) -> str:
    value = (value or "").strip()
    if not minimum <= len(value) <= maximum:
        message = f"请填写{label}（{minimum} 到 {maximum} 字） ({field}: {minimum}-{maximum} chars)"
        raise InvalidInput(message, fields={field: [message]})
    return value


def _locked(ticket_id: int, actor) -> Ticket:
    """The ticket, visible to ``actor`` and locked for this transaction."""
    return ticket_get_for_user(user=actor, pk=ticket_id, for_update=True)


def _system_locked(ticket_id: int) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket_id)


def _lead(ticket: Ticket) -> Assignment | None:
    return ticket.assignments.filter(active=True, role=Assignment.Role.LEAD).first()


def _own_assignment(ticket: Ticket, actor) -> Assignment:
    unit = require_unit(actor)
    assignment = ticket.assignments.filter(active=True, unit=unit).first()
    if assignment is None:
        raise NotAllowed("该工单未派给您的单位 (this ticket is not assigned to your unit)")
    return assignment


def _require_lead(ticket: Ticket, actor) -> Assignment:
    assignment = _own_assignment(ticket, actor)
    if assignment.role != Assignment.Role.LEAD:
        raise NotAllowed("仅主办单位可执行此操作 (only the lead unit may do this)")
    return assignment


# --- classification and dispatch ---------------------------------------------------------------


def ticket_send_to_triage(*, ticket_id: int, suggestion: dict, reason: str, actor=None) -> Ticket:
    """The classifier was unsure: a dispatcher decides, with the suggestions pre-filled."""
    with transaction.atomic():
        ticket = _system_locked(ticket_id)
        transition(
            ticket=ticket,
            to=Status.TRIAGE,
            kind=EventKind.TRIAGED,
            actor=actor,
            reason=reason,
            data={"suggestion": suggestion},
            public=False,
            changes={"suggestion": {**ticket.suggestion, **suggestion}},
        )
    return ticket


def _assign(ticket: Ticket, lead_unit: Unit, assist_units: list[Unit], now: datetime) -> None:
    ticket.assignments.filter(active=True).update(active=False)
    Assignment.objects.create(
        ticket=ticket, unit=lead_unit, role=Assignment.Role.LEAD, dispatched_at=now
    )
    for unit in assist_units:
        if unit.pk != lead_unit.pk:
            Assignment.objects.create(
                ticket=ticket, unit=unit, role=Assignment.Role.ASSIST, dispatched_at=now
            )


def ticket_dispatch(
    *,
    ticket_id: int,
    lead_unit: Unit,
    assist_units: list[Unit] | None = None,
    category: Category | None = None,
    region: Region | None = None,
    urgency: str | None = None,
    actor=None,
    reason: str = "",
    suggestion: dict | None = None,
) -> Ticket:
    """Dispatch (or re-dispatch before acceptance) to a lead unit and any assisting units.

    ``actor=None`` is the auto-dispatch of the worker; a person must be a dispatcher, and what a
    person chooses is a confirmed label for training the classifier.
    """
    if actor is not None:
        require_role(actor, *CENTER_DECIDERS)
    reason = _text(reason, field="reason", label="派单说明", minimum=0)
    assist_units = list(assist_units or [])
    if not lead_unit.is_active or any(not unit.is_active for unit in assist_units):
        field = "lead_unit" if not lead_unit.is_active else "assist_units"
        raise InvalidInput(
            "所选单位已停用 (the unit is inactive)", fields={field: ["已停用 (inactive)"]}
        )
    if urgency is not None and urgency not in Urgency.values:
        raise InvalidInput("紧急程度无效 (unknown urgency)", fields={"urgency": ["无效"]})
    with transaction.atomic():
        ticket = _locked(ticket_id, actor) if actor else _system_locked(ticket_id)
        if actor is None and ticket.status != Status.REGISTERED:
            # The worker only dispatches what is still registered, checked under the lock: two
            # deliveries of the same task (acks_late, the stale sweep) would otherwise both pass
            # their early check and the second would re-dispatch (dispatched → dispatched).
            raise Conflict("工单已被处理 (the ticket was already handled)")
        now = timezone.now()
        changes = {
            "category": category or ticket.category,
            "region": region or ticket.region,
            "urgency": urgency or ticket.urgency,
        }
        if actor is not None:
            changes["category_confirmed"] = changes["category"] is not None
        if suggestion:
            changes["suggestion"] = {**ticket.suggestion, **suggestion}
        changes.update(
            due_times(urgency=changes["urgency"], start=now, category=changes["category"])
        )
        transition(
            ticket=ticket,
            to=Status.DISPATCHED,
            kind=EventKind.DISPATCHED,
            actor=actor,
            unit=lead_unit,
            reason=reason,
            data={
                "lead_unit": lead_unit.name,
                "assist_units": [unit.name for unit in assist_units],
                "category": str(changes["category"] or ""),
                "auto": actor is None,
            },
            changes=changes,
            at=now,
        )
        _assign(ticket, lead_unit, assist_units, now)
        light_state_restart(ticket_id=ticket.pk, times=changes)
    return ticket


# --- the unit's work ----------------------------------------------------------------------------


def ticket_accept(*, ticket_id: int, actor) -> Ticket:
    with transaction.atomic():
        ticket = _locked(ticket_id, actor)
        assignment = _own_assignment(ticket, actor)
        if assignment.accepted_at is not None:
            raise Conflict("您的单位已签收该工单 (your unit already accepted it)")
        if assignment.role == Assignment.Role.LEAD:
            transition(
                ticket=ticket,
                to=Status.ACCEPTED,
                kind=EventKind.ACCEPTED,
                actor=actor,
                unit=assignment.unit,
            )
        else:
            if ticket.status not in (Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS):
                raise Conflict("工单当前状态不能签收 (cannot accept in this status)")
            record_event(ticket=ticket, kind=EventKind.ACCEPTED, actor=actor, unit=assignment.unit)
        assignment.accepted_at = timezone.now()
        assignment.save(update_fields=["accepted_at"])
    return ticket


def ticket_contact(*, ticket_id: int, actor, note: str) -> Ticket:
    """The unit reached the citizen (响应); the lead unit's contact starts the work."""
    note = _text(note, field="note", label="联系情况", minimum=2)
    with transaction.atomic():
        ticket = _locked(ticket_id, actor)
        assignment = _own_assignment(ticket, actor)
        if assignment.accepted_at is None:
            raise Conflict("请先签收工单 (accept the ticket first)")
        if assignment.role == Assignment.Role.LEAD and ticket.status == Status.ACCEPTED:
            transition(
                ticket=ticket,
                to=Status.IN_PROGRESS,
                kind=EventKind.CONTACTED,
                actor=actor,
                unit=assignment.unit,
                reason=note,
                public=True,
            )
        else:
            if ticket.status not in (Status.ACCEPTED, Status.IN_PROGRESS):
                raise Conflict("工单当前状态不能登记联系 (cannot record contact now)")
            record_event(
                ticket=ticket,
                kind=EventKind.CONTACTED,
                actor=actor,
                unit=assignment.unit,
                reason=note,
            )
        if assignment.contacted_at is None:
            assignment.contacted_at = timezone.now()
            assignment.save(update_fields=["contacted_at"])
    return ticket


def ticket_add_progress(*, ticket_id: int, actor, note: str, public: bool = False) -> TicketEvent:
    note = _text(note, field="note", label="办理进展", minimum=2)
    with transaction.atomic():
        ticket = _locked(ticket_id, actor)
        assignment = _own_assignment(ticket, actor)
        if ticket.status not in (Status.ACCEPTED, Status.IN_PROGRESS):
            raise Conflict("工单当前状态不能登记进展 (cannot add progress now)")
        return record_event(
            ticket=ticket,
            kind=EventKind.PROGRESS,
            actor=actor,
            unit=assignment.unit,
            reason=note,
            public=public,
        )


def ticket_request_return(*, ticket_id: int, actor, reason: str) -> ReturnRequest:
    reason = _text(reason, field="reason", label="退单理由", minimum=5)
    with transaction.atomic():
        ticket = _locked(ticket_id, actor)
        assignment = _require_lead(ticket, actor)
        window = timedelta(days=settings.RETURN_WINDOW_DAYS)
        if timezone.now() > assignment.dispatched_at + window:
            raise Conflict(
                f"已超过退单时限（派单后 {settings.RETURN_WINDOW_DAYS} 天） "
                "(the return window has passed)"
            )
        if ticket.reopen_count:
            # 首接负责制: a reopened ticket stays with the unit that first handled it.
            raise Conflict("重办工单不能退单 (a reopened ticket cannot be returned)")
        previous = ticket.status
        transition(
            ticket=ticket,
            to=Status.RETURN_REQUESTED,
            kind=EventKind.RETURN_REQUESTED,
            actor=actor,
            unit=assignment.unit,
            reason=reason,
            public=False,
        )
        return ReturnRequest.objects.create(
            ticket=ticket,
            unit=assignment.unit,
            reason=reason,
            previous_status=previous,
            requested_by=actor,
            requested_at=timezone.now(),
        )


def ticket_decide_return(*, ticket_id: int, actor, approve: bool, note: str = "") -> Ticket:
    """Approved: back to triage (the unit's refusal is a label). Rejected: back to the unit."""
    require_role(actor, *CENTER_DECIDERS)
    note = _text(note, field="note", label="驳回理由", minimum=0 if approve else 2)
    with transaction.atomic():
        ticket = _locked(ticket_id, actor)
        request = ticket.return_requests.filter(status=RequestStatus.PENDING).first()
        if request is None:
            raise Conflict("没有待审核的退单申请 (no pending return request)")
        now = timezone.now()
        if approve:
            transition(
                ticket=ticket,
                to=Status.TRIAGE,
                kind=EventKind.RETURN_APPROVED,
                actor=actor,
                unit=request.unit,
                reason=note,
                public=False,
                changes={
                    "suggestion": {**ticket.suggestion, "returned_by": request.unit.name},
                    "category_confirmed": False,
                },
            )
            ticket.assignments.filter(active=True).update(active=False)
        else:
            transition(
                ticket=ticket,
                to=request.previous_status,
                kind=EventKind.RETURN_REJECTED,
                actor=actor,
                unit=request.unit,
                reason=note,
                public=False,
            )
            # The accept/contact clocks run again: the next sweep records what they show.
            light_state_recheck(ticket_id=ticket.pk, at=now)
        request.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
        request.decided_by, request.decided_at, request.decision_note = actor, now, note
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return ticket


def ticket_request_extension(
    *, ticket_id: int, actor, reason: str, requested_due_at: datetime
) -> ExtensionRequest:
    reason = _text(reason, field="reason", label="延期理由", minimum=5)
    with transaction.atomic():
        ticket = _locked(ticket_id, actor)
        assignment = _require_lead(ticket, actor)
        if ticket.status not in (Status.ACCEPTED, Status.IN_PROGRESS):
            raise Conflict("工单当前状态不能申请延期 (cannot ask for an extension now)")
        current = ticket.resolve_due_at or timezone.now()
        if requested_due_at <= current:
            message = "延期后的时限须晚于当前办结时限 (must be later than the current due time)"
            raise InvalidInput(message, fields={"requested_due_at": [message]})
        if requested_due_at > current + MAX_EXTENSION:
            message = "延期不能超过 30 天 (at most 30 days)"
            raise InvalidInput(message, fields={"requested_due_at": [message]})
        if ticket.extension_requests.filter(status=RequestStatus.PENDING).exists():
            raise Conflict("已有待审核的延期申请 (an extension request is already pending)")
        request = ExtensionRequest.objects.create(
            ticket=ticket,
            unit=assignment.unit,
            reason=reason,
            requested_due_at=requested_due_at,
            requested_by=actor,
            requested_at=timezone.now(),
        )
        record_event(
            ticket=ticket,
            kind=EventKind.EXTENSION_REQUESTED,
            actor=actor,
            unit=assignment.unit,
            reason=reason,
            data={"requested_due_at": requested_due_at.isoformat()},
        )
        return request


def ticket_decide_extension(*, ticket_id: int, actor, approve: bool, note: str = "") -> Ticket:
    """Approval moves the resolve due time; the event keeps the original."""
    require_role(actor, *CENTER_DECIDERS)
    note = _text(note, field="note", label="驳回理由", minimum=0 if approve else 2)
    with transaction.atomic():
        ticket = _locked(ticket_id, actor)
        request = ticket.extension_requests.filter(status=RequestStatus.PENDING).first()
        if request is None:
            raise Conflict("没有待审核的延期申请 (no pending extension request)")
        data = {
            "original_due_at": ticket.resolve_due_at.isoformat() if ticket.resolve_due_at else None,
            "requested_due_at": request.requested_due_at.isoformat(),
        }
        if approve:
            if ticket.status not in (Status.ACCEPTED, Status.IN_PROGRESS):
                raise Conflict("工单已不在办理中 (the ticket is no longer being worked on)")
            extended = resolve_extended(
                urgency=ticket.urgency,
                category=ticket.category,
                new_due=request.requested_due_at,
                now=timezone.now(),
            )
            Ticket.objects.filter(pk=ticket.pk).update(**extended)
            for name, value in extended.items():
                setattr(ticket, name, value)
            light_state_recheck(ticket_id=ticket.pk, at=timezone.now(), reset=["resolve"])
        record_event(
            ticket=ticket,
            kind=EventKind.EXTENSION_APPROVED if approve else EventKind.EXTENSION_REJECTED,
            actor=actor,
            unit=request.unit,
            reason=note,
            data=data,
        )
        request.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
        request.decided_by, request.decided_at, request.decision_note = actor, timezone.now(), note
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return ticket


def ticket_resolve(*, ticket_id: int, actor, reply: str) -> Ticket:
    reply = _text(reply, field="reply", label="办结答复", minimum=10)
    with transaction.atomic():
        ticket = _locked(ticket_id, actor)
        assignment = _require_lead(ticket, actor)
        now = timezone.now()
        changes = {
            "reply": reply,
            "resolved_at": now,
            "follow_up_due_at": follow_up_due_at(
                urgency=ticket.urgency, start=now, category=ticket.category
            ),
            **pause_close_on_resolve(ticket=ticket, actor=actor, at=now),
        }
        transition(
            ticket=ticket,
            to=Status.RESOLVED,
            kind=EventKind.RESOLVED,
            actor=actor,
            unit=assignment.unit,
            reason=reply,
            changes=changes,
            at=now,
        )
        _enter_follow_up(ticket, at=now)
    return ticket


def _enter_follow_up(ticket: Ticket, *, at: datetime) -> None:
    """A resolved ticket enters follow-up at once (DESIGN.md: the citizen, not the unit, says
    whether it was solved). The survey is another app's task, named in settings because
    workorders imports no other app, and queued only once the resolution is committed."""
    transition(ticket=ticket, to=Status.FOLLOW_UP, kind=EventKind.FOLLOW_UP_STARTED, at=at)
    ticket_id = ticket.pk
    transaction.on_commit(lambda: enqueue_resolved(ticket_id))


def enqueue_resolved(ticket_id: int) -> bool:
    """Queue the follow-up survey; never raise: the resolution is stored, and the follow-up
    sweep opens what a broker outage lost."""
    try:
        celery_app.send_task(settings.TICKET_RESOLVED_TASK, args=[ticket_id])
    except Exception:
        logger.warning("broker unavailable: the survey of ticket %s waits for the sweep", ticket_id)
        return False
    return True


# --- the center's decisions without a unit ------------------------------------------------------


def ticket_answer_directly(*, ticket_id: int, actor, reply: str) -> Ticket:
    """An operator answers an inquiry on the spot (直接答复): resolved with no unit."""
    require_role(actor, *INTAKE_ROLES)
    reply = _text(reply, field="reply", label="答复内容", minimum=5)
    with transaction.atomic():
        ticket = _locked(ticket_id, actor)
        now = timezone.now()
        transition(
            ticket=ticket,
            to=Status.RESOLVED,
            kind=EventKind.ANSWERED,
            actor=actor,
            reason=reply,
            changes={
                "reply": reply,
                "resolved_at": now,
                "follow_up_due_at": follow_up_due_at(
                    urgency=ticket.urgency, start=now, category=ticket.category
                ),
            },
            at=now,
        )
        _enter_follow_up(ticket, at=now)
    return ticket


def ticket_merge(*, ticket_id: int, master_number: str, actor, reason: str = "") -> Ticket:
    """Merge a duplicate into its master; the citizen will see the master's result."""
    require_role(actor, *INTAKE_ROLES)
    reason = _text(reason, field="reason", label="合并说明", minimum=0)
    master = Ticket.objects.filter(number=(master_number or "").strip()).first()
    if master is None:
        message = "主工单编号不存在 (master ticket not found)"
        raise InvalidInput(message, fields={"master_number": [message]})
    if master.pk == ticket_id:
        message = "不能与自身合并 (cannot merge a ticket into itself)"
        raise InvalidInput(message, fields={"master_number": [message]})
    if master.status in (Status.MERGED, Status.INVALID):
        message = "主工单已合并或不予受理 (the master is merged or invalid)"
        raise InvalidInput(message, fields={"master_number": [message]})
    with transaction.atomic():
        ticket = _locked(ticket_id, actor)
        transition(
            ticket=ticket,
            to=Status.MERGED,
            kind=EventKind.MERGED,
            actor=actor,
            reason=reason,
            data={"master": master.number},
            changes={"merged_into": master, "closed_at": timezone.now()},
        )
    return ticket


def ticket_mark_invalid(*, ticket_id: int, actor, reason_code: str, note: str = "") -> Ticket:
    require_role(actor, *INTAKE_ROLES)
    note = _text(note, field="note", label="说明", minimum=0)
    if reason_code not in InvalidReason.values:
        message = "请选择不予受理的原因 (choose a reason)"
        raise InvalidInput(message, fields={"reason_code": [message]})
    with transaction.atomic():
        ticket = _locked(ticket_id, actor)
        transition(
            ticket=ticket,
            to=Status.INVALID,
            kind=EventKind.INVALIDATED,
            actor=actor,
            reason=note.strip() or InvalidReason(reason_code).label,
            data={"reason_code": reason_code},
            changes={"invalid_reason": reason_code, "closed_at": timezone.now()},
        )
    return ticket


# --- follow-up ---------------------------------------------------------------------------------

FOLLOW_UP_ROLES = (Role.FOLLOWUP_AGENT, Role.DISPATCHER)


def ticket_start_follow_up(*, ticket_id: int, actor) -> Ticket:
    """For tickets left "resolved" (resolving now enters follow-up by itself)."""
    require_role(actor, *FOLLOW_UP_ROLES)
    with transaction.atomic():
        ticket = _locked(ticket_id, actor)
        transition(
            ticket=ticket, to=Status.FOLLOW_UP, kind=EventKind.FOLLOW_UP_STARTED, actor=actor
        )
    return ticket


def ticket_reopen(*, ticket_id: int, actor, reason: str) -> Ticket:
    """The citizen says it is not solved: back to the same lead unit, which accepts again."""
    require_role(actor, *FOLLOW_UP_ROLES)
    reason = _text(reason, field="reason", label="重办原因", minimum=2)
    with transaction.atomic():
        ticket = _locked(ticket_id, actor)
        lead = _lead(ticket)
        if lead is None:
            raise Conflict("直接答复的工单无承办单位，无法重办 (no lead unit to reopen to)")
        now = timezone.now()
        times = due_times(urgency=ticket.urgency, start=now, category=ticket.category)
        transition(
            ticket=ticket,
            to=Status.DISPATCHED,
            kind=EventKind.REOPENED,
            actor=actor,
            unit=lead.unit,
            reason=reason,
            changes={"reopen_count": ticket.reopen_count + 1, "resolved_at": None, **times},
            at=now,
        )
        light_state_restart(ticket_id=ticket.pk, times=times)
        lead.accepted_at = lead.contacted_at = None
        lead.dispatched_at = now
        lead.save(update_fields=["accepted_at", "contacted_at", "dispatched_at"])
    return ticket


def ticket_close(*, ticket_id: int, actor, note: str = "") -> Ticket:
    """Close after follow-up. ``actor=None`` is the system: the follow-up sweep when the window
    ends, or the citizen's survey answer that it was solved."""
    if actor is not None:
        require_role(actor, *FOLLOW_UP_ROLES)
    note = _text(note, field="note", label="归档说明", minimum=0)
    with transaction.atomic():
        ticket = _locked(ticket_id, actor) if actor is not None else _system_locked(ticket_id)
        transition(
            ticket=ticket,
            to=Status.CLOSED,
            kind=EventKind.CLOSED,
            actor=actor,
            reason=note.strip(),
            changes={"closed_at": timezone.now()},
        )
    return ticket


# --- privacy -----------------------------------------------------------------------------------


def ticket_reveal_contact(*, ticket_id: int, actor) -> dict:
    """Unit staff see the citizen masked; revealing the full contact is a logged action."""
    with transaction.atomic():
        ticket = _locked(ticket_id, actor)
        assignment = _own_assignment(ticket, actor)
        if ticket.confidential:
            raise NotAllowed(
                "诉求人要求保密，不能查看联系方式 (the citizen asked for confidentiality)"
            )
        record_event(
            ticket=ticket, kind=EventKind.CONTACT_REVEALED, actor=actor, unit=assignment.unit
        )
    return {"name": ticket.citizen_name, "phone": ticket.citizen_phone}
