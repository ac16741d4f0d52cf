"""Every action on a ticket after intake. Each is atomic, checks who may do it, and records itself.

Status changes go through ``workorders.transitions.transition``; this module decides who may ask
for them and what else changes with them (assignments, due times, requests).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.lib.errors import Conflict, InvalidInput, NotAllowed
from workorders.access import require_role
from workorders.deadline_policies import dispatch_due_times, follow_up_due_at, resolve_extended
from workorders.models import (
    Assignment,
    EventKind,
    ExtensionRequest,
    RequestStatus,
    ReturnRequest,
    Status,
    Ticket,
    TicketEvent,
)
from workorders.services.deadline_sweep import light_state_dispatch, light_state_recheck
from workorders.services.follow_up import enter_follow_up
from workorders.services.guards import (
    CENTER_DECIDERS,
    clean_text,
    own_assignment,
    require_lead,
    ticket_locked,
)
from workorders.services.hand_offs import (
    hand_off_accepted,
    hand_off_close_on_resolve,
    open_hand_off,
)
from workorders.services.pauses import pause_close_on_resolve
from workorders.services.visits import field_visit_missing
from workorders.transitions import record_event, transition

# An extension may add at most this much to the current resolve due time (Shandong: 10 days).
MAX_EXTENSION = timedelta(days=30)


# --- the unit's work ----------------------------------------------------------------------------


def ticket_accept(*, ticket_id: int, actor) -> Ticket:
    with transaction.atomic():
        ticket = ticket_locked(ticket_id, actor)
        assignment = own_assignment(ticket, actor)
        if assignment.accepted_at is not None:
            raise Conflict(_("您的单位已签收该工单"))
        now = timezone.now()
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
                raise Conflict(_("工单当前状态不能签收"))
            record_event(ticket=ticket, kind=EventKind.ACCEPTED, actor=actor, unit=assignment.unit)
            if assignment.role == Assignment.Role.COMMUNITY:
                hand_off_accepted(ticket=ticket, assignment=assignment, actor=actor, at=now)
        assignment.accepted_at = now
        assignment.save(update_fields=["accepted_at"])
    return ticket


def ticket_contact(*, ticket_id: int, actor, note: str) -> Ticket:
    """The unit reached the citizen (响应); the lead unit's contact starts the work."""
    note = clean_text(note, field="note", label="联系情况", minimum=2)
    with transaction.atomic():
        ticket = ticket_locked(ticket_id, actor)
        assignment = own_assignment(ticket, actor)
        if assignment.accepted_at is None:
            raise Conflict(_("请先签收工单"))
        # A community the street handed the ticket to reaches the citizen for the street: that
        # meets the lead's contact deadline and starts the work, as if the street had called.
        on_behalf = assignment.role == Assignment.Role.COMMUNITY
        if ticket.status == Status.ACCEPTED and (
            assignment.role == Assignment.Role.LEAD or on_behalf
        ):
            transition(
                ticket=ticket,
                to=Status.IN_PROGRESS,
                kind=EventKind.CONTACTED,
                actor=actor,
                unit=assignment.unit,
                reason=note,
                public=True,
            )
            if on_behalf:
                ticket.assignments.filter(
                    active=True, role=Assignment.Role.LEAD, contacted_at__isnull=True
                ).update(contacted_at=timezone.now())
        else:
            if ticket.status not in (Status.ACCEPTED, Status.IN_PROGRESS):
                raise Conflict(_("工单当前状态不能登记联系"))
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
    note = clean_text(note, field="note", label="办理进展", minimum=2)
    with transaction.atomic():
        ticket = ticket_locked(ticket_id, actor)
        assignment = own_assignment(ticket, actor)
        if ticket.status not in (Status.ACCEPTED, Status.IN_PROGRESS):
            raise Conflict(_("工单当前状态不能登记进展"))
        return record_event(
            ticket=ticket,
            kind=EventKind.PROGRESS,
            actor=actor,
            unit=assignment.unit,
            reason=note,
            public=public,
        )


