"""The Ticket aggregate: the ticket, its unit assignments, timeline, attachments and requests."""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, When
from django.db.models.functions import Least
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Status(models.TextChoices):
    # A context of their own: the same words name actions elsewhere (不予受理 "mark invalid").
    # Stored, waiting for the worker to classify it.
    REGISTERED = "registered", pgettext_lazy("ticket status", "已受理")
    # The classifier was unsure, or a return was approved: a dispatcher decides.
    TRIAGE = "triage", pgettext_lazy("ticket status", "待分拨")
    # Sent to a lead unit (and maybe assisting units), not yet accepted by the lead.
    DISPATCHED = "dispatched", pgettext_lazy("ticket status", "已派单")
    # The lead unit asked to send it back; a dispatcher approves or rejects.
    RETURN_REQUESTED = "return_requested", pgettext_lazy("ticket status", "退单审核中")
    # The lead unit acknowledged it.
    ACCEPTED = "accepted", pgettext_lazy("ticket status", "已签收")
    # The lead unit reached the citizen and is working on it.
    IN_PROGRESS = "in_progress", pgettext_lazy("ticket status", "办理中")
    # Replied: by the lead unit, or directly by an operator.
    RESOLVED = "resolved", pgettext_lazy("ticket status", "已办结")
    # The center is asking the citizen about the result.
    FOLLOW_UP = "follow_up", pgettext_lazy("ticket status", "回访中")
    # Final.
    CLOSED = "closed", pgettext_lazy("ticket status", "已归档")
    # Final: a duplicate merged into a master ticket.
    MERGED = "merged", pgettext_lazy("ticket status", "已合并")
    # Final: not dispatched for one of the legitimate reasons.
    INVALID = "invalid", pgettext_lazy("ticket status", "不予受理")


OPEN_STATUSES = [
    Status.REGISTERED,
    Status.TRIAGE,
    Status.DISPATCHED,
    Status.RETURN_REQUESTED,
    Status.ACCEPTED,
    Status.IN_PROGRESS,
]
FINAL_STATUSES = [Status.CLOSED, Status.MERGED, Status.INVALID]

# Whose clock runs in which status (workorders/lights.py derives the light from these). A deadline
# is met when the lead unit did the thing, and ticket_accept / ticket_contact move the status in
# the same transaction as the lead assignment's accepted_at / contacted_at, so the status tells
# us without a join. During a return review only the resolve clock runs: the unit has answered
# (asked to return), the citizen is still waiting.
# Plain strings (.value): they end up in an index definition, and so in a migration.
ACCEPT_RUNNING = [Status.DISPATCHED.value]
CONTACT_RUNNING = [Status.DISPATCHED.value, Status.ACCEPTED.value]
RESOLVE_RUNNING = [
    Status.DISPATCHED.value,
    Status.ACCEPTED.value,
    Status.IN_PROGRESS.value,
    Status.RETURN_REQUESTED.value,
]
# The center's own clock: from registration (or a return approved, or a merge undone) until a
# dispatcher sends the ticket to a unit, answers it or marks it invalid.
DISPATCH_RUNNING = [Status.REGISTERED.value, Status.TRIAGE.value]
# Every status in which some clock runs: the red-light index covers exactly these.
CLOCK_RUNNING = [*DISPATCH_RUNNING, *RESOLVE_RUNNING]


class Light(models.IntegerChoices):
    """A deadline's light; the order is the severity, so the overall light is the maximum."""

    NONE = 0, _("未计时")
    GREEN = 1, _("绿灯")
    YELLOW = 2, _("黄灯")
    RED = 3, _("红灯")


def red_at_expression() -> Case:
    """When the ticket turns red: the earliest due time whose clock runs in its status.

    Both the expression index ``ticket_red_at`` and workorders.lights use this one definition,
    so PostgreSQL matches the query to the index.
    """
    return Case(
        When(status__in=DISPATCH_RUNNING, then=F("dispatch_due_at")),
        When(
            status=Status.DISPATCHED.value,
            then=Least("accept_due_at", "contact_due_at", "resolve_due_at"),
        ),
        When(status=Status.ACCEPTED.value, then=Least("contact_due_at", "resolve_due_at")),
        When(
            status__in=[Status.IN_PROGRESS.value, Status.RETURN_REQUESTED.value],
            then=F("resolve_due_at"),
        ),
        output_field=models.DateTimeField(),
    )


