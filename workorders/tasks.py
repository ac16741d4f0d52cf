"""Celery tasks of workorders: thin, id-based, idempotent; the work is in workorders.services."""

import random

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from workorders.services import deadline_sweep, notifications


@shared_task(
    name="workorders.tasks.sweep_deadlines", autoretry_for=(OperationalError,), max_retries=1
)
def sweep_deadlines() -> dict:
    """Every minute (CELERY_BEAT_SCHEDULE): record changes of light once, notify."""
    return deadline_sweep.sweep_deadlines().as_dict()


def _backoff(retries: int) -> int:
    # 15 s, 30 s, 1 min, 2 min … capped at 10 min, with jitter so a gateway that comes back is
    # not hit by every waiting message in the same second.
    return min(15 * 2**retries, 600) + random.randint(0, 5)


@shared_task(
    bind=True,
    name="workorders.tasks.send_notification",
    max_retries=settings.NOTIFICATION_MAX_RETRIES,
    # Safe to deliver twice: the service claims the row and skips what is sent or being sent.
    acks_late=True,
)
def send_notification(self, notification_id: int) -> str:
    """Send one outbox row through its backend; retry with backoff when the backend fails.

    Runs after the transaction that wrote the row, so a failing gateway never blocks the ticket
    action that caused the message.
    """
    final = self.request.retries >= self.max_retries
    try:
        outcome = notifications.notification_send(
            notification_id=notification_id, final_attempt=final
        )
    except OperationalError as exc:  # the database, not the gateway: try again later
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc
    if outcome == "retry":
        raise self.retry(countdown=_backoff(self.request.retries))
    return outcome