def ticket_request_return(*, ticket_id: int, actor, reason: str) -> ReturnRequest:
    reason = clean_text(reason, field="reason", label="退单理由", minimum=5)
    with transaction.atomic():
        ticket = ticket_locked(ticket_id, actor)
        assignment = require_lead(ticket, actor)
        window = timedelta(days=settings.RETURN_WINDOW_DAYS)
        if timezone.now() > assignment.dispatched_at + window:
            raise Conflict(
                _("已超过退单时限（派单后 %(RETURN_WINDOW_DAYS)s 天）")
                % {"RETURN_WINDOW_DAYS": settings.RETURN_WINDOW_DAYS}
            )
        if ticket.reopen_count:
            # 首接负责制: a reopened ticket stays with the unit that first handled it.
            raise Conflict(_("重办工单不能退单"))
        if open_hand_off(ticket) is not None:
            raise Conflict(_("工单已转派社区，请先撤回转派再申请退单"))
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
    note = clean_text(note, field="note", label="驳回理由", minimum=0 if approve else 2)
    with transaction.atomic():
        ticket = ticket_locked(ticket_id, actor)
        request = ticket.return_requests.filter(status=RequestStatus.PENDING).first()
        if request is None:
            raise Conflict(_("没有待审核的退单申请"))
        now = timezone.now()
        if approve:
            dispatch_times = dispatch_due_times(urgency=ticket.urgency, start=now)
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
                    # Back with the center: its dispatch clock starts again.
                    **dispatch_times,
                },
            )
            light_state_dispatch(ticket_id=ticket.pk, times=dispatch_times)
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
    reason = clean_text(reason, field="reason", label="延期理由", minimum=5)
    with transaction.atomic():
        ticket = ticket_locked(ticket_id, actor)
        assignment = require_lead(ticket, actor)
        if ticket.status not in (Status.ACCEPTED, Status.IN_PROGRESS):
            raise Conflict(_("工单当前状态不能申请延期"))
        current = ticket.resolve_due_at or timezone.now()
        if requested_due_at <= current:
            message = _("延期后的时限须晚于当前办结时限")
            raise InvalidInput(message, fields={"requested_due_at": [message]})
        if requested_due_at > current + MAX_EXTENSION:
            message = _("延期不能超过 30 天")
            raise InvalidInput(message, fields={"requested_due_at": [message]})
        if ticket.extension_requests.filter(status=RequestStatus.PENDING).exists():
            raise Conflict(_("已有待审核的延期申请"))
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
    note = clean_text(note, field="note", label="驳回理由", minimum=0 if approve else 2)
    with transaction.atomic():
        ticket = ticket_locked(ticket_id, actor)
        request = ticket.extension_requests.filter(status=RequestStatus.PENDING).first()
        if request is None:
            raise Conflict(_("没有待审核的延期申请"))
        data = {
            "original_due_at": ticket.resolve_due_at.isoformat() if ticket.resolve_due_at else None,
            "requested_due_at": request.requested_due_at.isoformat(),
        }
        if approve:
            if ticket.status not in (Status.ACCEPTED, Status.IN_PROGRESS):
                raise Conflict(_("工单已不在办理中"))
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
    reply = clean_text(reply, field="reply", label="办结答复", minimum=10)
    with transaction.atomic():
        ticket = ticket_locked(ticket_id, actor)
        assignment = require_lead(ticket, actor)
        if field_visit_missing(ticket):
            raise Conflict(
                _("“%(category)s”类工单须先登记上门走访，才能办结")
                % {"category": ticket.category.full_name}
            )
        now = timezone.now()
        changes = {
            "reply": reply,
            "resolved_at": now,
            "follow_up_due_at": follow_up_due_at(
                urgency=ticket.urgency, start=now, category=ticket.category
            ),
            **pause_close_on_resolve(ticket=ticket, actor=actor, at=now),
        }
        hand_off_close_on_resolve(ticket=ticket, actor=actor, at=now)
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
        enter_follow_up(ticket, at=now)
    return ticket


# --- privacy -----------------------------------------------------------------------------------


def ticket_reveal_contact(*, ticket_id: int, actor) -> dict:
    """Unit staff see the citizen masked; revealing the full contact is a logged action."""
    with transaction.atomic():
        ticket = ticket_locked(ticket_id, actor)
        assignment = own_assignment(ticket, actor)
        if ticket.confidential:
            raise NotAllowed(_("诉求人要求保密，不能查看联系方式"))
        record_event(
            ticket=ticket, kind=EventKind.CONTACT_REVEALED, actor=actor, unit=assignment.unit
        )
    return {"name": ticket.citizen_name, "phone": ticket.citizen_phone}
