"""Celery tasks of evaluation: thin, id-based, idempotent; the work is in evaluation.services."""

from celery import shared_task
from celery.signals import worker_ready
from django.db import OperationalError

from evaluation import services


@shared_task(
    bind=True,
    name="evaluation.tasks.send_survey",
    max_retries=5,
    # Safe twice: follow_up_open returns the round already opened instead of sending again.
    # So it is acknowledged only when done, and put back at once if its pool process dies.
    acks_late=True,
    reject_on_worker_lost=True,
)
def send_survey(self, ticket_id: int) -> str:
    """Queued when a ticket is resolved (settings.TICKET_RESOLVED_TASK): open its follow-up
    round and put the survey SMS in the outbox. The SMS itself goes out from the outbox task."""
    try:
        follow_up = services.follow_up_open(ticket_id=ticket_id)
    except OperationalError as exc:
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc
    return "skipped" if follow_up is None else follow_up.result


@shared_task(
    name="evaluation.tasks.sweep_follow_ups", autoretry_for=(OperationalError,), max_retries=1
)
def sweep_follow_ups() -> dict:
    """Every 5 minutes (CELERY_BEAT_SCHEDULE): open lost rounds, close expired follow-ups."""
    return services.sweep_follow_ups().as_dict()


@shared_task(name="evaluation.tasks.open_failed_surveys")
def open_failed_surveys() -> int:
    """Every few seconds (CELERY_BEAT_SCHEDULE): open the rounds whose survey task the web could
    not send while the broker was down, instead of waiting for the 5-minute sweep."""
    return services.open_failed_surveys()


@shared_task(name="evaluation.tasks.open_missing_rounds_on_worker_start")
def open_missing_rounds_on_worker_start() -> int:
    return services.open_missing_rounds_on_worker_start()


@worker_ready.connect
def _open_rounds_when_a_worker_starts(sender, **kwargs) -> None:
    # As a task, so the database work runs in the pool (see dispatch.tasks).
    sender.app.send_task("evaluation.tasks.open_missing_rounds_on_worker_start")


@shared_task(
    name="evaluation.tasks.close_due_month", autoretry_for=(OperationalError,), max_retries=1
)
def close_due_month() -> str:
    """Hourly (CELERY_BEAT_SCHEDULE): freeze last month once EVALUATION_CLOSE_AFTER_DAYS passed."""
    snapshot = services.close_due_month()
    return "nothing to close" if snapshot is None else f"closed {snapshot}"
