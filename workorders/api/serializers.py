"""What the API accepts and returns.

Input serializers check only the shape of a request (types, known choices, ids that exist, a
ceiling on text length); the rules of the domain (minimum lengths, phone numbers, images, who may
do what) stay in ``workorders.services``, so the pages and the API give the same answers.
"""

import base64
import binascii

from django.conf import settings
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from workorders import selectors
from workorders.access import CENTER_ROLES, citizen_view, role_of
from workorders.lights import light_name
from workorders.models import (
    Category,
    Channel,
    InvalidReason,
    PauseStatus,
    Region,
    RequestStatus,
    RequestType,
    Role,
    Status,
    Ticket,
    Unit,
    Urgency,
)
from workorders.selectors import ticket_supervisions
from workorders.services import Upload

# Longest free text any action accepts; the services set the real (smaller) limits.
TEXT_MAX = 4000
# Statuses in which the citizen sees the reply.
REPLIED = {Status.RESOLVED, Status.FOLLOW_UP, Status.CLOSED}


def _error_serializer():
    # "fields" would shadow Serializer.fields if declared in a class body.
    return type(
        "Error",
        (serializers.Serializer,),
        {
            "code": serializers.CharField(
                help_text="invalid_input / forbidden / not_found / conflict / not_authenticated …"
            ),
            "message": serializers.CharField(
                help_text="中文在前，英文在括号内 (Chinese first, English in parentheses)"
            ),
            "fields": serializers.DictField(
                child=serializers.ListField(child=serializers.CharField()),
                help_text="字段 → 错误信息 (field → messages)",
            ),
        },
    )


ErrorSerializer = _error_serializer()


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


def _ref(obj) -> dict | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None


# --- intake ------------------------------------------------------------------------------------


class AttachmentInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, help_text="原文件名 (file name)")
    data_base64 = serializers.CharField(help_text="图片内容，Base64 编码 (image bytes, base64)")


def _decode_base64(text: str) -> bytes:
    if text.startswith("data:") and "," in text:
        text = text.split(",", 1)[1]  # a data: URL straight from a browser's FileReader
    return base64.b64decode("".join(text.split()), validate=True)


@extend_schema_field(AttachmentInputSerializer(many=True))
class Base64AttachmentsField(serializers.Field):
    """JSON attachments as a flat list of errors, one message per bad item."""

    def __init__(self, **kwargs):
        kwargs.setdefault("write_only", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> list[Upload]:
        if not isinstance(data, list):
            raise serializers.ValidationError("附件需为列表 (attachments must be a list)")
        uploads = []
        for index, item in enumerate(data, start=1):
            item = item if isinstance(item, dict) else {}
            encoded, name = item.get("data_base64"), item.get("name") or f"photo-{index}"
            if not isinstance(encoded, str) or not isinstance(name, str) or len(name) > 200:
                raise serializers.ValidationError(
                    f"第 {index} 个附件格式不正确，需为 {{name, data_base64}} "
                    f"(attachment {index}: expected name and data_base64)"
                )
            try:
                uploads.append(Upload(name=name, data=_decode_base64(encoded)))
            except (binascii.Error, ValueError):
                raise serializers.ValidationError(
                    f"第 {index} 个附件不是有效的 Base64 数据 (attachment {index}: invalid base64)"
                ) from None
        return uploads

    def to_representation(self, value):
        return []


class IntakeSerializer(serializers.Serializer):
    title = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="标题，可留空 (optional)"
    )
    content = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="诉求内容 (5–5000 字)"
    )
    citizen_name = serializers.CharField(required=False, allow_blank=True, default="")
    citizen_phone = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="留空即匿名 (empty: anonymous)"
    )
    address = serializers.CharField(required=False, allow_blank=True, default="")
    confidential = serializers.BooleanField(required=False, default=False)
    latitude = serializers.FloatField(required=False, allow_null=True, default=None)
    longitude = serializers.FloatField(required=False, allow_null=True, default=None)
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="仅话务员/派单员可指定；匿名与市民固定为 app (operators only)",
    )
    request_type = serializers.ChoiceField(
        choices=RequestType.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="仅话务员/派单员可指定 (operators only)",
    )
    urgency = serializers.ChoiceField(
        choices=Urgency.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="仅话务员/派单员可指定 (operators only)",
    )


class IntakeJSONSerializer(IntakeSerializer):
    attachments = Base64AttachmentsField(required=False, default=list)


