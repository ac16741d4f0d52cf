"""REST endpoints of follow-up and evaluation: the agent's queue and calls, the citizen's survey,
exemptions, monthly rankings (JSON and exports) and closing a month.

Adapters like workorders.api.views: shapes checked by evaluation.serializers, roles and rules in
evaluation.services / evaluation.selectors. Routes are in hotline.api_urls.
"""

from django.http import HttpResponse
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response

from evaluation import exports, selectors, services
from evaluation import serializers as es
from evaluation.periods import parse_month
from evaluation.selectors import CONSOLE_TABS
from hotline.lib.errors import InvalidInput
from workorders import selectors as ticket_selectors
from workorders.api import serializers as s
from workorders.api.views import (
    ApiView,
    ListView,
    PublicApiView,
    TicketQueueView,
    errors,
)


@extend_schema_view(
    get=extend_schema(
        summary=gettext_lazy("回访中的工单"),
        description=gettext_lazy("回访员、派单员：回访中的工单。"),
        tags=["follow-up"],
        responses={200: s.TicketListSerializer(many=True), **errors(400, 401, 403)},
    )
)
class FollowUpQueueView(TicketQueueView):
    selector = staticmethod(ticket_selectors.follow_up_queue)


# --- follow-up rounds ---------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        summary=gettext_lazy("回访台"),
        description=gettext_lazy(
            "due 待呼叫、undecided 未解决待处理、waiting 等待短信评价、recent 今日已完成。回访员、派单员。"
        ),
        tags=["follow-up"],
        parameters=[OpenApiParameter("tab", OpenApiTypes.STR, enum=list(CONSOLE_TABS))],
        responses={200: es.FollowUpSerializer(many=True), **errors(400, 401, 403)},
    )
)
class FollowUpListView(ListView):
    serializer_class = es.FollowUpSerializer

    def get_queryset(self):
        tab = self.request.query_params.get("tab", "due")
        return selectors.follow_up_queue(user=self.request.user, tab=tab)


class FollowUpDetailView(ApiView):
    @extend_schema(
        summary=gettext_lazy("回访详情"),
        tags=["follow-up"],
        responses={200: es.FollowUpSerializer, **errors(401, 403, 404)},
    )
    def get(self, request, pk: int):
        return Response(
            es.FollowUpSerializer(selectors.follow_up_get(user=request.user, pk=pk)).data
        )


