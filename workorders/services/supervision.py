"""Supervision (督办): the center presses the lead unit of a late ticket, the unit answers; and
the district's press (区政府督促): a district government presses one of its streets/towns on a
ticket sent straight to it (the district is copied on those, access.visible_units). Both are a
Supervision notice the pressed unit acknowledges the same way; a press counts on the street's
monthly figures (the PRESSED timeline events, with unit= the street)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.lib.errors import Conflict, InvalidInput, NotAllowed
from workorders.access import require_role, require_unit
from workorders.models import (
    OPEN_STATUSES,
    RESOLVE_RUNNING,
    Assignment,
    EventKind,
    Role,
    Supervision,
    Unit,
)
from workorders.services.guards import clean_text, ticket_locked
from workorders.transitions import record_event

CENTER_SUPERVISORS = (Role.DISPATCHER, Role.LEADER)


def ticket_supervise(*, ticket_id: int, actor, note: str) -> Supervision:
    """The center presses the lead unit: a notice it must acknowledge, on the record; the event
    is an inbox notice, sent through the notification backends too (workorders.inbox)."""
    require_role(actor, *CENTER_SUPERVISORS)
    note = clean_text(note, field="note", label="督办意见", minimum=2)
    with transaction.atomic():
        ticket = ticket_locked(ticket_id, actor)
        if ticket.status not in RESOLVE_RUNNING:
            raise Conflict(_("只能督办承办中的工单"))
        lead = ticket.assignments.filter(active=True, role=Assignment.Role.LEAD).first()
        if lead is None:
            raise Conflict(_("工单没有主办单位"))
        now = timezone.now()
        supervision = Supervision.objects.create(
            ticket=ticket, unit=lead.unit, note=note, created_by=actor, created_at=now
        )
        record_event(
            ticket=ticket,
            kind=EventKind.SUPERVISED,
            actor=actor,
            unit=lead.unit,
            reason=note,
            data={"supervision_id": supervision.pk},
            at=now,
        )
    return supervision


def ticket_press(*, ticket_id: int, actor, note: str) -> Supervision:
    """A district government presses the street/town handling the ticket (区政府督促): a notice
    the street must acknowledge, on the timeline with unit= the street, notified."""
    district = require_unit(actor)
    if district.kind != Unit.Kind.DISTRICT:
        raise NotAllowed(_("仅区政府可以督促街道/乡镇"))
    note = clean_text(note, field="note", label="督促意见", minimum=2)
    with transaction.atomic():
        # Through the access funnel: another district's ticket is a 404.
        ticket = ticket_locked(ticket_id, actor)
        if ticket.status not in OPEN_STATUSES:
            message = _("工单已办结或已归档，不能再督促")
            raise InvalidInput(message, fields={"status": [message]})
        # The street of this district handling it: the lead if it is one, else an assisting one.
        part = (
            ticket.assignments.filter(active=True, unit__parent=district)
            .select_related("unit")
            .order_by("-role", "pk")  # "lead" sorts after "assist": the lead first
            .first()
        )
        if part is None:
            message = _("该工单没有本区的街道/乡镇承办，无需督促")
            raise InvalidInput(message, fields={"status": [message]})
        street = part.unit
        now = timezone.now()
        supervision = Supervision.objects.create(
            ticket=ticket,
            unit=street,
            source=Supervision.Source.DISTRICT,
            by_unit=district,
            note=note,
            created_by=actor,
            created_at=now,
        )
        record_event(
            ticket=ticket,
            kind=EventKind.PRESSED,
            actor=actor,
            unit=street,
            reason=note,
            data={
                "supervision_id": supervision.pk,
                "district_id": district.pk,
                "district": district.name,
            },
            at=now,
        )
    return supervision


def ticket_acknowledge_supervision(*, ticket_id: int, actor, response: str) -> list[Supervision]:
    """The unit answers the open 督办 notices on a ticket (what it is doing about it)."""
    response = clean_text(response, field="response", label="督办回复", minimum=2)
    unit = require_unit(actor)
    with transaction.atomic():
        ticket = ticket_locked(ticket_id, actor)
        now = timezone.now()
        open_notices = list(
            ticket.supervisions.select_for_update().filter(unit=unit, acknowledged_at__isnull=True)
        )
        if not open_notices:
            raise Conflict(_("没有待回复的督办"))
        for notice in open_notices:
            notice.acknowledged_by, notice.acknowledged_at, notice.response = actor, now, response
            notice.save(update_fields=["acknowledged_by", "acknowledged_at", "response"])
        record_event(
            ticket=ticket,
            kind=EventKind.SUPERVISION_ACKNOWLEDGED,
            actor=actor,
            unit=unit,
            reason=response,
            data={"supervision_ids": [n.pk for n in open_notices]},
            at=now,
        )
    return open_notices
