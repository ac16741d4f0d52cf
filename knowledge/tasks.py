"""Celery tasks of the knowledge base: thin; the work is in knowledge.reminders."""

from celery import shared_task
from django.db import OperationalError

from knowledge import reminders


@shared_task(
    name="knowledge.tasks.deliver_review_reminders",
    autoretry_for=(OperationalError,),
    max_retries=3,
)
def deliver_review_reminders() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): entries due for review, one inbox notice each, once."""
    return reminders.deliver_review_reminders()
