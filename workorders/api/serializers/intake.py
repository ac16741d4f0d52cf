"""Submitting a request: JSON with base64 images or multipart with files."""

import base64
import binascii

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from workorders.models import Channel, RequestType, Urgency
from workorders.services import Upload


class AttachmentInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, help_text=_("原文件名"))
    data_base64 = serializers.CharField(help_text=_("图片内容，Base64 编码"))


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
            raise serializers.ValidationError(gettext("附件需为列表"))
        uploads = []
        for index, item in enumerate(data, start=1):
            item = item if isinstance(item, dict) else {}
            encoded, name = item.get("data_base64"), item.get("name") or f"photo-{index}"
            if not isinstance(encoded, str) or not isinstance(name, str) or len(name) > 200:
                raise serializers.ValidationError(
                    gettext("第 %(index)s 个附件格式不正确，需为 {name, data_base64}")
                    % {"index": index}
                )
            try:
                uploads.append(Upload(name=name, data=_decode_base64(encoded)))
            except (binascii.Error, ValueError):
                raise serializers.ValidationError(
                    gettext("第 %(index)s 个附件不是有效的 Base64 数据") % {"index": index}
                ) from None
        return uploads

    def to_representation(self, value):
        return []


class IntakeSerializer(serializers.Serializer):
    title = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("标题，可留空")
    )
    content = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="诉求内容 (5–5000 字)"
    )
    citizen_name = serializers.CharField(required=False, allow_blank=True, default="")
    citizen_phone = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("留空即匿名")
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
        help_text=_("仅话务员/派单员可指定；匿名与市民固定为 app"),
    )
    request_type = serializers.ChoiceField(
        choices=RequestType.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("仅话务员/派单员可指定"),
    )
    urgency = serializers.ChoiceField(
        choices=Urgency.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("仅话务员/派单员可指定"),
    )

    def validate_channel(self, value: str) -> str:
        # A proactive work order is raised from the tickets behind it, through its own endpoint.
        if value == Channel.PROACTIVE:
            raise serializers.ValidationError(_("主动治理工单须从来源工单创建"))
        return value


class IntakeJSONSerializer(IntakeSerializer):
    attachments = Base64AttachmentsField(required=False, default=list)


class IntakeMultipartSerializer(IntakeSerializer):
    attachments = serializers.ListField(
        child=serializers.FileField(max_length=200),
        required=False,
        default=list,
        help_text=_("图片文件，可多个"),
    )

    def validate_attachments(self, files) -> list[Upload]:
        # Read one byte past the limit at most: the service then reports the size, and a huge
        # upload never sits in memory whole.
        limit = settings.ATTACHMENT_MAX_BYTES + 1
        return [Upload(name=file.name, data=file.read(limit)) for file in files]


class IntakeResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text=_("工单编号"))
    query_code = serializers.CharField(help_text=_("查询码，凭编号与查询码查进度"))
    status = serializers.CharField()
    registered_at = serializers.DateTimeField()
