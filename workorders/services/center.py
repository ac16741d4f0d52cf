"""The center's decisions on a ticket: triage, dispatch (by a dispatcher or the auto-dispatch
worker), and the endings without a unit (answered directly, merged, invalid)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.lib.errors import Conflict, InvalidInput
from workorders.access import require_role, ticket_get_for_user
from workorders.deadline_policies import dispatch_due_times, due_times, follow_up_due_at
from workorders.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Assignment,
    Category,
    EventKind,
    InvalidReason,
    Region,
    RequestType,
    Status,
    Ticket,
    Unit,
    Urgency,
)
from workorders.models.places import may_lead
from workorders.services.deadline_sweep import light_state_dispatch, light_state_restart
from workorders.services.follow_up import enter_follow_up
from workorders.services.guards import (
    CENTER_DECIDERS,
    clean_text,
    lead_assignment,
    ticket_locked,
    ticket_locked_by_system,
)
from workorders.services.intake import INTAKE_ROLES
from workorders.transitions import record_event, transition

# --- classification and dispatch ---------------------------------------------------------------


def _predicted_request_type(ticket: Ticket, suggestion: dict | None) -> dict:
    """The classifier's request type for a ticket that has none: what an operator chose at
    intake (or corrected since) is kept. Web and app submissions come without one."""
    predicted = (suggestion or {}).get("request_type", "")
    if ticket.request_type or predicted not in RequestType.values:
        return {}
    return {"request_type": predicted}


def ticket_send_to_triage(*, ticket_id: int, suggestion: dict, reason: str, actor=None) -> Ticket:
    """The classifier was unsure: a dispatcher decides, with the suggestions pre-filled. The
    dispatch clock runs from registration (the citizen has waited since then); set here, not at
    intake, so the hot path stays at three statements (a ticket still registered after a minute
    gets it from the sweep, deadline_sweep.dispatch_clock_backfill)."""
    with transaction.atomic():
        ticket = ticket_locked_by_system(ticket_id)
        times = {}
        if ticket.dispatch_due_at is None:
            times = dispatch_due_times(urgency=ticket.urgency, start=ticket.registered_at)
        transition(
            ticket=ticket,
            to=Status.TRIAGE,
            kind=EventKind.TRIAGED,
            actor=actor,
            reason=reason,
            data={"suggestion": suggestion},
            public=False,
            changes={
                "suggestion": {**ticket.suggestion, **suggestion},
                **_predicted_request_type(ticket, suggestion),
                **times,
            },
        )
        if times:
            light_state_dispatch(ticket_id=ticket.pk, times=times)
    return ticket


def _request_type_change(ticket: Ticket, *, actor, request_type: str, at=None) -> bool:
    """Set the ticket's request type and record the correction; False when it is unchanged.
    The caller holds the ticket's lock and saves nothing else for it."""
    if request_type not in RequestType.values:
        message = _("诉求类型无效")
        raise InvalidInput(message, fields={"request_type": [message]})
    previous = ticket.request_type
    if previous == request_type:
        return False
    ticket.request_type = request_type
    ticket.save(update_fields=["request_type"])
    record_event(
        ticket=ticket,
        kind=EventKind.REQUEST_TYPE_CHANGED,
        actor=actor,
        # No reason text: the timeline names the types in the reader's language (from data).
        data={
            "from": previous,
            "to": request_type,
            # What the classifier said, so that corrections measure it.
            "predicted": ticket.suggestion.get("request_type", ""),
        },
        at=at,
    )
    return True


def ticket_fill_predicted_request_type(
    *, ticket_id: int, request_type: str, confidence: float
) -> bool:
    """The classifier's request type for a ticket still without one (registered before it was
    predicted, or answered before the worker ran); False when it has one by now. Recorded as a
    ``classified`` event: the timeline says who decided it."""
    if request_type not in RequestType.values:
        raise InvalidInput(_("诉求类型无效"), fields={"request_type": [_("诉求类型无效")]})
    with transaction.atomic():
        ticket = ticket_locked_by_system(ticket_id)
        if ticket.request_type:
            return False
        ticket.request_type = request_type
        ticket.suggestion = {
            **ticket.suggestion,
            "request_type": request_type,
            "request_type_confidence": round(confidence, 3),
        }
        ticket.save(update_fields=["request_type", "suggestion"])
        record_event(
            ticket=ticket,
            kind=EventKind.CLASSIFIED,
            data={"request_type": request_type, "request_type_confidence": round(confidence, 3)},
        )
    return True


