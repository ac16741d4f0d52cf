"""Celery tasks of the analysis app: thin; the work is in analysis.rollup."""

from celery import shared_task
from django.db import OperationalError

from analysis import rollup


@shared_task(
    name="analysis.tasks.refresh_volume_rollup", autoretry_for=(OperationalError,), max_retries=2
)
def refresh_volume_rollup() -> int:
    """Nightly (CELERY_BEAT_SCHEDULE): recompute the cockpit's counts of the recent past days.
    Idempotent: a day is replaced as a whole in one transaction."""
    return rollup.refresh_recent()