class Channel(models.TextChoices):
    WEB = "web", _("网页")
    PHONE = "phone", _("电话")
    APP = "app", _("移动应用")
    API = "api", _("接口")
    # Raised by the center itself from a hotspot or a cluster of requests (主动治理, 未诉先办):
    # no citizen, no follow-up; the tickets behind it are linked to it.
    PROACTIVE = "proactive", _("主动治理")


class RequestType(models.TextChoices):
    INQUIRY = "inquiry", _("咨询")
    HELP = "help", _("求助")
    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")
    SUGGESTION = "suggestion", _("建议")
    PRAISE = "praise", _("表扬")


class Urgency(models.TextChoices):
    EMERGENCY = "emergency", _("紧急")
    URGENT = "urgent", _("加急")
    NORMAL = "normal", _("一般")


class InvalidReason(models.TextChoices):
    """Legitimate reasons not to dispatch (Beijing regulation, art. 11), plus plain spam."""

    EMERGENCY_TRANSFERRED = "emergency_transferred", _("已转110/119/120/122")
    OTHER_LEGAL_CHANNEL = (
        "other_legal_channel",
        _("属诉讼、仲裁、纪检、复议、信访等渠道"),
    )
    REPEAT_NO_NEW_FACTS = "repeat_no_new_facts", _("重复诉求且无新情况")
    SECRETS_PRIVACY = "secrets_privacy", _("涉及国家秘密或个人隐私")
    OUTSIDE_DUTIES = "outside_duties", _("不属于任何单位职责")
    UNLAWFUL_DEMAND = "unlawful_demand", _("违反法律法规的诉求")
    SPAM = "spam", _("无效或骚扰")


class TicketQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    # The light vocabulary; the expressions live in workorders/lights.py (imported late: it
    # imports this module).
    def with_lights(self, *, now=None):
        """Annotate accept_light, contact_light, resolve_light and light (Light values)."""
        from workorders.lights import annotate_lights

        return annotate_lights(self, now=now)

    def lit(self, light: int, *, now=None):
        """Tickets whose overall light is ``light`` right now (index-friendly for RED)."""
        from workorders.lights import filter_light

        return filter_light(self, light, now=now)

    def overdue(self, *, now=None):
        return self.lit(Light.RED, now=now)