class IntakeMultipartSerializer(IntakeSerializer):
    attachments = serializers.ListField(
        child=serializers.FileField(max_length=200),
        required=False,
        default=list,
        help_text="图片文件，可多个 (image files)",
    )

    def validate_attachments(self, files) -> list[Upload]:
        # Read one byte past the limit at most: the service then reports the size, and a huge
        # upload never sits in memory whole.
        limit = settings.ATTACHMENT_MAX_BYTES + 1
        return [Upload(name=file.name, data=file.read(limit)) for file in files]


class IntakeResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text="工单编号 (ticket number)")
    query_code = serializers.CharField(help_text="查询码，凭编号与查询码查进度 (query code)")
    status = serializers.CharField()
    registered_at = serializers.DateTimeField()


# --- tickets -----------------------------------------------------------------------------------


class StaffEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    label = serializers.CharField(source="get_kind_display")
    at = serializers.DateTimeField(source="created_at")
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = serializers.SerializerMethodField()
    unit = serializers.SerializerMethodField()
    reason = serializers.CharField()
    data = serializers.JSONField()
    public = serializers.BooleanField()

    def get_actor(self, event) -> str:
        actor = event.actor
        if actor is None:
            return ""
        profile = getattr(actor, "profile", None)
        if profile is not None and profile.role == Role.CITIZEN:
            # The citizen's own account name would undo masking and confidentiality.
            return "市民 (citizen)"
        return (profile.display_name if profile else "") or actor.username

    def get_unit(self, event) -> str:
        return event.unit.name if event.unit else ""


class PublicEventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    at = serializers.DateTimeField()
    unit = serializers.CharField()
    text = serializers.CharField()


TIMELINE_SCHEMA = PolymorphicProxySerializer(
    component_name="TimelineEntry",
    serializers=[StaffEventSerializer, PublicEventSerializer],
    resource_type_field_name=None,
    many=True,
)


def timeline_for(*, user, ticket: Ticket) -> list[dict]:
    """Full timeline for the hotline's and units' staff; the public one for citizens."""
    if role_of(user) == Role.CITIZEN:
        return PublicEventSerializer(selectors.public_timeline(ticket=ticket), many=True).data
    events = selectors.ticket_timeline(ticket=ticket, public_only=False).select_related(
        "actor__profile"
    )
    return StaffEventSerializer(events, many=True).data


# A light as the API names it (workorders.lights.light_name); "" while that clock does not run.
# Described and constrained by a pattern, not an enum: four fields sharing one enum make
# drf-spectacular warn about the enum's name unless settings name it.
LIGHT_SCHEMA = {
    "type": "string",
    "pattern": "^(green|yellow|red)?$",
    "description": "green 正常 / yellow 即将到期 / red 已超期；空串表示未计时 "
    "(green on time, yellow due soon, red overdue; empty: the clock does not run)",
}
# The annotations every list selector (and ticket_detail in the views) puts on the rows.
LIGHT_FIELDS = ("light", "accept_light", "contact_light", "resolve_light")


def _person(user) -> str:
    if user is None:
        return ""
    profile = getattr(user, "profile", None)
    return (profile.display_name if profile else "") or user.username


class TicketListSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    channel = serializers.ChoiceField(choices=Channel.choices)
    request_type = serializers.CharField()
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    category = serializers.SerializerMethodField()
    region = serializers.SerializerMethodField()
    lead_unit = serializers.SerializerMethodField()
    assist_units = serializers.SerializerMethodField()
    confidential = serializers.BooleanField()
    reopen_count = serializers.IntegerField()
    registered_at = serializers.DateTimeField()
    status_changed_at = serializers.DateTimeField()
    accept_due_at = serializers.DateTimeField()
    contact_due_at = serializers.DateTimeField()
    resolve_due_at = serializers.DateTimeField()
    # Lights: derived in the list's own SQL (workorders.lights), no query per row.
    light = serializers.SerializerMethodField(help_text="工单总灯色，取三项中最严重者 (overall)")
    accept_light = serializers.SerializerMethodField(help_text="签收 (accept)")
    contact_light = serializers.SerializerMethodField(help_text="联系诉求人 (contact)")
    resolve_light = serializers.SerializerMethodField(help_text="办结 (resolve)")
    accept_warn_at = serializers.DateTimeField(
        allow_null=True, help_text="签收黄灯时刻 (accept turns yellow)"
    )
    contact_warn_at = serializers.DateTimeField(
        allow_null=True, help_text="联系黄灯时刻 (contact turns yellow)"
    )
    resolve_warn_at = serializers.DateTimeField(
        allow_null=True, help_text="办结黄灯时刻 (resolve turns yellow)"
    )
    follow_up_due_at = serializers.DateTimeField(allow_null=True, help_text="回访时限")
    paused_at = serializers.DateTimeField(
        allow_null=True,
        help_text="暂停计时的时刻；非空表示计时已暂停，灯色停在该时刻 "
        "(set while an approved pause stops the clock; the light stays as it was then)",
    )

    @extend_schema_field(LIGHT_SCHEMA)
    def get_light(self, ticket) -> str:
        return light_name(ticket.light)

    @extend_schema_field(LIGHT_SCHEMA)
    def get_accept_light(self, ticket) -> str:
        return light_name(ticket.accept_light)

    @extend_schema_field(LIGHT_SCHEMA)
    def get_contact_light(self, ticket) -> str:
        return light_name(ticket.contact_light)

    @extend_schema_field(LIGHT_SCHEMA)
    def get_resolve_light(self, ticket) -> str:
        return light_name(ticket.resolve_light)

    @extend_schema_field(NamedRefSerializer(allow_null=True))
    def get_category(self, ticket) -> dict | None:
        return _ref(ticket.category)

    @extend_schema_field(NamedRefSerializer(allow_null=True))
    def get_region(self, ticket) -> dict | None:
        return _ref(ticket.region)

    # Both read the active assignments the selectors (or the detail view) prefetched.
    @extend_schema_field(NamedRefSerializer(allow_null=True))
    def get_lead_unit(self, ticket) -> dict | None:
        lead = ticket.lead_assignment
        return _ref(lead.unit) if lead else None

    @extend_schema_field(NamedRefSerializer(many=True))
    def get_assist_units(self, ticket) -> list[dict]:
        return [_ref(a.unit) for a in ticket.assignments.all() if a.active and a.role == "assist"]


class TriageTicketSerializer(TicketListSerializer):
    suggestion = serializers.JSONField(help_text="分类与派单建议 (classifier's suggestion)")


class CitizenSerializer(serializers.Serializer):
    level = serializers.ChoiceField(
        choices=["full", "masked", "hidden"],
        help_text="full 完整 / masked 脱敏（承办单位）/ hidden 保密工单",
    )
    name = serializers.CharField()
    phone = serializers.CharField()


class AssignmentSerializer(serializers.Serializer):
    unit = serializers.SerializerMethodField()
    role = serializers.CharField()
    dispatched_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    contacted_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(NamedRefSerializer)
    def get_unit(self, assignment) -> dict | None:
        return _ref(assignment.unit)


class AttachmentSerializer(serializers.Serializer):
    # No file name: the citizen's file name may carry personal data.
    id = serializers.IntegerField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()


class ReturnRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ticket_id = serializers.IntegerField()
    ticket_number = serializers.CharField(source="ticket.number")
    unit = serializers.SerializerMethodField()
    reason = serializers.CharField()
    status = serializers.SerializerMethodField()
    requested_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()

    @extend_schema_field(NamedRefSerializer)
    def get_unit(self, request) -> dict | None:
        return _ref(request.unit)

    # Described, not an enum: a second "status" enum collides with the ticket's StatusEnum unless
    # SPECTACULAR_SETTINGS names both in ENUM_NAME_OVERRIDES.
    @extend_schema_field(
        {"type": "string", "description": "pending 待审核 / approved 已通过 / rejected 已驳回"}
    )
    def get_status(self, request) -> str:
        return request.status


class ExtensionRequestSerializer(ReturnRequestSerializer):
    requested_due_at = serializers.DateTimeField()


class PauseSerializer(serializers.Serializer):
    """A request to stop the resolve clock, and the pause once approved."""

    id = serializers.IntegerField()
    ticket_id = serializers.IntegerField()
    ticket_number = serializers.CharField(source="ticket.number")
    unit = serializers.SerializerMethodField()
    reason = serializers.CharField()
    status = serializers.SerializerMethodField()
    requested_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()
    started_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(NamedRefSerializer)
    def get_unit(self, pause) -> dict | None:
        return _ref(pause.unit)

    @extend_schema_field(
        {
            "type": "string",
            "description": "pending 待审核 / active 暂停中 / rejected 已驳回 / ended 已恢复",
        }
    )
    def get_status(self, pause) -> str:
        return pause.status


