"""Requests the center decides (return, extension, pause) and its 督办 notices to units."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from workorders.api.serializers.common import NamedRefSerializer, named_ref
from workorders.models import HandOffStatus


def _person(user) -> str:
    if user is None:
        return ""
    profile = getattr(user, "profile", None)
    return (profile.display_name if profile else "") or user.username


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
        return named_ref(request.unit)

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
        return named_ref(pause.unit)

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
    source = serializers.CharField(
        help_text=_("center 热线中心督办 / district 区政府督促（by_unit 为督促的区政府）")
    )
    by_unit = serializers.SerializerMethodField()
    note = serializers.CharField(help_text=_("督办意见"))
    created_by = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    acknowledged_by = serializers.SerializerMethodField()
    acknowledged_at = serializers.DateTimeField(
        allow_null=True, help_text=_("为空表示单位尚未回复")
    )
    response = serializers.CharField(help_text=_("单位回复"))

    @extend_schema_field(NamedRefSerializer)
    def get_unit(self, notice) -> dict | None:
        return named_ref(notice.unit)

    @extend_schema_field(NamedRefSerializer(allow_null=True))
    def get_by_unit(self, notice) -> dict | None:
        return named_ref(notice.by_unit)

    def get_created_by(self, notice) -> str:
        return _person(notice.created_by)

    def get_acknowledged_by(self, notice) -> str:
        return _person(notice.acknowledged_by)


class HandOffSerializer(serializers.Serializer):
    """A hand-off to a community (转派社区): the street stays the lead unit."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(
        choices=HandOffStatus.choices,
        help_text="handed_off / accepted / reported / sent_back / closed / withdrawn",
    )
    status_label = serializers.CharField(source="get_status_display")
    street = serializers.SerializerMethodField()
    community = serializers.SerializerMethodField()
    note = serializers.CharField(help_text=_("转派说明"))
    handed_off_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    report = serializers.CharField(help_text=_("社区反馈的办理结果（最近一次）"))
    reported_at = serializers.DateTimeField(allow_null=True)
    street_note = serializers.CharField(help_text=_("街道退回或撤回的理由（最近一次）"))
    sent_back_count = serializers.IntegerField()
    ended_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(NamedRefSerializer)
    def get_street(self, hand_off) -> dict | None:
        return named_ref(hand_off.street)

    @extend_schema_field(NamedRefSerializer)
    def get_community(self, hand_off) -> dict | None:
        return named_ref(hand_off.community)
