"""Celery tasks of dispatch: thin, id-based, idempotent; the work is in dispatch.services."""

from celery import shared_task
from celery.signals import worker_ready
from django.db import OperationalError

from dispatch import services


@shared_task(
    name="dispatch.tasks.auto_dispatch",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    # Safe to run twice: the service skips tickets that are no longer registered, and the
    # dispatch itself is a compare-and-set on the status. So the message is acknowledged only
    # once the work is done, and a pool process killed mid-task (OOM, kill -9) puts it back at
    # once instead of dropping it until the stale sweep.
    acks_late=True,
    reject_on_worker_lost=True,
)
def auto_dispatch(ticket_id: int) -> str:
    return services.ticket_auto_dispatch(ticket_id=ticket_id)


@shared_task(name="dispatch.tasks.requeue_stale_registered")
def requeue_stale_registered() -> int:
    return len(services.requeue_stale_registered())


@shared_task(name="dispatch.tasks.requeue_failed_enqueues")
def requeue_failed_enqueues() -> int:
    # Every few seconds (CELERY_BEAT_SCHEDULE): re-sends what the web could not send while the
    # broker was down, so those tickets do not wait for the stale sweep.
    return len(services.requeue_failed_enqueues())


@shared_task(name="dispatch.tasks.requeue_on_worker_start")
def requeue_on_worker_start() -> int:
    return len(services.requeue_on_worker_start())


@worker_ready.connect
def _requeue_when_a_worker_starts(sender, **kwargs) -> None:
    # Sent as a task rather than run here: the database work belongs in the pool, not in the
    # worker's main process. The broker is up: the worker has just connected to it.
    sender.app.send_task("dispatch.tasks.requeue_on_worker_start")


@shared_task(name="dispatch.tasks.retrain_classifier")
def retrain_classifier() -> str:
    # Weekly (CELERY_BEAT_SCHEDULE); a no-op until enough new confirmed labels exist. Training
    # reads the labels itself, so the task takes no arguments and a repeat only re-checks.
    from dispatch.learning import classifier_retrain_if_due

    return classifier_retrain_if_due()