class SupervisionSerializer(serializers.Serializer):
    """A 督办 notice to a unit, and the unit's answer."""

    id = serializers.IntegerField()
    ticket_id = serializers.IntegerField()
    ticket_number = serializers.CharField(source="ticket.number")
    unit = serializers.SerializerMethodField()
    note = serializers.CharField(help_text="督办意见 (the center's note)")
    created_by = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    acknowledged_by = serializers.SerializerMethodField()
    acknowledged_at = serializers.DateTimeField(
        allow_null=True, help_text="为空表示单位尚未回复 (empty: not answered yet)"
    )
    response = serializers.CharField(help_text="单位回复 (the unit's answer)")

    @extend_schema_field(NamedRefSerializer)
    def get_unit(self, notice) -> dict | None:
        return _ref(notice.unit)

    def get_created_by(self, notice) -> str:
        return _person(notice.created_by)

    def get_acknowledged_by(self, notice) -> str:
        return _person(notice.acknowledged_by)


class TicketDetailSerializer(TicketListSerializer):
    """One ticket as ``context["user"]`` may see it (access.citizen_view decides the citizen)."""

    content = serializers.CharField()
    address = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    citizen = serializers.SerializerMethodField()
    reply = serializers.CharField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    merged_into = serializers.SerializerMethodField()
    invalid_reason = serializers.CharField()
    category_path = serializers.SerializerMethodField()
    suggestion = serializers.SerializerMethodField()
    assignments = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    pending_return = serializers.SerializerMethodField()
    pending_extension = serializers.SerializerMethodField()
    pause = serializers.SerializerMethodField()
    supervisions = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()

    @property
    def _user(self):
        return self.context["user"]

    def _is_center(self) -> bool:
        return role_of(self._user) in CENTER_ROLES

    @extend_schema_field(CitizenSerializer)
    def get_citizen(self, ticket) -> dict:
        return citizen_view(self._user, ticket)

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="主工单编号"))
    def get_merged_into(self, ticket) -> str | None:
        return ticket.merged_into.number if ticket.merged_into_id else None

    def get_category_path(self, ticket) -> str:
        return ticket.category.full_name if ticket.category_id else ""

    @extend_schema_field(serializers.JSONField(help_text="仅热线中心可见 (center staff only)"))
    def get_suggestion(self, ticket) -> dict:
        return ticket.suggestion if self._is_center() else {}

    @extend_schema_field(AssignmentSerializer(many=True))
    def get_assignments(self, ticket) -> list[dict]:
        active = [a for a in ticket.assignments.all() if a.active]
        return AssignmentSerializer(active, many=True).data

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, ticket) -> list[dict]:
        return AttachmentSerializer(ticket.attachments.order_by("pk"), many=True).data

    def _pending(self, related, serializer_class):
        if role_of(self._user) == Role.CITIZEN:
            return None
        request = related.filter(status=RequestStatus.PENDING).select_related("unit").first()
        return serializer_class(request).data if request else None

    @extend_schema_field(ReturnRequestSerializer(allow_null=True))
    def get_pending_return(self, ticket) -> dict | None:
        return self._pending(ticket.return_requests, ReturnRequestSerializer)

    @extend_schema_field(ExtensionRequestSerializer(allow_null=True))
    def get_pending_extension(self, ticket) -> dict | None:
        return self._pending(ticket.extension_requests, ExtensionRequestSerializer)

    @extend_schema_field(
        PauseSerializer(
            allow_null=True,
            help_text="待审核或进行中的暂停计时；市民不可见 (pending or running pause; staff only)",
        )
    )
    def get_pause(self, ticket) -> dict | None:
        if role_of(self._user) == Role.CITIZEN:
            return None
        pause = (
            ticket.pauses.filter(status__in=[PauseStatus.PENDING, PauseStatus.ACTIVE])
            .select_related("unit")
            .first()
        )
        return PauseSerializer(pause).data if pause else None

    @extend_schema_field(
        SupervisionSerializer(many=True, help_text="督办记录；市民不可见 (staff only)")
    )
    def get_supervisions(self, ticket) -> list[dict]:
        if role_of(self._user) == Role.CITIZEN:
            return []
        notices = ticket_supervisions(ticket=ticket).select_related(
            "ticket", "created_by__profile", "acknowledged_by__profile"
        )
        return SupervisionSerializer(notices, many=True).data

    @extend_schema_field(TIMELINE_SCHEMA)
    def get_timeline(self, ticket) -> list[dict]:
        return timeline_for(user=self._user, ticket=ticket)


