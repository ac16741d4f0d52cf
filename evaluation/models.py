"""Follow-up (回访) and monthly evaluation (考核): what citizens said, and the frozen rankings.

- ``FollowUp``: one per follow-up round of a ticket (round 2 after one reopening), with the units
  it scores, the outcome and the citizen's answers. ``finished_at`` decides the month it counts in.
- ``FollowUpCall``: every call attempt an agent made; ``SurveyLink``: the SMS survey links (signed
  and expiring; the row makes each single-use).
- ``Exemption``: 免考核 — a unit asks for a ticket to leave its rates; a dispatcher decides.
- ``EvaluationRule``: versions of the weights, the 0.9 factor, the month's cut-off day, how
  assisting units are scored and the 治理类 top N, each valid from the first day of a month.
- ``MonthlySnapshot`` / ``UnitMonthScore``: a closed month, frozen. Rows are only ever inserted;
  a correction is a new version with its reason (the old version stays, marked superseded).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workorders.models import RequestStatus


class FollowUpResult(models.TextChoices):
    # Waiting for the citizen: the SMS survey is out and/or the agent still calls.
    PENDING = "pending", _("待回访")
    # 有效回访: the citizen was reached and answered. Only these enter the rates.
    ANSWERED = "answered", _("有效回访")
    # Reached, but the citizen declined to answer.
    REFUSED = "refused", _("拒绝评价")
    # Never reached: every call unanswered, or the window ended without an answer.
    UNREACHABLE = "unreachable", _("联系不上")
    # The number on the ticket is not the citizen's.
    WRONG_NUMBER = "wrong_number", _("号码错误")
    # No phone number on the ticket: nobody to ask.
    ANONYMOUS = "anonymous", _("匿名")


class CallOutcome(models.TextChoices):
    REACHED = "reached", _("已接通")
    NOT_REACHED = "not_reached", _("未接通")
    REFUSED = "refused", _("拒绝回访")
    WRONG_NUMBER = "wrong_number", _("号码错误")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class FollowUpChannel(models.TextChoices):
    SMS = "sms", _("短信")
    CALL = "call", _("电话")


class Decision(models.TextChoices):
    """What the center did with the ticket after the verdict."""

    NONE = "", _("待定")
    CLOSED = "closed", _("已归档")
    REOPENED = "reopened", _("已重办")


class FollowUp(models.Model):
    ticket = models.ForeignKey(
        "workorders.Ticket", on_delete=models.CASCADE, related_name="follow_ups"
    )
    # 1 for the first resolution, 2 after one reopening, …: ticket.reopen_count + 1 at opening.
    round = models.PositiveSmallIntegerField(_("回访轮次"), default=1)
    # The units it scores, as they were when the ticket was resolved: the lead unit (None for a
    # direct answer by an operator) and the assisting units (scored when the rule says so).
    unit = models.ForeignKey(
        "workorders.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("主办单位"),
    )
    assist_units = models.ManyToManyField(
        "workorders.Unit", blank=True, related_name="+", verbose_name=_("协办单位")
    )
    anonymous = models.BooleanField(_("匿名"), default=False)
    confidential = models.BooleanField(_("保密"), default=False)
    # The lead unit recorded contact before its contact due time (the optional stricter
    # response rate); None when there was nothing to check.
    contacted_on_time = models.BooleanField(null=True, blank=True)
    opened_at = models.DateTimeField(_("开始回访"))
    due_at = models.DateTimeField(_("回访时限"), null=True, blank=True)
    survey_sent_at = models.DateTimeField(_("短信发送"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("呼叫次数"), default=0)
    next_call_at = models.DateTimeField(_("下次呼叫"), null=True, blank=True)
    result = models.CharField(
        _("回访结果"),
        max_length=20,
        choices=FollowUpResult.choices,
        default=FollowUpResult.PENDING,
    )
    channel = models.CharField(
        _("评价渠道"), max_length=10, choices=FollowUpChannel.choices, blank=True
    )
    # The citizen's answers (set together when result is "answered").
    contacted = models.BooleanField(_("单位已联系"), null=True, blank=True)
    solved = models.BooleanField(_("已解决"), null=True, blank=True)
    satisfaction = models.CharField(
        _("满意度"), max_length=20, choices=Satisfaction.choices, blank=True
    )
    comment = models.TextField(_("市民意见"), blank=True)
    # When the result became final; the month this follow-up counts in. Never changes again.
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(_("处理"), max_length=10, choices=Decision.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["ticket", "round"], name="followup_one_per_round"),
            # Pending ⇔ not finished: the month of a follow-up is fixed once it has one.
            models.CheckConstraint(
                condition=Q(result="pending", finished_at__isnull=True)
                | (~Q(result="pending") & Q(finished_at__isnull=False)),
                name="followup_finished_iff_not_pending",
            ),
            models.CheckConstraint(
                condition=~Q(result="answered")
                | (
                    Q(contacted__isnull=False, solved__isnull=False)
                    & ~Q(satisfaction="")
                    & ~Q(channel="")
                ),
                name="followup_answered_has_answers",
            ),
        ]
        indexes = [
            # evaluation.scoring.compute_month: the month's finished follow-ups grouped by unit,
            # WHERE finished_at >= start AND finished_at < end. On PostgreSQL migrations 0001/0003
            # add INCLUDE (FOLLOW_UP_COVERING) — the columns the aggregates read — so the month is
            # an index-only scan; keep that if this definition changes. (SQLite has no INCLUDE.)
            models.Index(
                fields=["finished_at"],
                name="followup_finished",
                condition=Q(finished_at__isnull=False),
            ),
            # Drill-down to one unit's follow-ups of a month (the tickets behind a figure).
            models.Index(fields=["unit", "finished_at"], name="followup_unit_month"),
            # The agent's console and the sweep: open follow-ups, earliest due first.
            models.Index(
                fields=["due_at", "id"], name="followup_pending_due", condition=Q(result="pending")
            ),
            # The console's "not solved, decide" list.
            models.Index(
                fields=["finished_at"],
                name="followup_undecided",
                condition=Q(result="answered", solved=False, decision=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} 第{self.round}轮回访 ({self.result})"

    @property
    def is_valid(self) -> bool:
        return self.result == FollowUpResult.ANSWERED


class FollowUpCall(models.Model):
    """One call attempt of a follow-up agent, whatever its outcome."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="calls")
    outcome = models.CharField(_("呼叫结果"), max_length=20, choices=CallOutcome.choices)
    note = models.TextField(_("备注"), blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    called_at = models.DateTimeField()

    class Meta:
        verbose_name = _("回访电话")
        verbose_name_plural = _("回访电话")
        ordering = ["called_at", "id"]

    def __str__(self) -> str:
        return f"{self.follow_up_id} {self.outcome} {self.called_at:%Y-%m-%d %H:%M}"


class SurveyLink(models.Model):
    """A survey link sent by SMS. The URL carries ``nonce`` signed with a timestamp (so it is
    unforgeable and expires); this row makes it single-use."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="links")
    nonce = models.CharField(max_length=32, unique=True)
    sent_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("回访链接")
        verbose_name_plural = _("回访链接")

    def __str__(self) -> str:
        return f"{self.follow_up_id} {'used' if self.used_at else 'open'}"


class ExemptionReason(models.TextChoices):
    UNREASONABLE = "unreasonable", _("诉求不合理")
    OUTSIDE_POWERS = "outside_powers", _("超出政府职权范围")
    MALICIOUS_REPETITION = "malicious_repetition", _("恶意重复诉求")
    LEGAL_PROCESS = "legal_process", _("已进入司法、仲裁等程序")
    FORCE_MAJEURE = "force_majeure", _("客观条件限制暂无法解决")
    OTHER = "other", _("其他")


class Exemption(models.Model):
    """免考核: a unit asks that one ticket leave its rates; a dispatcher approves or rejects.

    Approved exemptions count from ``decided_at``: a month closed before that keeps the ticket in
    its figures. Approvals are final (no revoking): the record is what the snapshot relied on.
    """

    ticket = models.ForeignKey(
        "workorders.Ticket", on_delete=models.CASCADE, related_name="exemptions"
    )
    unit = models.ForeignKey("workorders.Unit", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("免考核原因"), max_length=30, choices=ExemptionReason.choices)
    explanation = models.TextField(_("说明"))
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
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

    class Meta:
        verbose_name = _("免考核申请")
        verbose_name_plural = _("免考核申请")
        ordering = ["-requested_at"]
        constraints = [
            # One live request per ticket and unit; after a rejection the unit may ask again.
            models.UniqueConstraint(
                fields=["ticket", "unit"],
                condition=Q(status__in=["pending", "approved"]),
                name="exemption_one_live_per_unit",
            ),
            models.CheckConstraint(
                condition=Q(status="pending") | Q(decided_at__isnull=False),
                name="exemption_decided_has_time",
            ),
        ]
        indexes = [
            # The dispatcher's queue (pending, oldest first) and scoring (approved up to a time).
            models.Index(fields=["status", "decided_at"], name="exemption_status_time"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.unit_id} 免考核 ({self.status})"


class AssistScoring(models.TextChoices):
    LEAD_ONLY = "lead_only", _("仅主办单位计分")
    SHARED = "shared", _("协办单位同样计分")


class EvaluationRule(models.Model):
    """One version of the scoring rules, valid from the month of ``valid_from`` until the next
    version. Versions are never edited (the admin adds a new one), so a month is always scored
    — and re-scored — by the rules that were valid for it."""

    valid_from = models.DateField(_("生效月份"), unique=True)
    weight_response = models.PositiveSmallIntegerField(_("响应率权重"), default=10)
    weight_resolution = models.PositiveSmallIntegerField(_("解决率权重"), default=50)
    weight_satisfaction = models.PositiveSmallIntegerField(_("满意率权重"), default=40)
    basic_factor = models.DecimalField(
        _("基本满意折算系数"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.90"),
    )
    # 1: calendar months. 19: the month named March runs from February 19 to March 18.
    cutoff_day = models.PositiveSmallIntegerField(_("考核月起始日"), default=1)
    assist_scoring = models.CharField(
        _("协办单位计分"),
        max_length=10,
        choices=AssistScoring.choices,
        default=AssistScoring.LEAD_ONLY,
    )
    # Response counts only when the unit also recorded contact before its due time.
    response_on_time = models.BooleanField(_("响应须在联系时限内"), default=False)
    governance_top_n = models.PositiveSmallIntegerField(_("治理类街乡镇数"), default=10)
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("考核规则")
        verbose_name_plural = _("考核规则")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    weight_response__lte=100,
                    weight_resolution__lte=100,
                    weight_satisfaction__lte=100,
                ),
                name="rule_weights_percent",
            ),
            models.CheckConstraint(
                condition=Q(cutoff_day__gte=1, cutoff_day__lte=28), name="rule_cutoff_day_1_28"
            ),
            models.CheckConstraint(
                condition=Q(basic_factor__gte=0, basic_factor__lte=1), name="rule_factor_0_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.valid_from:%Y-%m} 起 ({self.weights_label})"

    @property
    def weights_label(self) -> str:
        return f"{self.weight_response}/{self.weight_resolution}/{self.weight_satisfaction}"

    def as_values(self) -> dict:
        """The figures a snapshot keeps with it."""
        return {
            "rule_id": self.pk,
            "valid_from": self.valid_from.isoformat(),
            "weight_response": self.weight_response,
            "weight_resolution": self.weight_resolution,
            "weight_satisfaction": self.weight_satisfaction,
            "basic_factor": str(self.basic_factor),
            "cutoff_day": self.cutoff_day,
            "assist_scoring": self.assist_scoring,
            "response_on_time": self.response_on_time,
            "governance_top_n": self.governance_top_n,
        }


class MonthlySnapshot(models.Model):
    """A closed (published) month. Figures live in UnitMonthScore rows, inserted once."""

    month = models.DateField(_("考核月份"))  # first day of the month it is named after
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()  # exclusive
    rule = models.ForeignKey(EvaluationRule, on_delete=models.PROTECT, related_name="+")
    rule_values = models.JSONField(default=dict)
    # City-wide counts over every follow-up of the month, with or without a unit.
    totals = models.JSONField(default=dict)
    closed_at = models.DateTimeField()
    # None when the beat task closed it.
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Why a month was closed again (required from version 2 on).
    reason = models.TextField(_("重新结算原因"), blank=True)
    # The version pages show; earlier versions stay for the record.
    is_current = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("月度考核结果")
        verbose_name_plural = _("月度考核结果")
        ordering = ["-month", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["month", "version"], name="snapshot_month_version"),
            models.UniqueConstraint(
                fields=["month"], condition=Q(is_current=True), name="snapshot_one_current"
            ),
            models.CheckConstraint(
                condition=Q(version=1) | ~Q(reason=""), name="snapshot_reclose_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} v{self.version}"


class UnitMonthScore(models.Model):
    """One unit's frozen figures in a closed month (the same names as evaluation.scoring's
    UnitFigures, so pages render live and closed months alike)."""

    snapshot = models.ForeignKey(MonthlySnapshot, on_delete=models.CASCADE, related_name="scores")
    unit = models.ForeignKey("workorders.Unit", on_delete=models.PROTECT, related_name="+")
    # Frozen with the figures: a unit renamed later keeps the name it was ranked under.
    unit_name = models.CharField(max_length=80)
    kind = models.CharField(max_length=20)
    finished = models.PositiveIntegerField(default=0)
    valid = models.PositiveIntegerField(default=0)
    responded = models.PositiveIntegerField(default=0)
    solved = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    basically_satisfied = models.PositiveIntegerField(default=0)
    dissatisfied = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    unreachable = models.PositiveIntegerField(default=0)
    wrong_number = models.PositiveIntegerField(default=0)
    anonymous = models.PositiveIntegerField(default=0)
    confidential = models.PositiveIntegerField(default=0)
    exempt = models.PositiveIntegerField(default=0)
    red_lights = models.PositiveIntegerField(default=0)
    reopens = models.PositiveIntegerField(default=0)
    # 主动治理: proactive work orders resolved as lead in the month (scoring.proactive_counts).
    proactive = models.PositiveIntegerField(default=0)
    # 区政府督促 in the month (evaluation.scoring.event_counts); 0 in months frozen before it.
    presses = models.PositiveIntegerField(default=0)
    volume = models.PositiveIntegerField(null=True, blank=True)
    response_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    resolution_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    satisfaction_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    composite = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    previous_rank = models.PositiveIntegerField(null=True, blank=True)
    governance = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("单位月度成绩")
        verbose_name_plural = _("单位月度成绩")
        constraints = [models.UniqueConstraint(fields=["snapshot", "unit"], name="score_unit_once")]
        indexes = [
            # The ranking page of a closed month: one snapshot's rows by kind and rank.
            models.Index(fields=["snapshot", "kind", "rank"], name="score_snapshot_kind_rank"),
            # A unit's own trend over the months.
            models.Index(fields=["unit", "snapshot"], name="score_unit_trend"),
        ]

    def __str__(self) -> str:
        return f"{self.snapshot} {self.unit_name}: {self.composite}"

    @property
    def movement(self) -> int | None:
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank
