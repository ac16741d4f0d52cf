"""The inbox (消息中心): notices a person must act on (workorders.inbox, workorders.services.inbox)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class InboxItem(models.Model):
    """One notice, addressed to exactly one of: a unit (all its staff see it), one person, or
    every person of a role (the center's dispatchers). Written in the transaction of the timeline
    event it comes from (``event``), or by ``deliver()`` for notices without a ticket.

    Read state is per person (InboxRead, InboxCursor): a unit's notice one clerk has read is
    still unread for the others."""

    kind = models.CharField(_("类型"), max_length=40)
    unit = models.ForeignKey(
        "workorders.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(_("角色"), max_length=20, blank=True)
    ticket = models.ForeignKey(
        "workorders.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    event = models.ForeignKey(
        "workorders.TicketEvent", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Notices with a ticket show the event kind's label as their title; others carry their own.
    title = models.CharField(_("标题"), max_length=200, blank=True)
    text = models.TextField(_("内容"), blank=True)
    # Where a notice without a ticket leads (a knowledge entry's page).
    link = models.CharField(max_length=300, blank=True)
    urgent = models.BooleanField(_("紧急"), default=False)
    # deliver(): one notice per key at most (e.g. one review reminder per entry and review date).
    key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(unit__isnull=False, user__isnull=True, role="")
                    | Q(unit__isnull=True, user__isnull=False, role="")
                    | (Q(unit__isnull=True, user__isnull=True) & ~Q(role=""))
                ),
                name="inbox_item_one_addressee",
            ),
            models.UniqueConstraint(
                fields=["key"], condition=~Q(key=""), name="inbox_item_unique_key"
            ),
        ]
        indexes = [
            # workorders.selectors.inbox_unread_count / inbox_items_for: a unit's, a person's and
            # a role's notices, newest first (the three arms of the OR each use their own index).
            models.Index(
                fields=["unit", "-created_at"],
                name="inbox_item_unit",
                condition=Q(unit__isnull=False),
            ),
            models.Index(
                fields=["user", "-created_at"],
                name="inbox_item_user",
                condition=Q(user__isnull=False),
            ),
            models.Index(
                fields=["role", "-created_at"], name="inbox_item_role", condition=~Q(role="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.created_at:%Y-%m-%d %H:%M}"


class InboxRead(models.Model):
    """A person has read one notice. The unique index, person first, answers both "read by
    me?" for one notice and "my receipts" as one index range (the unread count's anti-join)."""

    item = models.ForeignKey(InboxItem, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        verbose_name = _("已读记录")
        verbose_name_plural = _("已读记录")
        constraints = [
            models.UniqueConstraint(fields=["user", "item"], name="inbox_read_once"),
        ]
        indexes = [
            # workorders.inbox_selectors.inbox_unread_count: this person's receipts of the
            # unread window, read from the index alone.
            models.Index(fields=["user", "read_at", "item"], name="inbox_read_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} read by {self.user_id}"


class InboxCursor(models.Model):
    """Marking all as read: every notice delivered up to ``read_before`` counts as read for this
    person, with one row instead of a receipt per notice."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    read_before = models.DateTimeField()

    class Meta:
        verbose_name = _("全部已读")
        verbose_name_plural = _("全部已读")

    def __str__(self) -> str:
        return f"{self.user_id} read before {self.read_before:%Y-%m-%d %H:%M}"
