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

from workorders.models import RequestStatus


class FollowUpResult(models.TextChoices):
    # Waiting for the citizen: the SMS survey is out and/or the agent still calls.
    PENDING = "pending", "待回访 (pending)"
    # 有效回访: the citizen was reached and answered. Only these enter the rates.
    ANSWERED = "answered", "有效回访 (answered)"
    # Reached, but the citizen declined to answer.
    REFUSED = "refused", "拒绝评价 (refused)"
    # Never reached: every call unanswered, or the window ended without an answer.
    UNREACHABLE = "unreachable", "联系不上 (unreachable)"
    # The number on the ticket is not the citizen's.
    WRONG_NUMBER = "wrong_number", "号码错误 (wrong number)"
    # No phone number on the ticket: nobody to ask.
    ANONYMOUS = "anonymous", "匿名 (anonymous)"


class CallOutcome(models.TextChoices):
    REACHED = "reached", "已接通 (reached)"
    NOT_REACHED = "not_reached", "未接通 (not reached)"
    REFUSED = "refused", "拒绝回访 (refused)"
    WRONG_NUMBER = "wrong_number", "号码错误 (wrong number)"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意 (satisfied)"
    BASICALLY_SATISFIED = "basically_satisfied", "基本满意 (basically satisfied)"
    DISSATISFIED = "dissatisfied", "不满意 (dissatisfied)"


class FollowUpChannel(models.TextChoices):
    SMS = "sms", "短信 (SMS survey)"
    CALL = "call", "电话 (call)"


class Decision(models.TextChoices):
    """What the center did with the ticket after the verdict."""

    NONE = "", "待定 (undecided)"
    CLOSED = "closed", "已归档 (closed)"
    REOPENED = "reopened", "已重办 (reopened)"


