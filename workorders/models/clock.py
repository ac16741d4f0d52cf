"""The clock of a ticket: the deadline policies that set its due times, the working-day calendar
they count in, explicit pauses, and what the deadline sweep has recorded of its lights.

The light itself has no table: it is derived from the due times stored on Ticket
(workorders/lights.py). What the sweep has already recorded is TicketLightState, a narrow row
beside the ticket: the sweep rewrites it at every change of light, and rewriting the wide ticket
row instead (twelve indexes, the citizen's text) costs about six times as much per ticket
(bench/deadlines.py) and bloats the table everything else reads.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from workorders.models.tickets import Light, Urgency


class TimeUnit(models.TextChoices):
    CALENDAR_HOURS = "calendar_hours", _("自然小时")
    CALENDAR_DAYS = "calendar_days", _("自然日")
    # Counted inside office hours (settings.WORKING_HOURS) on working days only.
    WORKING_HOURS = "working_hours", _("工作小时")
    # The start day does not count; due at the close of the N-th working day after it.
    WORKING_DAYS = "working_days", _("工作日")


WORKING_UNITS = {TimeUnit.WORKING_HOURS, TimeUnit.WORKING_DAYS}
DAY_UNITS = {TimeUnit.CALENDAR_DAYS, TimeUnit.WORKING_DAYS}

# The four deadlines a policy sets, in the order a ticket meets them.
DEADLINE_KINDS = ("accept", "contact", "resolve", "follow_up")


def _amount(verbose: str) -> models.DecimalField:
    return models.DecimalField(verbose, max_digits=6, decimal_places=2)


def _unit(verbose: str) -> models.CharField:
    return models.CharField(verbose, max_length=20, choices=TimeUnit.choices)


class DeadlinePolicy(models.Model):
    """How long a unit has, per category (blank = every category) and urgency (blank = any).

    The most specific active policy wins (workorders.deadline_policies.policy_for): an
    urgency-specific policy before an any-urgency one, and within each the nearest category
    (itself, then its ancestors, then the default without category).
    """

    name = models.CharField(_("名称"), max_length=60, blank=True)
    category = models.ForeignKey(
        "workorders.Category",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deadline_policies",
        verbose_name=_("诉求分类"),
        help_text=_("留空表示默认策略"),
    )
    urgency = models.CharField(
        _("紧急程度"),
        max_length=10,
        choices=Urgency.choices,
        blank=True,
        help_text=_("留空表示任意紧急程度"),
    )
    accept_within = _amount(_("签收时限"))
    accept_unit = _unit(_("签收计时方式"))
    contact_within = _amount(_("联系时限"))
    contact_unit = _unit(_("联系计时方式"))
    resolve_within = _amount(_("办结时限"))
    resolve_unit = _unit(_("办结计时方式"))
    follow_up_within = _amount(_("回访时限"))
    follow_up_unit = _unit(_("回访计时方式"))
    yellow_share = models.DecimalField(
        _("黄灯比例"),
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("已用时限达到该比例时亮黄灯；留空用系统默认值"),
    )
    warning_hours = models.DecimalField(
        _("预警窗口（小时）"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "到期前多少小时亮黄灯（按工作时间计时的时限按工作小时计）；与比例同时设置时取较早者"
        ),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("时限策略")
        verbose_name_plural = _("时限策略")
        ordering = ["category_id", "urgency"]
        constraints = [
            # Two constraints because NULL categories never collide in a plain unique index.
            models.UniqueConstraint(
                fields=["category", "urgency"],
                condition=Q(category__isnull=False),
                name="deadline_policy_one_per_category_urgency",
            ),
            models.UniqueConstraint(
                fields=["urgency"],
                condition=Q(category__isnull=True),
                name="deadline_policy_one_default_per_urgency",
            ),
            models.CheckConstraint(
                condition=Q(accept_within__gt=0)
                & Q(contact_within__gt=0)
                & Q(resolve_within__gt=0)
                & Q(follow_up_within__gt=0),
                name="deadline_policy_positive_durations",
            ),
            models.CheckConstraint(
                condition=Q(yellow_share__isnull=True)
                | (Q(yellow_share__gt=0) & Q(yellow_share__lte=1)),
                name="deadline_policy_yellow_share_range",
            ),
        ]

    def __str__(self) -> str:
        where = str(self.category) if self.category_id else gettext("默认")
        urgency = Urgency(self.urgency).label if self.urgency else gettext("任意")
        return self.name or f"{where} / {urgency}"

    def clean(self):
        errors = {}
        for kind in DEADLINE_KINDS:
            amount: Decimal | None = getattr(self, f"{kind}_within")
            unit = getattr(self, f"{kind}_unit")
            if amount is not None and unit in DAY_UNITS and amount != amount.to_integral_value():
                errors[f"{kind}_within"] = gettext("按天计时须为整数")
        if errors:
            raise ValidationError(errors)


class WorkCalendarDay(models.Model):
    """One day of the working-day calendar: every day of a known year has a row.

    Rows come from the chinese-calendar library (source "library", ``manage.py sync_calendar``)
    and may be corrected by hand (source "manual", never overwritten by a later sync). A year
    without rows falls back to Monday–Friday, and administrators see a warning
    (workorders.workdays.calendar_warning).
    """

    class Source(models.TextChoices):
        LIBRARY = "library", _("节假日库")
        MANUAL = "manual", _("手工维护")

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("工作日"))
    note = models.CharField(_("说明"), max_length=40, blank=True)
    source = models.CharField(
        _("来源"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    # With the row count, the version that tells each process its cached calendar is stale.
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")
        ordering = ["date"]

    def __str__(self) -> str:
        kind = "工作日" if self.is_workday else "休息日"
        return f"{self.date:%Y-%m-%d} {kind} {self.note}".strip()


class PauseStatus(models.TextChoices):
    # Asked by the lead unit, waiting for a dispatcher.
    PENDING = "pending", _("待审核")
    # Approved: the clock is stopped (Ticket.paused_at is set).
    ACTIVE = "active", _("暂停中")
    REJECTED = "rejected", _("已驳回")
    # The clock runs again; the due times moved by the paused duration.
    ENDED = "ended", _("已恢复")


class TicketPause(models.Model):
    """An explicit stop of the resolve clock, e.g. waiting for the citizen's materials."""

    ticket = models.ForeignKey("workorders.Ticket", on_delete=models.CASCADE, related_name="pauses")
    unit = models.ForeignKey("workorders.Unit", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("暂停理由"))
    status = models.CharField(
        max_length=10, choices=PauseStatus.choices, default=PauseStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("暂停计时")
        verbose_name_plural = _("暂停计时")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(status__in=["pending", "active"]),
                name="pause_one_open_per_ticket",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} 暂停 ({self.status})"


