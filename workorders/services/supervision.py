"""Supervision (督办): the center presses the lead unit of a late ticket, the unit answers."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.lib.errors import Conflict
from workorders.access import require_role, require_unit
from workorders.models import RESOLVE_RUNNING, Assignment, EventKind, Role, Supervision
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
