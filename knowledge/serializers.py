"""Shapes of the knowledge API: one serializer for reading an entry, one for its input."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from knowledge.models import Entry, EntryVersion, Visibility


class EntrySerializer(serializers.ModelSerializer):
    category_name = serializers.CharField(source="category.name", default="", read_only=True)
    unit_name = serializers.CharField(source="unit.name", default="", read_only=True)

    class Meta:
        model = Entry
        fields = [
            "id",
            "title",
            "body",
            "category",
            "category_name",
            "keywords",
            "unit",
            "unit_name",
            "visibility",
            "valid_from",
            "valid_until",
            "review_on",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class EntryInput(serializers.Serializer):
    """Create (every field optional but the rules: a published entry needs title and body) and
    change (only the fields sent). The service checks lengths and references."""

    title = serializers.CharField(required=False, allow_blank=True, trim_whitespace=True)
    body = serializers.CharField(required=False, allow_blank=True, trim_whitespace=True)
    visibility = serializers.ChoiceField(
        choices=Visibility.choices,
        required=False,
        error_messages={"invalid_choice": _("可见范围应为 public、internal、draft 或 archived")},
    )
    category = serializers.IntegerField(required=False, allow_null=True)
    keywords = serializers.CharField(required=False, allow_blank=True)
    unit = serializers.IntegerField(required=False, allow_null=True)
    valid_from = serializers.DateField(required=False, allow_null=True)
    valid_until = serializers.DateField(required=False, allow_null=True)
    review_on = serializers.DateField(required=False, allow_null=True)


class RestoreInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class VersionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default="", read_only=True)

    class Meta:
        model = EntryVersion
        fields = ["number", "changed", "actor", "note", "created_at", "snapshot"]
        read_only_fields = fields


class SearchResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    score = serializers.FloatField(help_text=_("余弦相似度，0 到 1"))
    snippet = serializers.CharField()
    body = serializers.CharField()
    good = serializers.BooleanField(help_text=_("得分足以作为答复"))


class SearchResponseSerializer(serializers.Serializer):
    search = serializers.IntegerField(help_text=_("本次查询的编号，点击结果时回传"))
    results = SearchResultSerializer(many=True)


class ClickInput(serializers.Serializer):
    entry = serializers.IntegerField()