class UnitLightCountsSerializer(serializers.Serializer):
    red = serializers.IntegerField(help_text="红灯工单数 (overdue)")
    yellow = serializers.IntegerField(help_text="黄灯工单数 (due soon)")
    supervisions = serializers.IntegerField(help_text="待回复督办数 (notices to answer)")


class RevealedContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()


# --- the citizen's tracking page ---------------------------------------------------------------


class MasterResultSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    reply = serializers.CharField()


class PublicTicketSerializer(serializers.Serializer):
    """What anyone holding the number and query code sees: no staff names, no internal notes."""

    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    category = serializers.SerializerMethodField()
    registered_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    reply = serializers.SerializerMethodField()
    invalid_reason = serializers.SerializerMethodField()
    merged_into = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()

    def get_category(self, ticket) -> str:
        return ticket.category.name if ticket.category_id else ""

    def get_reply(self, ticket) -> str:
        return ticket.reply if ticket.status in REPLIED else ""

    def get_invalid_reason(self, ticket) -> str:
        return ticket.get_invalid_reason_display() if ticket.invalid_reason else ""

    @extend_schema_field(MasterResultSerializer(allow_null=True))
    def get_merged_into(self, ticket) -> dict | None:
        master = ticket.merged_into if ticket.status == Status.MERGED else None
        if master is None:
            return None
        return {
            "number": master.number,
            "status": master.status,
            "status_label": master.get_status_display(),
            "reply": master.reply if master.status in REPLIED else "",
        }

    @extend_schema_field(PublicEventSerializer(many=True))
    def get_timeline(self, ticket) -> list[dict]:
        return PublicEventSerializer(selectors.public_timeline(ticket=ticket), many=True).data


class TrackingKeySerializer(serializers.Serializer):
    """Number and code as typed by anyone: bounded, and no NUL (PostgreSQL rejects it in text)."""

    number = serializers.CharField(max_length=40)
    code = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")


class SupplementInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=16, help_text="查询码 (query code)")
    text = serializers.CharField(
        max_length=TEXT_MAX, allow_blank=True, help_text="补充内容 (2–2000 字)"
    )


# --- action inputs -----------------------------------------------------------------------------


def _text(help_text: str = "", **kwargs) -> serializers.CharField:
    # Optional at this layer: the service asks for what it needs, in the same words as the pages.
    return serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=TEXT_MAX,
        help_text=help_text,
        **kwargs,
    )


class NoteInputSerializer(serializers.Serializer):
    note = _text("说明 (note)")


class ProgressInputSerializer(serializers.Serializer):
    note = _text("办理进展 (progress note)")
    public = serializers.BooleanField(
        required=False, default=False, help_text="市民可见 (shown to the citizen)"
    )


class ReasonInputSerializer(serializers.Serializer):
    reason = _text("理由 (reason)")


class ResponseInputSerializer(serializers.Serializer):
    response = _text("督办回复：正在如何处理 (what the unit is doing about it)")


class DecisionInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField(help_text="true 通过 / false 驳回")
    note = _text("审核意见，驳回时必填 (required when rejecting)")


class ExtensionInputSerializer(serializers.Serializer):
    reason = _text("延期理由 (reason)")
    requested_due_at = serializers.DateTimeField(help_text="申请延至 (new resolve due time)")


class ReplyInputSerializer(serializers.Serializer):
    reply = _text("答复内容 (reply to the citizen)")


class MergeInputSerializer(serializers.Serializer):
    master_number = serializers.CharField(max_length=40, help_text="主工单编号 (master number)")
    reason = _text("合并说明 (reason)")


class InvalidationInputSerializer(serializers.Serializer):
    reason_code = serializers.ChoiceField(choices=InvalidReason.choices)
    note = _text("补充说明 (note)")


# --- reference data ----------------------------------------------------------------------------


class UnitSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")

    class Meta:
        model = Unit
        fields = ["id", "name", "kind", "kind_label", "region", "parent", "phone", "is_active"]


class CategorySerializer(serializers.ModelSerializer):
    full_name = serializers.CharField()

    class Meta:
        model = Category
        fields = ["id", "name", "full_name", "parent", "level", "is_active"]


class RegionSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField()
    level_label = serializers.CharField(source="get_level_display")

    class Meta:
        model = Region
        fields = ["id", "name", "full_name", "level", "level_label", "parent"]


class TokenResultSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="请求头 Authorization: Token <token>")
