"""GET /api/analysis/cockpit/: the cockpit's figures as JSON (the page's own data)."""

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from analysis import cockpit as reads
from workorders.api.views import ApiView, errors


class CockpitView(ApiView):
    @extend_schema(
        summary=gettext_lazy("领导驾驶舱数据"),
        description=gettext_lazy(
            "领导、派单员、管理员。period 为 day、week 或 month（默认 month），end 为结束日期"
            "（YYYY-MM-DD，默认今天，不能晚于今天）。返回所选时段的诉求量及去年同期、趋势、"
            "渠道、分类树、区和街道、在办工单亮灯、当月考核三率与排名；每个数字带 url："
            "其背后的工单列表。"
        ),
        tags=["analysis"],
        parameters=[
            OpenApiParameter("period", OpenApiTypes.STR, enum=list(reads.PERIODS)),
            OpenApiParameter("end", OpenApiTypes.DATE),
        ],
        responses={200: OpenApiTypes.OBJECT, **errors(400, 401, 403)},
    )
    def get(self, request):
        period = reads.cockpit_period(
            period=request.query_params.get("period"), end=request.query_params.get("end")
        )
        return Response(reads.cockpit_data(user=request.user, period=period))
