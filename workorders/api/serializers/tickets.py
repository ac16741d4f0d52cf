"""Tickets in lists and in detail, as the asking user may see them."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from workorders.access import CENTER_ROLES, role_of
from workorders.api.serializers.approvals import (
    ExtensionRequestSerializer,
    HandOffSerializer,
    PauseSerializer,
    ReturnRequestSerializer,
    SupervisionSerializer,
)
from workorders.api.serializers.common import NamedRefSerializer, named_ref
from workorders.api.serializers.timeline import TIMELINE_SCHEMA, timeline_data
from workorders.lights import light_name
from workorders.models import Channel, PauseStatus, RequestStatus, Role, Status, Urgency
from workorders.selectors import (
    TicketView,
    priority_reason,
    ticket_raised_by,
    ticket_supervisions,
    ticket_view,
)

# A light as the API names it (workorders.lights.light_name); "" while that clock does not run.
# Described and constrained by a pattern, not an enum: four fields sharing one enum make
# drf-spectacular warn about the enum's name unless settings name it.
LIGHT_SCHEMA = {
    "type": "string",
    "pattern": "^(green|yellow|red)?$",
    "description": _("green 正常 / yellow 即将到期 / red 已超期；空串表示未计时"),
}
# The annotations every list selector (and ticket_detail in the views) puts on the rows.
LIGHT_FIELDS = ("light", "dispatch_light", "accept_light", "contact_light", "resolve_light")


class TicketListSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    channel = serializers.ChoiceField(choices=Channel.choices)
    request_type = serializers.CharField(
        help_text=_(
            "inquiry 咨询 / help 求助 / complaint 投诉 / report 举报 / suggestion 建议 / "
            "praise 表扬；话务员所选或分类器预测，空串表示尚未判断"
        )
    )
    request_type_label = serializers.CharField(source="get_request_type_display")
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    category = serializers.SerializerMethodField()
    region = serializers.SerializerMethodField()
    lead_unit = serializers.SerializerMethodField()
    assist_units = serializers.SerializerMethodField()
    confidential = serializers.BooleanField()
    reopen_count = serializers.IntegerField()
    registered_at = serializers.DateTimeField()
    status_changed_at = serializers.DateTimeField()
    # Null until the ticket is dispatched (registered, triage, answered directly, invalid).
    accept_due_at = serializers.DateTimeField(allow_null=True)
    contact_due_at = serializers.DateTimeField(allow_null=True)
    resolve_due_at = serializers.DateTimeField(allow_null=True)
    dispatch_due_at = serializers.DateTimeField(
        allow_null=True, help_text=_("分拨时限：等待派单员派单的时限（已受理、待分拨时计时）")
    )
    dispatch_warn_at = serializers.DateTimeField(allow_null=True, help_text=_("分拨黄灯时刻"))
    # Lights: derived in the list's own SQL (workorders.lights), no query per row.
    light = serializers.SerializerMethodField(help_text=_("工单总灯色，取各项中最严重者"))
    dispatch_light = serializers.SerializerMethodField(help_text=_("分拨"))
    accept_light = serializers.SerializerMethodField(help_text=_("签收"))
    contact_light = serializers.SerializerMethodField(help_text=_("联系诉求人"))
    resolve_light = serializers.SerializerMethodField(help_text=_("办结"))
    accept_warn_at = serializers.DateTimeField(allow_null=True, help_text=_("签收黄灯时刻"))
    contact_warn_at = serializers.DateTimeField(allow_null=True, help_text=_("联系黄灯时刻"))
    resolve_warn_at = serializers.DateTimeField(allow_null=True, help_text=_("办结黄灯时刻"))
    follow_up_due_at = serializers.DateTimeField(allow_null=True, help_text="回访时限")
    priority_reason = serializers.SerializerMethodField(
        help_text=_(
            "排在此位置的原因：紧急 / 已超期 N / 黄灯 / 等待 N；单位工作台与待分拨队列按优先级排序"
            "（紧急、红灯、黄灯、等待最久）"
        )
    )
    paused_at = serializers.DateTimeField(
        allow_null=True,
        help_text=_("暂停计时的时刻；非空表示计时已暂停，灯色停在该时刻"),
    )

    def get_priority_reason(self, ticket) -> str:
        return priority_reason(ticket)

    @extend_schema_field(LIGHT_SCHEMA)
    def get_light(self, ticket) -> str:
        return light_name(ticket.light)

    @extend_schema_field(LIGHT_SCHEMA)
    def get_dispatch_light(self, ticket) -> str:
        return light_name(ticket.dispatch_light)

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
        return named_ref(ticket.category)

    @extend_schema_field(NamedRefSerializer(allow_null=True))
    def get_region(self, ticket) -> dict | None:
        return named_ref(ticket.region)

    # Both read the active assignments the selectors (or the detail view) prefetched.
    @extend_schema_field(NamedRefSerializer(allow_null=True))
    def get_lead_unit(self, ticket) -> dict | None:
        lead = ticket.lead_assignment
        return named_ref(lead.unit) if lead else None

    @extend_schema_field(NamedRefSerializer(many=True))
    def get_assist_units(self, ticket) -> list[dict]:
        return [
            named_ref(a.unit) for a in ticket.assignments.all() if a.active and a.role == "assist"
        ]


class TriageTicketSerializer(TicketListSerializer):
    suggestion = serializers.JSONField(help_text=_("分类与派单建议"))


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
        return named_ref(assignment.unit)


class AttachmentSerializer(serializers.Serializer):
    # No file name: the citizen's file name may carry personal data.
    id = serializers.IntegerField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField(
        help_text=_("下载地址（站点根路径起），凭令牌或会话下载，无权查看工单则 404")
    )

    def get_url(self, attachment) -> str:
        return reverse("api-ticket-attachment", args=[attachment.ticket_id, attachment.token])


class FieldVisitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    unit = serializers.SerializerMethodField()
    visited_at = serializers.DateTimeField()
    visitors = serializers.CharField(help_text=_("走访人员（自由填写）"))
    findings = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    recorded_by = serializers.SerializerMethodField(help_text=_("登记人"))
    recorded_at = serializers.DateTimeField()
    photos = serializers.SerializerMethodField()

    @extend_schema_field(NamedRefSerializer)
    def get_unit(self, visit) -> dict | None:
        return named_ref(visit.unit)

    def get_recorded_by(self, visit) -> str:
        user = visit.recorded_by
        if user is None:
            return ""
        profile = getattr(user, "profile", None)
        return (profile.display_name if profile else "") or user.username

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_photos(self, visit) -> list[dict]:
        return AttachmentSerializer(visit.photos.all(), many=True).data


class TicketDetailSerializer(TicketListSerializer):
    """One ticket as ``context["user"]`` may see it (access.citizen_view decides the citizen)."""

    # The docstring is the schema's description. The citizen, the timeline and the photos come
    # from selectors.ticket_view (which applies access.citizen_view), as on the ticket page.

    content = serializers.CharField()
    address = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    citizen = serializers.SerializerMethodField()
    reply = serializers.CharField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    merged_into = serializers.SerializerMethodField()
    merged_tickets = serializers.SerializerMethodField(
        help_text=_("合并到本工单的重复工单编号，最早的在前")
    )
    raised_by = serializers.SerializerMethodField(
        help_text=_("反映这一问题的人数：本工单和合并到本工单的工单的来电人，同一号码算一人")
    )
    invalid_reason = serializers.CharField()
    category_path = serializers.SerializerMethodField()
    suggestion = serializers.SerializerMethodField()
    assignments = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField(help_text=_("市民提交的照片"))
    visits = serializers.SerializerMethodField(
        help_text=_("上门走访，最早的在前；仅工作人员可见（市民为空列表）")
    )
    field_visit_required = serializers.SerializerMethodField(
        help_text=_("工单分类要求办结前登记上门走访")
    )
    pending_return = serializers.SerializerMethodField()
    pending_extension = serializers.SerializerMethodField()
    pause = serializers.SerializerMethodField()
    hand_off = serializers.SerializerMethodField()
    supervisions = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    stub = serializers.SerializerMethodField(
        help_text=_("false：完整工单；true 见 TicketStub（本单位已不再承办）")
    )
    version = serializers.CharField(
        read_only=True,
        help_text=_("工单当前状态的版本：派单时原样传回 version，工单已被他人改动则回答 409"),
    )

    @property
    def _user(self):
        return self.context["user"]

    def _view(self, ticket) -> TicketView:
        # The citizen, the timeline and the photos: the same read-model as the ticket page.
        view = getattr(self, "_ticket_view", None)
        if view is None or view.ticket.pk != ticket.pk:
            view = self._ticket_view = ticket_view(user=self._user, ticket=ticket)
        return view

    def _is_center(self) -> bool:
        return role_of(self._user) in CENTER_ROLES

    @extend_schema_field(CitizenSerializer)
    def get_citizen(self, ticket) -> dict:
        return self._view(ticket).citizen

    @extend_schema_field(serializers.CharField(allow_null=True, help_text="主工单编号"))
    def get_merged_into(self, ticket) -> str | None:
        return ticket.merged_into.number if ticket.merged_into_id else None

    def _raised(self, ticket) -> dict:
        raised = getattr(self, "_raised_by", None)
        if raised is None or raised[0] != ticket.pk:
            raised = self._raised_by = (ticket.pk, ticket_raised_by(ticket=ticket))
        return raised[1]

    def get_merged_tickets(self, ticket) -> list[str]:
        return self._raised(ticket)["merged"]

    def get_raised_by(self, ticket) -> int:
        return self._raised(ticket)["people"]

    def get_stub(self, ticket) -> bool:
        return False

    def get_category_path(self, ticket) -> str:
        return ticket.category.full_name if ticket.category_id else ""

    @extend_schema_field(serializers.JSONField(help_text=_("仅热线中心可见")))
    def get_suggestion(self, ticket) -> dict:
        return ticket.suggestion if self._is_center() else {}

    @extend_schema_field(AssignmentSerializer(many=True))
    def get_assignments(self, ticket) -> list[dict]:
        active = [a for a in ticket.assignments.all() if a.active]
        return AssignmentSerializer(active, many=True).data

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, ticket) -> list[dict]:
        return AttachmentSerializer(self._view(ticket).attachments, many=True).data

    def get_field_visit_required(self, ticket) -> bool:
        return bool(ticket.category_id and ticket.category.field_visit_required)

    @extend_schema_field(FieldVisitSerializer(many=True))
    def get_visits(self, ticket) -> list[dict]:
        return FieldVisitSerializer(self._view(ticket).visits, many=True).data

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
            help_text=_("待审核或进行中的暂停计时；市民不可见"),
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
        HandOffSerializer(
            allow_null=True,
            help_text=_("转派社区：进行中的一次，否则最近一次；市民不可见"),
        )
    )
    def get_hand_off(self, ticket) -> dict | None:
        if role_of(self._user) == Role.CITIZEN:
            return None
        hand_off = (
            ticket.hand_offs.select_related("street", "community")
            .order_by("-handed_off_at", "-pk")
            .first()
        )
        return HandOffSerializer(hand_off).data if hand_off else None

    @extend_schema_field(SupervisionSerializer(many=True, help_text=_("督办记录；市民不可见")))
    def get_supervisions(self, ticket) -> list[dict]:
        if role_of(self._user) == Role.CITIZEN:
            return []
        notices = ticket_supervisions(ticket=ticket).select_related(
            "ticket", "created_by__profile", "acknowledged_by__profile"
        )
        return SupervisionSerializer(notices, many=True).data

    @extend_schema_field(TIMELINE_SCHEMA)
    def get_timeline(self, ticket) -> list[dict]:
        return timeline_data(self._view(ticket))


class TicketStubSerializer(serializers.Serializer):
    """A ticket the unit no longer handles (re-dispatched away, or its return approved): only
    what it knew of it (access.TicketStub)."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    stub = serializers.BooleanField(default=True, help_text=_("总是 true"))
    ended = serializers.ChoiceField(
        choices=["redispatched", "returned"], help_text="redispatched 已改派 / returned 已退回"
    )
    ended_label = serializers.CharField()
    registered_at = serializers.DateTimeField()
    dispatched_at = serializers.DateTimeField(allow_null=True, help_text=_("派至本单位的时间"))
    ended_at = serializers.DateTimeField(allow_null=True, help_text=_("改派或退单通过的时间"))


class UnitLightCountsSerializer(serializers.Serializer):
    red = serializers.IntegerField(help_text=_("红灯工单数"))
    yellow = serializers.IntegerField(help_text=_("黄灯工单数"))
    supervisions = serializers.IntegerField(help_text=_("待回复督办数"))


class RevealedContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
