"""GET /api/analysis/hotspots/: the hotspots and clusters of a period (leaders, dispatchers)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from analysis.hotspots import selectors
from analysis.models import HotspotKind
from workorders.api.views import ApiView, errors


class NodeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    full_name = serializers.CharField()
    level = serializers.IntegerField()


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    days = serializers.IntegerField()


class SurgeSerializer(serializers.Serializer):
    category = NodeSerializer()
    region = NodeSerializer()
    count = serializers.IntegerField(help_text="distinct callers in the period")
    expected = serializers.FloatField(help_text="the cell's baseline mean")
    score = serializers.FloatField(help_text="-log10 of the p-value (capped at 30)")
    kind = serializers.ChoiceField(choices=HotspotKind.choices)
    ratio = serializers.FloatField()
    p_value = serializers.FloatField()
    q_value = serializers.FloatField(allow_null=True, help_text="Benjamini–Hochberg adjusted")
    spot = serializers.CharField(help_text="the normalised address of a concentrated hotspot")


class ClusterSerializer(serializers.Serializer):
    tickets = serializers.ListField(child=serializers.CharField(), help_text="ticket numbers")
    region = NodeSerializer(allow_null=True)
    summary = serializers.CharField()
    category = NodeSerializer(allow_null=True)
    first_at = serializers.DateTimeField()
    last_at = serializers.DateTimeField()


class HotspotsSerializer(serializers.Serializer):
    period = PeriodSerializer()
    surges = SurgeSerializer(many=True)
    clusters = ClusterSerializer(many=True)


class HotspotsView(ApiView):
    @extend_schema(
        summary="热点（四高）与聚类 (hotspots and clusters)",
        description=(
            "领导、派单员。统计期为截至 end（含）的 days 天；每个分类×区域单元与其自身的往期基线"
            "比较（负二项上尾检验，Benjamini–Hochberg 控制误报），按来电人去重。"
        ),
        tags=["analysis"],
        parameters=[
            OpenApiParameter("end", OpenApiTypes.DATE, description="YYYY-MM-DD, default yesterday"),
            OpenApiParameter("days", OpenApiTypes.INT, description="1..366, default 7"),
        ],
        responses={200: HotspotsSerializer, **errors(400, 401, 403)},
    )
    def get(self, request):
        result = selectors.report(
            user=request.user, end=request.GET.get("end"), days=request.GET.get("days")
        )
        return Response(selectors.report_data(result))
