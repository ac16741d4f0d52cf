"""Supervision notices (督办): the center presses a unit on a late ticket, or a district
government presses one of its streets/towns (区政府督促); workorders.services.supervision."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Supervision(models.Model):
    """A 督办 notice: the center (or the district above the unit) presses a unit on a ticket;
    the unit must acknowledge it. One model for both: the pressed unit answers them the same
    way, and the ticket page lists them together."""

    class Source(models.TextChoices):
        CENTER = "center", _("热线中心督办")
        DISTRICT = "district", _("区政府督促")

    ticket = models.ForeignKey(
        "workorders.Ticket", on_delete=models.CASCADE, related_name="supervisions"
    )
    unit = models.ForeignKey("workorders.Unit", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(
        _("来源"), max_length=10, choices=Source.choices, default=Source.CENTER
    )
    # The district government that pressed (source DISTRICT); None for the center.
    by_unit = models.ForeignKey(
        "workorders.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("督办意见"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(_("回复"), blank=True)

    class Meta:
        verbose_name = _("督办")
        verbose_name_plural = _("督办")
        indexes = [
            # The unit workbench's count of notices still to acknowledge.
            models.Index(
                fields=["unit"],
                name="supervision_unit_open",
                condition=Q(acknowledged_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} 督办 → {self.unit_id}"
