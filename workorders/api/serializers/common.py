"""What every part of the API shares: the error shape, named references, the text ceiling."""

from django.utils.translation import gettext as _
from rest_framework import serializers

# Longest free text any action accepts; the services set the real (smaller) limits.
TEXT_MAX = 4000


def _error_serializer():
    # "fields" would shadow Serializer.fields if declared in a class body.
    return type(
        "Error",
        (serializers.Serializer,),
        {
            "code": serializers.CharField(
                help_text="invalid_input / forbidden / not_found / conflict / not_authenticated …"
            ),
            "message": serializers.CharField(help_text=_("中文在前，英文在括号内")),
            "fields": serializers.DictField(
                child=serializers.ListField(child=serializers.CharField()),
                help_text=_("字段 → 错误信息"),
            ),
        },
    )


ErrorSerializer = _error_serializer()


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


def named_ref(obj) -> dict | None:
    return {"id": obj.pk, "name": obj.name} if obj is not None else None
