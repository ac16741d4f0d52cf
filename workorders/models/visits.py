"""Field visits (线上接单、线下走访): a unit went to the place and recorded what it found."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from workorders.models.tickets import Ticket


class FieldVisit(models.Model):
    """One visit by one unit holding an active assignment on the ticket. Its photos are
    ``Attachment`` rows pointing here (``photos``): the same storage, checks and access rules as
    the citizen's photos, but shown to staff only."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="field_visits")
    unit = models.ForeignKey("workorders.Unit", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    visited_at = models.DateTimeField(_("走访时间"))
    # Free text: visits are often made with people who have no account (网格员, 物业).
    visitors = models.CharField(_("走访人员"), max_length=200)
    findings = models.TextField(_("走访情况"))
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("上门走访")
        verbose_name_plural = _("上门走访")
        ordering = ["visited_at", "pk"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.visited_at:%Y-%m-%d %H:%M}"