class FollowUp(models.Model):
    ticket = models.ForeignKey(
        "workorders.Ticket", on_delete=models.CASCADE, related_name="follow_ups"
    )
    # 1 for the first resolution, 2 after one reopening, …: ticket.reopen_count + 1 at opening.
    round = models.PositiveSmallIntegerField("回访轮次 (round)", default=1)
    # The units it scores, as they were when the ticket was resolved: the lead unit (None for a
    # direct answer by an operator) and the assisting units (scored when the rule says so).
    unit = models.ForeignKey(
        "workorders.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="主办单位 (lead unit)",
    )
    assist_units = models.ManyToManyField(
        "workorders.Unit", blank=True, related_name="+", verbose_name="协办单位 (assisting units)"
    )
    anonymous = models.BooleanField("匿名 (anonymous)", default=False)
    confidential = models.BooleanField("保密 (confidential)", default=False)
    # The lead unit recorded contact before its contact due time (the optional stricter
    # response rate); None when there was nothing to check.
    contacted_on_time = models.BooleanField(null=True, blank=True)
    opened_at = models.DateTimeField("开始回访 (opened at)")
    due_at = models.DateTimeField("回访时限 (due)", null=True, blank=True)
    survey_sent_at = models.DateTimeField("短信发送 (survey sent)", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("呼叫次数 (call attempts)", default=0)
    next_call_at = models.DateTimeField("下次呼叫 (next call)", null=True, blank=True)
    result = models.CharField(
        "回访结果 (result)",
        max_length=20,
        choices=FollowUpResult.choices,
        default=FollowUpResult.PENDING,
    )
    channel = models.CharField(
        "评价渠道 (answered by)", max_length=10, choices=FollowUpChannel.choices, blank=True
    )
    # The citizen's answers (set together when result is "answered").
    contacted = models.BooleanField("单位已联系 (unit contacted)", null=True, blank=True)
    solved = models.BooleanField("已解决 (solved)", null=True, blank=True)
    satisfaction = models.CharField(
        "满意度 (satisfaction)", max_length=20, choices=Satisfaction.choices, blank=True
    )
    comment = models.TextField("市民意见 (comment)", blank=True)
    # When the result became final; the month this follow-up counts in. Never changes again.
    finished_at = models.DateTimeField("完成时间 (finished at)", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision = models.CharField(
        "处理 (decision)", max_length=10, choices=Decision.choices, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "回访 (follow-up)"
        verbose_name_plural = "回访 (follow-ups)"
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
    outcome = models.CharField("呼叫结果 (outcome)", max_length=20, choices=CallOutcome.choices)
    note = models.TextField("备注 (note)", blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    called_at = models.DateTimeField()

    class Meta:
        verbose_name = "回访电话 (follow-up call)"
        verbose_name_plural = "回访电话 (follow-up calls)"
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
        verbose_name = "回访链接 (survey link)"
        verbose_name_plural = "回访链接 (survey links)"

    def __str__(self) -> str:
        return f"{self.follow_up_id} {'used' if self.used_at else 'open'}"


class ExemptionReason(models.TextChoices):
    UNREASONABLE = "unreasonable", "诉求不合理 (unreasonable demand)"
    OUTSIDE_POWERS = "outside_powers", "超出政府职权范围 (outside government powers)"
    MALICIOUS_REPETITION = "malicious_repetition", "恶意重复诉求 (malicious repetition)"
    LEGAL_PROCESS = "legal_process", "已进入司法、仲裁等程序 (in court or arbitration)"
    FORCE_MAJEURE = "force_majeure", "客观条件限制暂无法解决 (objectively impossible for now)"
    OTHER = "other", "其他 (other)"


class Exemption(models.Model):
    """免考核: a unit asks that one ticket leave its rates; a dispatcher approves or rejects.

    Approved exemptions count from ``decided_at``: a month closed before that keeps the ticket in
    its figures. Approvals are final (no revoking): the record is what the snapshot relied on.
    """

    ticket = models.ForeignKey(
        "workorders.Ticket", on_delete=models.CASCADE, related_name="exemptions"
    )
    unit = models.ForeignKey("workorders.Unit", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("免考核原因 (reason)", max_length=30, choices=ExemptionReason.choices)
    explanation = models.TextField("说明 (explanation)")
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
        verbose_name = "免考核申请 (exemption)"
        verbose_name_plural = "免考核申请 (exemptions)"
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
    LEAD_ONLY = "lead_only", "仅主办单位计分 (only the lead unit is scored)"
    SHARED = "shared", "协办单位同样计分 (assisting units are scored alike)"


class EvaluationRule(models.Model):
    """One version of the scoring rules, valid from the month of ``valid_from`` until the next
    version. Versions are never edited (the admin adds a new one), so a month is always scored
    — and re-scored — by the rules that were valid for it."""

    valid_from = models.DateField("生效月份 (valid from)", unique=True)
    weight_response = models.PositiveSmallIntegerField(
        "响应率权重 (response weight, %)", default=10
    )
    weight_resolution = models.PositiveSmallIntegerField(
        "解决率权重 (resolution weight, %)", default=50
    )
    weight_satisfaction = models.PositiveSmallIntegerField(
        "满意率权重 (satisfaction weight, %)", default=40
    )
    basic_factor = models.DecimalField(
        "基本满意折算系数 (basically satisfied factor)",
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.90"),
    )
    # 1: calendar months. 19: the month named March runs from February 19 to March 18.
    cutoff_day = models.PositiveSmallIntegerField("考核月起始日 (month starts on day)", default=1)
    assist_scoring = models.CharField(
        "协办单位计分 (assisting units)",
        max_length=10,
        choices=AssistScoring.choices,
        default=AssistScoring.LEAD_ONLY,
    )
    # Response counts only when the unit also recorded contact before its due time.
    response_on_time = models.BooleanField(
        "响应须在联系时限内 (response must be on time)", default=False
    )
    governance_top_n = models.PositiveSmallIntegerField(
        "治理类街乡镇数 (streets/towns flagged)", default=10
    )
    note = models.TextField("说明 (note)", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "考核规则 (evaluation rule)"
        verbose_name_plural = "考核规则 (evaluation rules)"
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

    month = models.DateField("考核月份 (month)")  # first day of the month it is named after
    version = models.PositiveSmallIntegerField("版本 (version)", default=1)
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
    reason = models.TextField("重新结算原因 (reason)", blank=True)
    # The version pages show; earlier versions stay for the record.
    is_current = models.BooleanField(default=True)

    class Meta:
        verbose_name = "月度考核结果 (monthly snapshot)"
        verbose_name_plural = "月度考核结果 (monthly snapshots)"
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
    volume = models.PositiveIntegerField(null=True, blank=True)
    response_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    resolution_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    satisfaction_rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    composite = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    rank = models.PositiveIntegerField(null=True, blank=True)
    previous_rank = models.PositiveIntegerField(null=True, blank=True)
    governance = models.BooleanField(default=False)

    class Meta:
        verbose_name = "单位月度成绩 (unit's month)"
        verbose_name_plural = "单位月度成绩 (units' months)"
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