class TicketLightState(models.Model):
    """What the sweep has recorded for a ticket's current due times, and when to look again.

    ``*_lit`` is the highest light recorded (as a TicketEvent) per deadline; the sweep only
    records a light above it and raises it in the same transaction (compare-and-set under a row
    lock), which is what makes each change recorded and notified exactly once. Reset to 0 when
    the due time itself changes (dispatch, reopen, extension). ``check_at`` is the next yellow or
    red moment not yet recorded, NULL when nothing can change until a person acts.
    """

    ticket = models.OneToOneField(
        "workorders.Ticket", primary_key=True, on_delete=models.CASCADE, related_name="light_state"
    )
    dispatch_lit = models.PositiveSmallIntegerField(choices=Light.choices, default=0)
    accept_lit = models.PositiveSmallIntegerField(choices=Light.choices, default=0)
    contact_lit = models.PositiveSmallIntegerField(choices=Light.choices, default=0)
    resolve_lit = models.PositiveSmallIntegerField(choices=Light.choices, default=0)
    check_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("亮灯记录")
        verbose_name_plural = _("亮灯记录")
        indexes = [
            # workorders.services.deadline_sweep.sweep_deadlines: WHERE check_at <= now ORDER BY
            # check_at LIMIT batch FOR UPDATE SKIP LOCKED. Only rows with something to record.
            models.Index(
                fields=["check_at"], name="lightstate_check", condition=Q(check_at__isnull=False)
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.accept_lit}/{self.contact_lit}/{self.resolve_lit}"


class LightChangeBatch(models.Model):
    """Changes of light one sweep batch recorded, waiting to become notifications.

    Written in the batch's own transaction (with the events and the raised recorded lights), so
    a change is never recorded without being queued for notice; turned into one message per unit
    and light by the same sweep right after (workorders.services.deadline_sweep), or by the next
    one if this one died in between. Rows are deleted once composed.
    """

    created_at = models.DateTimeField()
    # [[ticket_id, deadline, light, lead unit id], …]: compact, the texts are read when composing
    changes = models.JSONField(default=list)

    class Meta:
        verbose_name = _("待通知的亮灯变化")
        verbose_name_plural = _("待通知的亮灯变化")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} ({len(self.changes)})"