def ticket_set_request_type(*, ticket_id: int, actor, request_type: str) -> Ticket:
    """An operator or dispatcher corrects the request type (咨询/求助/投诉…), on the timeline."""
    require_role(actor, *INTAKE_ROLES)
    with transaction.atomic():
        ticket = ticket_locked(ticket_id, actor)
        if ticket.status in FINAL_STATUSES:
            raise Conflict(
                _("工单已%(status)s，不能更正诉求类型") % {"status": ticket.get_status_display()}
            )
        _request_type_change(ticket, actor=actor, request_type=request_type)
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
    version: str = "",
    request_type: str = "",
) -> Ticket:
    """Dispatch (or re-dispatch before acceptance) to a lead unit and any assisting units.

    ``actor=None`` is the auto-dispatch of the worker; a person must be a dispatcher, and what a
    person chooses is a confirmed label for training the classifier. ``version``: the
    ``Ticket.version`` the dispatcher saw; if someone changed the ticket since (two dispatchers
    at once), a Conflict naming the current lead unit instead of silently overwriting it.
    ``request_type``: the dispatcher's correction (recorded on the timeline); without it the
    classifier's prediction fills an empty request type.
    """
    if actor is not None:
        require_role(actor, *CENTER_DECIDERS)
    reason = clean_text(reason, field="reason", label="派单说明", minimum=0)
    assist_units = list(assist_units or [])
    if not lead_unit.is_active or any(not unit.is_active for unit in assist_units):
        field = "lead_unit" if not lead_unit.is_active else "assist_units"
        raise InvalidInput(_("所选单位已停用"), fields={field: [_("已停用")]})
    if urgency is not None and urgency not in Urgency.values:
        raise InvalidInput(_("紧急程度无效"), fields={"urgency": ["无效"]})
    with transaction.atomic():
        ticket = ticket_locked(ticket_id, actor) if actor else ticket_locked_by_system(ticket_id)
        if actor is None and ticket.status != Status.REGISTERED:
            # The worker only dispatches what is still registered, checked under the lock: two
            # deliveries of the same task (acks_late, the stale sweep) would otherwise both pass
            # their early check and the second would re-dispatch (dispatched → dispatched).
            raise Conflict(_("工单已被处理"))
        if version and version != ticket.version:
            raise _changed_meanwhile(ticket)
        now = timezone.now()
        changes = {
            "category": category or ticket.category,
            "region": region or ticket.region,
            "urgency": urgency or ticket.urgency,
        }
        if actor is not None:
            changes["category_confirmed"] = changes["category"] is not None
            if not may_lead(lead_unit, changes["category"]):
                # The worker never gets here with a community (dispatch filters its choices).
                message = _(
                    "社区/村只能主办管理员允许的分类，该分类请派给街道（乡镇），由街道转派社区"
                )
                raise InvalidInput(message, fields={"lead_unit": [message]})
        if suggestion:
            changes["suggestion"] = {**ticket.suggestion, **suggestion}
        if request_type and actor is not None:
            _request_type_change(ticket, actor=actor, request_type=request_type, at=now)
        else:
            changes.update(_predicted_request_type(ticket, suggestion))
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
                # The inbox delivers the notice to each of them (workorders.inbox).
                "assist_unit_ids": [unit.pk for unit in assist_units if unit.pk != lead_unit.pk],
                "category": str(changes["category"] or ""),
                "auto": actor is None,
            },
            changes=changes,
            at=now,
        )
        _assign(ticket, lead_unit, assist_units, now)
        light_state_restart(ticket_id=ticket.pk, times=changes)
    return ticket


def _changed_meanwhile(ticket: Ticket) -> Conflict:
    lead = lead_assignment(ticket)
    message = _(
        "工单已被他人改动：当前状态为“%(status)s”，主办单位为%(unit)s。请确认后再决定是否重新派单"
    ) % {
        "status": ticket.get_status_display(),
        "unit": lead.unit.name if lead else _("（未派单）"),
    }
    return Conflict(message, fields={"version": [message]})


# --- the center's decisions without a unit ------------------------------------------------------


def ticket_answer_directly(*, ticket_id: int, actor, reply: str) -> Ticket:
    """An operator answers an inquiry on the spot (直接答复): resolved with no unit."""
    require_role(actor, *INTAKE_ROLES)
    reply = clean_text(reply, field="reply", label="答复内容", minimum=5)
    with transaction.atomic():
        ticket = ticket_locked(ticket_id, actor)
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
        enter_follow_up(ticket, at=now)
    return ticket


def _master_for_merge(ticket_id: int, master_number: str) -> Ticket:
    """The master a duplicate may be merged into: another ticket, still open or answered.

    A closed, invalid or merged master would leave the merged citizens waiting for a reply that
    never comes."""
    master = Ticket.objects.filter(number=(master_number or "").strip()).first()
    if master is None:
        message = _("主工单编号不存在")
        raise InvalidInput(message, fields={"master_number": [message]})
    if master.pk == ticket_id:
        message = _("不能与自身合并")
        raise InvalidInput(message, fields={"master_number": [message]})
    if master.status in FINAL_STATUSES:
        message = _("主工单%(number)s的状态为“%(status)s”，不能合并到它") % {
            "number": master.number,
            "status": master.get_status_display(),
        }
        raise InvalidInput(message, fields={"master_number": [message]})
    return master


