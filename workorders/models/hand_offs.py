"""Hand-offs to a community (转派社区): a street office passes a ticket it leads down to one of
its communities or villages, which works it and reports back (workorders.services.hand_offs).

The street stays the lead unit and answerable for every deadline (首接负责): a hand-off never
touches the ticket's due times. The community's part is an ``Assignment`` with the role
``community`` while the hand-off is open; this row keeps the hand-off's own state.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class HandOffStatus(models.TextChoices):
    # The street handed it down; the community has not accepted yet.
    HANDED_OFF = "handed_off", _("待社区签收")
    # The community accepted and is working on it.
    ACCEPTED = "accepted", _("社区办理中")
    # The community reported its result; the street checks it.
    REPORTED = "reported", _("社区已反馈")
    # The street found the report wanting and sent it back: the community works on.
    SENT_BACK = "sent_back", _("已退回社区")
    # Final: the street resolved the ticket.
    CLOSED = "closed", _("已结束")
    # Final: the street took the ticket back before the end.
    WITHDRAWN = "withdrawn", _("已撤回")


# Hand-offs the community still has a part in: one per ticket at a time.
OPEN_HAND_OFF_STATUSES = [
    HandOffStatus.HANDED_OFF,
    HandOffStatus.ACCEPTED,
    HandOffStatus.REPORTED,
    HandOffStatus.SENT_BACK,
]


class HandOff(models.Model):
    ticket = models.ForeignKey(
        "workorders.Ticket", on_delete=models.CASCADE, related_name="hand_offs"
    )
    street = models.ForeignKey(
        "workorders.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("街道/乡镇")
    )
    community = models.ForeignKey(
        "workorders.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区/村")
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=HandOffStatus.choices, default=HandOffStatus.HANDED_OFF
    )
    note = models.TextField(_("转派说明"))
    handed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    handed_off_at = models.DateTimeField(_("转派时间"))
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(_("社区签收时间"), null=True, blank=True)
    # The latest report; earlier ones (before a send-back) stay on the timeline.
    report = models.TextField(_("社区反馈"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    # Why the street sent the latest report back, or withdrew the hand-off.
    street_note = models.TextField(_("街道意见"), blank=True)
    sent_back_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("转派社区")
        verbose_name_plural = _("转派社区")
        indexes = [
            # access.visible_units (kept tickets): the hand-offs of one community.
            models.Index(fields=["community", "ticket"], name="hand_off_community"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(status__in=["handed_off", "accepted", "reported", "sent_back"]),
                name="hand_off_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.community_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_HAND_OFF_STATUSES
