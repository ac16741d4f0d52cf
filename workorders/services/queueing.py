"""Remembering which tickets' tasks never reached the broker.

A task is sent after the commit that made it necessary (STYLE.md rule 3). When the broker is down
the send fails and the ticket waits; marking it lets the short re-queue sweeps (every few seconds
in CELERY_BEAT_SCHEDULE) re-send exactly those once the broker is back, instead of waiting for the
minute-long stale sweeps, which stay as the safety net for what this mark misses.
"""

import logging

from django.db import DatabaseError
from django.utils import timezone

from workorders.models import Ticket

logger = logging.getLogger(__name__)


def mark_enqueue_failed(ticket_id: int, *, status: str) -> None:
    """Mark the ticket if it is still in ``status``; never raise (the stale sweeps remain)."""
    try:
        Ticket.objects.filter(pk=ticket_id, status=status).update(enqueue_failed_at=timezone.now())
    except DatabaseError:
        logger.warning("could not mark ticket %s for the re-queue sweep", ticket_id, exc_info=True)