class FollowUpCallView(ApiView):
    @extend_schema(
        summary=gettext_lazy("记录回访电话"),
        description=gettext_lazy(
            "接通(reached)须带 contacted、solved、satisfaction；未解决时 decision 可为 reopen（须填 reason）或 close。拒绝、号码错误、最后一次未接通即完成回访并归档。"
        ),
        tags=["follow-up"],
        request=es.CallInputSerializer,
        responses={200: es.FollowUpSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        selectors.follow_up_get(user=request.user, pk=pk)
        data = self.parse(es.CallInputSerializer)
        follow_up = services.follow_up_record_call(follow_up_id=pk, actor=request.user, **data)
        return Response(es.FollowUpSerializer(follow_up).data)


class FollowUpDecisionView(ApiView):
    @extend_schema(
        summary=gettext_lazy("未解决的处理"),
        tags=["follow-up"],
        request=es.FollowUpDecisionInputSerializer,
        responses={200: es.FollowUpSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        selectors.follow_up_get(user=request.user, pk=pk)
        data = self.parse(es.FollowUpDecisionInputSerializer)
        follow_up = services.follow_up_decide(follow_up_id=pk, actor=request.user, **data)
        return Response(es.FollowUpSerializer(follow_up).data)


# --- the citizen's survey ------------------------------------------------------------------------------


class SurveyView(PublicApiView):
    @extend_schema(
        summary=gettext_lazy("打开回访链接"),
        description=gettext_lazy("无需登录；链接无效 404，已过期 410，已使用或回访已结束 409。"),
        tags=["survey"],
        auth=[],
        responses={200: es.SurveyTicketSerializer, **errors(400, 404, 409)},
    )
    def get(self, request, token: str):
        return Response(es.SurveyTicketSerializer(services.survey_get(token=token)).data)

    @extend_schema(
        summary=gettext_lazy("提交回访评价"),
        description=gettext_lazy("每个链接只能提交一次。"),
        tags=["survey"],
        auth=[],
        request=es.AnswersInputSerializer,
        responses={200: es.SurveyTicketSerializer, **errors(400, 404, 409)},
    )
    def post(self, request, token: str):
        data = self.parse(es.AnswersInputSerializer)
        follow_up = services.survey_submit(token=token, **data)
        return Response(es.SurveyTicketSerializer(follow_up).data)


# --- exemptions -------------------------------------------------------------------------------------------


@extend_schema_view(
    get=extend_schema(
        summary=gettext_lazy("免考核申请"),
        description=gettext_lazy("承办单位看本单位的，派单员、领导看全部。"),
        tags=["evaluation"],
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=["pending", "approved", "rejected"])
        ],
        responses={200: es.ExemptionSerializer(many=True), **errors(400, 401, 403)},
    ),
    post=extend_schema(
        summary=gettext_lazy("申请免考核"),
        description=gettext_lazy("承办单位工作人员，限本单位办理过的工单。"),
        tags=["evaluation"],
        request=es.ExemptionInputSerializer,
        responses={201: es.ExemptionSerializer, **errors(400, 401, 403, 404, 409)},
    ),
)
class ExemptionsView(ListView):
    serializer_class = es.ExemptionSerializer

    def get_queryset(self):
        status_filter = self.request.query_params.get("status", "")
        return selectors.exemption_list(user=self.request.user, status=status_filter)

    def post(self, request):
        data = self.parse(es.ExemptionInputSerializer)
        exemption = services.exemption_request(
            ticket_id=data["ticket"],
            actor=request.user,
            reason=data["reason"],
            explanation=data["explanation"],
        )
        return Response(es.ExemptionSerializer(exemption).data, status=status.HTTP_201_CREATED)


class ExemptionDecisionView(ApiView):
    @extend_schema(
        summary=gettext_lazy("审核免考核"),
        tags=["evaluation"],
        request=es.ExemptionDecisionInputSerializer,
        responses={200: es.ExemptionSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def post(self, request, pk: int):
        data = self.parse(es.ExemptionDecisionInputSerializer)
        exemption = services.exemption_decide(exemption_id=pk, actor=request.user, **data)
        return Response(es.ExemptionSerializer(exemption).data)


# --- rankings ---------------------------------------------------------------------------------------------


class RankingsView(ApiView):
    @extend_schema(
        summary=gettext_lazy("月度排名"),
        description=gettext_lazy("领导、派单员。已结算的月份返回发布的快照，否则实时计算。"),
        tags=["evaluation"],
        responses={200: es.MonthSerializer, **errors(400, 401, 403)},
    )
    def get(self, request, month: str):
        view = selectors.month_view(user=request.user, month=parse_month(month))
        return Response(es.month_data(view))


class UnitMonthView(ApiView):
    @extend_schema(
        summary=gettext_lazy("单位月度成绩"),
        description=gettext_lazy("本单位工作人员，或领导、派单员。"),
        tags=["evaluation"],
        responses={200: es.UnitFiguresSerializer, **errors(400, 401, 403, 404)},
    )
    def get(self, request, month: str, unit_id: int):
        _, figures = selectors.unit_month(
            user=request.user, month=parse_month(month), unit_id=unit_id
        )
        return Response(es.UnitFiguresSerializer(figures).data)


@extend_schema_view(
    get=extend_schema(
        summary=gettext_lazy("指标背后的回访"),
        description="figure: "
        + ", ".join(selectors.FIGURES)
        + gettext_lazy("。红灯、重办、诉求量请用页面。"),
        tags=["evaluation"],
        responses={200: es.FollowUpSerializer(many=True), **errors(400, 401, 403, 404)},
    )
)
class DrillDownView(ListView):
    serializer_class = es.FollowUpSerializer

    def get_queryset(self):
        kwargs = self.kwargs
        result = selectors.drill_down(
            user=self.request.user,
            month=parse_month(kwargs["month"]),
            unit_id=kwargs["unit_id"],
            figure=kwargs["figure"],
        )
        if result.follow_ups is None:
            raise InvalidInput(gettext("该指标是工单列表，请在页面查看"))
        return result.follow_ups.prefetch_related("calls")


class ExportView(ApiView):
    kind = "xlsx"

    @extend_schema(
        summary=gettext_lazy("导出排名"),
        tags=["evaluation"],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **errors(400, 401, 403)},
    )
    def get(self, request, month: str):
        view = selectors.month_view(user=request.user, month=parse_month(month))
        if self.kind == "xlsx":
            content = exports.xlsx_bytes(view)
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            content, content_type = exports.csv_text(view), "text/csv; charset=utf-8"
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = (
            f'attachment; filename="{exports.filename(view, self.kind)}"'
        )
        return response


class CsvExportView(ExportView):
    kind = "csv"


class CloseMonthView(ApiView):
    @extend_schema(
        summary=gettext_lazy("结算发布月度排名"),
        description=gettext_lazy("管理员。已发布的月份再次结算须填写原因，记为新版本。"),
        tags=["evaluation"],
        request=es.CloseMonthInputSerializer,
        responses={201: es.MonthSerializer, **errors(400, 401, 403, 409)},
    )
    def post(self, request, month: str):
        data = self.parse(es.CloseMonthInputSerializer)
        selected = parse_month(month)
        services.month_close(month=selected, actor=request.user, reason=data["reason"])
        view = selectors.month_view_for(selected)
        return Response(es.month_data(view), status=status.HTTP_201_CREATED)
