"""The bodies of ticket actions."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from workorders.api.serializers.common import TEXT_MAX
from workorders.models import InvalidReason


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
    note = _text(_("说明"))


class ProgressInputSerializer(serializers.Serializer):
    note = _text(_("办理进展"))
    public = serializers.BooleanField(required=False, default=False, help_text=_("市民可见"))


class ReasonInputSerializer(serializers.Serializer):
    reason = _text(_("理由"))


class ResponseInputSerializer(serializers.Serializer):
    response = _text(_("督办回复：正在如何处理"))


class DecisionInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField(help_text="true 通过 / false 驳回")
    note = _text(_("审核意见，驳回时必填"))


class ExtensionInputSerializer(serializers.Serializer):
    reason = _text(_("延期理由"))
    requested_due_at = serializers.DateTimeField(help_text=_("申请延至"))


class ReplyInputSerializer(serializers.Serializer):
    reply = _text(_("答复内容"))


class MergeInputSerializer(serializers.Serializer):
    master_number = serializers.CharField(max_length=40, help_text=_("主工单编号"))
    reason = _text(_("合并说明"))


class InvalidationInputSerializer(serializers.Serializer):
    reason_code = serializers.ChoiceField(choices=InvalidReason.choices)
    note = _text(_("补充说明"))
