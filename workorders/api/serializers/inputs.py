"""The bodies of ticket actions."""

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