def _refuse_while_master(ticket: Ticket) -> None:
    """A master may not end without a reply (invalid, or merged in turn) while duplicates wait
    for its result: hand them back first (ticket_hand_back_duplicates)."""
    waiting = ticket.duplicates.filter(status=Status.MERGED).count()
    if waiting:
        raise Conflict(
            _("已有 %(count)s 张重复工单合并到本工单，等待它的答复：请先退回这些工单")
            % {"count": waiting}
        )


def ticket_merge_preview(*, ticket_id: int, actor, master_number: str, reason: str = "") -> Ticket:
    """The master the merge would go to, for the page to show before it is confirmed; the same
    checks as ``ticket_merge`` (which checks again under the lock)."""
    require_role(actor, *INTAKE_ROLES)
    clean_text(reason, field="reason", label="合并说明", minimum=0)
    ticket = ticket_get_for_user(user=actor, pk=ticket_id)
    master = _master_for_merge(ticket.pk, master_number)
    _refuse_while_master(ticket)
    return master


def ticket_merge(*, ticket_id: int, master_number: str, actor, reason: str = "") -> Ticket:
    """Merge a duplicate into its master; the citizen will see the master's result."""
    require_role(actor, *INTAKE_ROLES)
    reason = clean_text(reason, field="reason", label="合并说明", minimum=0)
    master = _master_for_merge(ticket_id, master_number)
    with transaction.atomic():
        # Both rows, in id order (two merges in opposite directions must not deadlock); the
        # master's state is checked again under the lock.
        list(
            Ticket.objects.select_for_update().filter(pk__in=[ticket_id, master.pk]).order_by("pk")
        )
        ticket = ticket_locked(ticket_id, actor)
        master = _master_for_merge(ticket_id, master_number)
        _refuse_while_master(ticket)
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


def ticket_hand_back_duplicates(*, ticket_id: int, actor, note: str = "") -> Ticket:
    """Undo the merges into this master: each duplicate goes back to triage, to be handled on its
    own (and the master may then be marked invalid). Returns the master."""
    require_role(actor, *INTAKE_ROLES)
    reason = clean_text(note, field="note", label="说明", minimum=0)
    with transaction.atomic():
        master = ticket_locked(ticket_id, actor)
        duplicates = list(
            Ticket.objects.select_for_update()
            .filter(merged_into=master, status=Status.MERGED)
            .order_by("pk")
        )
        if not duplicates:
            raise Conflict(_("没有合并到本工单的重复工单"))
        now = timezone.now()
        for duplicate in duplicates:
            # Handled on its own from now: its dispatch clock starts now.
            dispatch_times = dispatch_due_times(urgency=duplicate.urgency, start=now)
            transition(
                ticket=duplicate,
                to=Status.TRIAGE,
                kind=EventKind.UNMERGED,
                actor=actor,
                reason=reason,
                data={"master": master.number},
                changes={"merged_into": None, "closed_at": None, **dispatch_times},
                at=now,
            )
            light_state_dispatch(ticket_id=duplicate.pk, times=dispatch_times)
        record_event(
            ticket=master,
            kind=EventKind.UNMERGED,
            actor=actor,
            reason=reason,
            data={"duplicates": [duplicate.number for duplicate in duplicates]},
            at=now,
        )
    return master


def ticket_mark_invalid(*, ticket_id: int, actor, reason_code: str, note: str = "") -> Ticket:
    require_role(actor, *INTAKE_ROLES)
    note = clean_text(note, field="note", label="说明", minimum=0)
    if reason_code not in InvalidReason.values:
        message = _("请选择不予受理的原因")
        raise InvalidInput(message, fields={"reason_code": [message]})
    with transaction.atomic():
        ticket = ticket_locked(ticket_id, actor)
        _refuse_while_master(ticket)
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


def ticket_add_call(*, ticket_id: int, actor, text: str) -> Ticket:
    """A caller rings again about an open ticket: the operator adds the call to it as a
    supplement instead of registering a second ticket (the caller's history on the desk)."""
    require_role(actor, *INTAKE_ROLES)
    text = clean_text(text, field="text", label=_("来电补充内容"), minimum=2, maximum=2000)
    with transaction.atomic():
        ticket = ticket_locked(ticket_id, actor)
        if ticket.status not in OPEN_STATUSES:
            raise Conflict(_("工单已办结或归档，请登记新工单"))
        record_event(
            ticket=ticket,
            kind=EventKind.SUPPLEMENTED,
            actor=actor,
            reason=text,
            data={"channel": "phone"},
            public=True,
        )
    return ticket
