"""Proactive work orders (主动治理工单, 未诉先办): a ticket of channel "proactive" raised by the
center from a hotspot or a cluster, and the requests behind it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProactiveLink(models.Model):
    """One request behind a proactive work order. The order itself is an ordinary Ticket
    (channel "proactive"): dispatched, timed and handled like any other."""

    proactive = models.ForeignKey(
        "workorders.Ticket",
        on_delete=models.CASCADE,
        related_name="proactive_sources",
        verbose_name=_("主动治理工单"),
    )
    source = models.ForeignKey(
        "workorders.Ticket",
        on_delete=models.CASCADE,
        related_name="proactive_links",
        verbose_name=_("来源诉求"),
    )
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("主动治理关联")
        verbose_name_plural = _("主动治理关联")
        ordering = ["proactive", "source"]
        constraints = [
            models.UniqueConstraint(fields=["proactive", "source"], name="proactive_source_once")
        ]
        # The ticket page of a request: the orders it belongs to (source_id), served by the
        # constraint's index for the other direction.
        indexes = [models.Index(fields=["source"], name="proactive_link_source")]

    def __str__(self) -> str:
        return f"{self.proactive_id} ← {self.source_id}"
