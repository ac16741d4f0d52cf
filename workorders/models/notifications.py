"""The outbox of notifications (workorders.services.notifications)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """The outbox: one message for one backend, written in the transaction that decided to send
    it, sent afterwards by the Celery task workorders.tasks.send_notification.

    Keeping it in the database is what makes a notification neither lost (a broker outage only
    delays it: the sweep re-queues unsent rows) nor sent twice (the task claims the row first).
    """

    backend = models.CharField(max_length=40)
    kind = models.CharField(max_length=30)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    # [{"name": ..., "email": ..., "phone": ...}]
    recipients = models.JSONField(default=list)
    ticket_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
    # Last time a task was queued for it; the outbox sweep re-queues rows never tried.
    queued_at = models.DateTimeField()
    # A worker holds the row until then; another delivery of the same task leaves it alone.
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [
            # workorders.services.notifications.notifications_requeue_stale: never tried, by age.
            models.Index(
                fields=["queued_at"],
                name="notification_untried",
                condition=Q(sent_at__isnull=True, failed_at__isnull=True, attempts=0),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} via {self.backend}: {self.subject}"
