"""The daily beat task of the hotspots (CELERY_BEAT_SCHEDULE "record-hotspots")."""

from datetime import date

from celery import shared_task
from django.db import OperationalError

from analysis.hotspots import services


@shared_task(
    name="analysis.hotspots.tasks.record_hotspots",
    autoretry_for=(OperationalError,),
    max_retries=3,
    default_retry_delay=300,
)
def record_hotspots(day: str | None = None) -> int:
    """Record yesterday's hotspots (or ``day``, YYYY-MM-DD); idempotent per day."""
    return services.record_day(date.fromisoformat(day) if day else None)
