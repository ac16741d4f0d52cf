"""A resolved ticket's follow-up as far as workorders knows it: entering it, reopening, closing.

The survey and the calls belong to the app that plugs follow-up in; it calls these services.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.celery import app as celery_app
from hotline.lib.errors import Conflict
from workorders.access import require_role
from workorders.deadline_policies import due_times
from workorders.models import EventKind, Role, Status, Ticket
from workorders.services.deadline_sweep import light_state_restart
from workorders.services.guards import (
    clean_text,
    lead_assignment,
    ticket_locked,
    ticket_locked_by_system,
)
from workorders.services.queueing import mark_enqueue_failed
from workorders.transitions import transition

logger = logging.getLogger(__name__)


FOLLOW_UP_ROLES = (Role.FOLLOW_UP_AGENT, Role.DISPATCHER)


def ticket_reopen(*, ticket_id: int, actor, reason: str) -> Ticket:
    """The citizen says it is not solved: back to the same lead unit, which accepts again."""
    require_role(actor, *FOLLOW_UP_ROLES)
    reason = clean_text(reason, field="reason", label="重办原因", minimum=2)
    with transaction.atomic():
        ticket = ticket_locked(ticket_id, actor)
        lead = lead_assignment(ticket)
        if lead is None:
            raise Conflict(_("直接答复的工单无承办单位，无法重办"))
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
    note = clean_text(note, field="note", label="归档说明", minimum=0)
    with transaction.atomic():
        ticket = (
            ticket_locked(ticket_id, actor)
            if actor is not None
            else ticket_locked_by_system(ticket_id)
        )
        transition(
            ticket=ticket,
            to=Status.CLOSED,
            kind=EventKind.CLOSED,
            actor=actor,
            reason=note.strip(),
            changes={"closed_at": timezone.now()},
        )
    return ticket


def enter_follow_up(ticket: Ticket, *, at: datetime) -> None:
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
        mark_enqueue_failed(ticket_id, status=Status.FOLLOW_UP)
        return False
    return True
