"""Reference data (units, categories, regions) and the sign-in token."""

from rest_framework import serializers

from workorders.models import Category, Region, Unit


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
