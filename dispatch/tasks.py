"""Celery tasks of dispatch: thin, id-based, idempotent; the work is in dispatch.services."""

from celery import shared_task
from django.db import OperationalError

from dispatch import services


@shared_task(
    name="dispatch.tasks.auto_dispatch",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    # Safe to run twice: the service skips tickets that are no longer registered.
    acks_late=True,
)
def auto_dispatch(ticket_id: int) -> str:
    return services.ticket_auto_dispatch(ticket_id=ticket_id)


@shared_task(name="dispatch.tasks.requeue_stale_registered")
def requeue_stale_registered() -> int:
    return len(services.requeue_stale_registered())


@shared_task(name="dispatch.tasks.retrain_classifier")
def retrain_classifier() -> str:
    # Weekly (CELERY_BEAT_SCHEDULE); a no-op until enough new confirmed labels exist. Training
    # reads the labels itself, so the task takes no arguments and a repeat only re-checks.
    from dispatch.learning import classifier_retrain_if_due

    return classifier_retrain_if_due()