class Ticket(models.Model):
    number = models.CharField(_("工单编号"), max_length=20, unique=True)
    # With the number, lets a citizen without an account follow the ticket.
    query_code = models.CharField(_("查询码"), max_length=8)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    request_type = models.CharField(
        _("诉求类型"), max_length=12, choices=RequestType.choices, blank=True
    )
    urgency = models.CharField(
        _("紧急程度"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    citizen_name = models.CharField(_("诉求人姓名"), max_length=40, blank=True)
    citizen_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    citizen_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="submitted_tickets",
    )
    confidential = models.BooleanField(_("要求保密"), default=False)
    title = models.CharField(_("标题"), max_length=100)
    content = models.TextField(_("诉求内容"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    region = models.ForeignKey(
        "workorders.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    category = models.ForeignKey(
        "workorders.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.REGISTERED
    )
    registered_at = models.DateTimeField(_("受理时间"))
    status_changed_at = models.DateTimeField(_("状态变更时间"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the classifier suggested, kept for the triage queue's pre-filled form and for training.
    suggestion = models.JSONField(_("分类建议"), default=dict, blank=True)
    # True once a dispatcher has confirmed the category: such tickets are training labels.
    category_confirmed = models.BooleanField(default=False)
    reply = models.TextField(_("答复内容"), blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    invalid_reason = models.CharField(
        _("不予受理原因"), max_length=30, choices=InvalidReason.choices, blank=True
    )
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    # Last time the stale-ticket sweep re-queued it: keeps the sweep from re-queuing every minute.
    requeued_at = models.DateTimeField(null=True, blank=True)
    # Set when the task of the ticket's current status (classification when registered, the
    # survey in follow-up) could not be sent to the broker; cleared once it is re-sent. The
    # short re-queue sweeps read only these, so they cost nothing when no send failed.
    enqueue_failed_at = models.DateTimeField(null=True, blank=True)
    # The dispatch step's deadline (workorders.deadline_policies.dispatch_due_times): set when
    # the ticket starts waiting for the center (registered, back in triage); its light runs
    # only in DISPATCH_RUNNING, so dispatching, answering or invalidating ends it.
    dispatch_due_at = models.DateTimeField(_("分拨时限"), null=True, blank=True)
    dispatch_warn_at = models.DateTimeField(_("分拨预警"), null=True, blank=True)
    accept_due_at = models.DateTimeField(_("签收时限"), null=True, blank=True)
    contact_due_at = models.DateTimeField(_("联系时限"), null=True, blank=True)
    resolve_due_at = models.DateTimeField(_("办结时限"), null=True, blank=True)
    # Deadlines (workorders/deadline_policies.py, workorders/lights.py). The yellow moment is
    # stored, not derived: "80 % of the allowed time" counted in working hours needs the holiday
    # calendar, which SQL cannot see. What the sweep has recorded lives in TicketLightState.
    accept_warn_at = models.DateTimeField(_("签收预警"), null=True, blank=True)
    contact_warn_at = models.DateTimeField(_("联系预警"), null=True, blank=True)
    resolve_warn_at = models.DateTimeField(_("办结预警"), null=True, blank=True)
    # Set when the ticket is resolved: the center's own deadline for the follow-up call.
    follow_up_due_at = models.DateTimeField(_("回访时限"), null=True, blank=True)
    # Set while an approved pause stops the clock (workorders.services.pauses).
    paused_at = models.DateTimeField(_("暂停计时于"), null=True, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        ordering = ["-registered_at"]
        indexes = [
            # Queues and the stale-ticket sweep: status filter, oldest/newest first.
            models.Index(fields=["status", "registered_at"], name="ticket_status_registered"),
            models.Index(fields=["registered_at"], name="ticket_registered_at"),
            # The short re-queue sweeps (dispatch, evaluation): WHERE status = … AND
            # enqueue_failed_at IS NOT NULL. Empty unless the broker was down.
            models.Index(
                fields=["status"],
                name="ticket_enqueue_failed",
                condition=Q(enqueue_failed_at__isnull=False),
            ),
            # The duplicate lookup: one region's tickets registered in the last days, newest
            # first (not partial on the open statuses: SQLite cannot use such an index when the
            # statuses are bound parameters).
            models.Index(fields=["region", "registered_at"], name="ticket_region_registered"),
            # selectors.caller_history: one phone number's tickets of the last 12 months.
            models.Index(fields=["citizen_phone", "registered_at"], name="ticket_phone_registered"),
            # The units' monthly proactive-work column (evaluation.scoring.proactive_counts) and
            # the proactive list: the few proactive tickets, by when they were resolved.
            models.Index(
                fields=["resolved_at"],
                name="ticket_proactive_resolved",
                condition=Q(channel="proactive"),
            ),
            # workorders.selectors.supervision_queue, .lit(RED), .overdue(): WHERE status IN
            # (running) AND red_at <= now ORDER BY red_at, id — most overdue first, from the index.
            # On PostgreSQL the migrations add INCLUDE (status, paused_at, due times) so the red
            # count is an index-only scan (0002, and 0009 with the dispatch deadline); keep that
            # if this definition changes.
            models.Index(
                red_at_expression(),
                F("id"),
                name="ticket_red_at",
                condition=Q(status__in=CLOCK_RUNNING),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="merged") | Q(merged_into__isnull=False),
                name="ticket_merged_has_master",
            ),
            models.CheckConstraint(
                condition=~Q(status="invalid") | ~Q(invalid_reason=""),
                name="ticket_invalid_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def version(self) -> str:
        """The state a form was filled in against, sent back with it (dispatch): it changes with
        every status change, a re-dispatch included (``transition()`` sets status_changed_at),
        and only compares equal or not."""
        since_epoch = self.status_changed_at - datetime(1970, 1, 1, tzinfo=UTC)
        return str(since_epoch // timedelta(microseconds=1))

    @property
    def is_anonymous(self) -> bool:
        return not self.citizen_phone

    @property
    def lead_assignment(self) -> "Assignment | None":
        for assignment in self.assignments.all():
            if assignment.active and assignment.role == Assignment.Role.LEAD:
                return assignment
        return None


class Assignment(models.Model):
    """One unit's part in a ticket: its own acceptance and contact state."""

    class Role(models.TextChoices):
        LEAD = "lead", _("主办")
        ASSIST = "assist", _("协办")
        # A community the lead street handed the ticket down to (转派社区): it works it and
        # reports back; the street stays the lead (workorders.services.hand_offs).
        COMMUNITY = "community", _("社区承办")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="assignments")
    unit = models.ForeignKey("workorders.Unit", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=10, choices=Role.choices)
    # False once the dispatcher re-dispatched or approved a return: kept for the record.
    active = models.BooleanField(default=True)
    dispatched_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    contacted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("派单")
        verbose_name_plural = _("派单")
        indexes = [
            # The unit workbench: active assignments of one unit.
            models.Index(fields=["unit", "active"], name="assignment_unit_active"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(active=True, role="lead"),
                name="assignment_one_active_lead",
            ),
            models.UniqueConstraint(
                fields=["ticket", "unit"],
                condition=Q(active=True),
                name="assignment_unit_once_per_ticket",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket.number} → {self.unit} ({self.role})"


class EventKind(models.TextChoices):
    REGISTERED = "registered", _("受理")
    CLASSIFIED = "classified", _("智能分类")
    REQUEUED = "requeued", _("重新排队")
    TRIAGED = "triaged", _("转人工分拨")
    DISPATCHED = "dispatched", _("派单")
    ACCEPTED = "accepted", _("签收")
    CONTACTED = "contacted", _("联系诉求人")
    PROGRESS = "progress", _("办理进展")
    RETURN_REQUESTED = "return_requested", _("申请退单")
    RETURN_APPROVED = "return_approved", _("退单通过")
    RETURN_REJECTED = "return_rejected", _("退单驳回")
    EXTENSION_REQUESTED = "extension_requested", _("申请延期")
    EXTENSION_APPROVED = "extension_approved", _("延期通过")
    EXTENSION_REJECTED = "extension_rejected", _("延期驳回")
    RESOLVED = "resolved", _("办结")
    ANSWERED = "answered", _("直接答复")
    MERGED = "merged", _("合并重复工单")
    # On the duplicate (back to triage) and on its master: the merge was undone.
    UNMERGED = "unmerged", _("取消合并")
    INVALIDATED = "invalidated", _("不予受理")
    FOLLOW_UP_STARTED = "follow_up_started", _("转回访")
    REOPENED = "reopened", _("重办")
    CLOSED = "closed", _("归档")
    SUPPLEMENTED = "supplemented", _("市民补充信息")
    CONTACT_REVEALED = "contact_revealed", _("查看联系方式")
    # Deadlines (workorders.services.deadline_sweep): recorded once per change by the sweep.
    LIGHT_YELLOW = "light_yellow", _("黄灯预警")
    LIGHT_RED = "light_red", _("红灯超期")
    SUPERVISED = "supervised", _("督办")
    SUPERVISION_ACKNOWLEDGED = "supervision_acknowledged", _("督办已回复")
    # A district government presses one of its streets/towns (区政府督促); acknowledged like 督办.
    PRESSED = "pressed", _("区政府督促")
    PAUSE_REQUESTED = "pause_requested", _("申请暂停计时")
    PAUSE_REJECTED = "pause_rejected", _("暂停计时驳回")
    PAUSED = "paused", _("暂停计时")
    RESUMED = "resumed", _("恢复计时")
    # Follow-up and evaluation (evaluation.services): actions that leave the status alone.
    SURVEY_SENT = "survey_sent", _("发送回访短信")
    FOLLOW_UP_CALL = "follow_up_call", _("回访电话")
    FOLLOW_UP_ANSWERED = "follow_up_answered", _("市民评价")
    EXEMPTION_REQUESTED = "exemption_requested", _("申请免考核")
    EXEMPTION_APPROVED = "exemption_approved", _("免考核通过")
    EXEMPTION_REJECTED = "exemption_rejected", _("免考核驳回")
    # Hand-offs to a community (workorders.services.hand_offs); ``unit`` is the unit that must
    # act next: the community for a hand-off or a send-back, the street for a report.
    HANDED_OFF = "handed_off", _("转派社区")
    HAND_OFF_REPORTED = "hand_off_reported", _("社区反馈办理结果")
    HAND_OFF_SENT_BACK = "hand_off_sent_back", _("社区反馈被退回")
    HAND_OFF_WITHDRAWN = "hand_off_withdrawn", _("撤回转派")
    HAND_OFF_CLOSED = "hand_off_closed", _("社区承办结束")
    # Field visits and the request type (workorders.services.visits / center).
    FIELD_VISIT = "field_visit", _("上门走访")
    REQUEST_TYPE_CHANGED = "request_type_changed", _("更正诉求类型")
    # Proactive work: on a request when a proactive work order is raised from it (and on that
    # order, naming its sources), and on the request when the order is resolved.
    PROACTIVE_LINKED = "proactive_linked", _("纳入主动治理")
    PROACTIVE_RESOLVED = "proactive_resolved", _("主动治理办结")
    # A ticket brought over from the old system (a management command): the first event of its
    # timeline, at its original registration time, with the file and line it came from.
    IMPORTED = "imported", _("历史导入")


class TicketEvent(models.Model):
    """The timeline: every transition and every action a person or the system took."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit = models.ForeignKey(
        "workorders.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    # Shown on the citizen's tracking page.
    public = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("工单事件")
        verbose_name_plural = _("工单事件")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="event_ticket_time"),
            # evaluation.scoring.event_counts: red lights, reopenings and presses per unit in a month,
            # WHERE kind IN (…) AND created_at in the month GROUP BY unit, kind — an index-only
            # scan of the few rows of those kinds instead of the whole timeline table.
            models.Index(
                fields=["kind", "created_at", "unit", "ticket"],
                name="event_red_reopen_month",
                condition=Q(kind__in=["light_red", "reopened", "pressed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    # Stored under an opaque name: the citizen's file name may carry personal data.
    return (
        f"attachments/{instance.ticket.registered_at:%Y/%m}/{instance.token}.{instance.extension}"
    )


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(upload_to=attachment_path)
    content_type = models.CharField(max_length=40)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    original_name = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField()
    # A unit's field-visit photo (staff only); None: the citizen's photo, shown to them too.
    visit = models.ForeignKey(
        "workorders.FieldVisit",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="photos",
    )

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.original_name or self.token}"


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已驳回")


class ReturnRequest(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="return_requests")
    unit = models.ForeignKey("workorders.Unit", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("退单理由"))
    # The ticket's status before the request, restored when the request is rejected.
    previous_status = models.CharField(max_length=20, choices=Status.choices)
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
        verbose_name = _("退单申请")
        verbose_name_plural = _("退单申请")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(status="pending"), name="return_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} 退单 ({self.status})"


class ExtensionRequest(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="extension_requests")
    unit = models.ForeignKey("workorders.Unit", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("延期理由"))
    requested_due_at = models.DateTimeField(_("申请延至"))
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
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=Q(status="pending"), name="extension_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} 延期 ({self.status})"


class TicketNumberCounter(models.Model):
    """Per-day sequence behind ticket numbers like 20261122-000123."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class SubmissionKey(models.Model):
    """A one-time submission token (the form's) or an API client's Idempotency-Key, and the
    ticket it registered: submitting again with it answers that ticket instead of a new one.
    In the database so that every web process sees it; kept for SUBMISSION_KEY_HOURS."""

    # sha256 of the client's scope and key: the key itself may be anything a client sends.
    digest = models.CharField(max_length=64, unique=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    # Serves the purge of expired keys at each keyed registration.
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.digest[:12]} → {self.ticket_id}"
