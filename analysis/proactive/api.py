"""``/api/analysis/proactive/``: raise a proactive work order, list them. Adapters: the service
and selectors decide who may do what."""

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from analysis.proactive import selectors, services
from workorders.api import serializers as s
from workorders.api.views import ApiView, errors, ticket_detail
from workorders.models import Urgency


class ProactiveInputSerializer(serializers.Serializer):
    tickets = serializers.ListField(
        child=serializers.CharField(max_length=20),
        allow_empty=True,
        help_text=gettext_lazy("来源工单编号"),
    )
    title = serializers.CharField(allow_blank=True, help_text=gettext_lazy("标题 (2–100 字)"))
    content = serializers.CharField(allow_blank=True, help_text=gettext_lazy("工作内容"))
    category = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("诉求分类 id"))
    region = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("区域 id"))
    unit = serializers.IntegerField(allow_null=True, help_text=gettext_lazy("主办单位 id"))
    assist_units = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list
    )
    urgency = serializers.ChoiceField(
        choices=Urgency.choices, required=False, allow_blank=True, default=""
    )
    address = serializers.CharField(required=False, allow_blank=True, default="")


class LinkedTicketSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    registered_at = serializers.DateTimeField()


class PlaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    full_name = serializers.CharField()


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ProactiveRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    urgency = serializers.CharField()
    registered_at = serializers.DateTimeField()
    resolve_due_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    reply = serializers.CharField()
    category = PlaceSerializer(allow_null=True)
    region = PlaceSerializer(allow_null=True)
    lead_unit = serializers.SerializerMethodField()
    tickets = serializers.SerializerMethodField()

    @staticmethod
    def _lead(ticket):
        return next((a for a in ticket.assignments.all() if a.role == "lead"), None)

    @extend_schema_field(UnitRefSerializer(allow_null=True))
    def get_lead_unit(self, ticket) -> dict | None:
        lead = self._lead(ticket)
        return {"id": lead.unit_id, "name": lead.unit.name} if lead else None

    @extend_schema_field(LinkedTicketSerializer(many=True))
    def get_tickets(self, ticket) -> list[dict]:
        return [
            {
                "id": link.source.pk,
                "number": link.source.number,
                "status": link.source.status,
                "status_label": link.source.get_status_display(),
                "registered_at": link.source.registered_at,
            }
            for link in ticket.proactive_sources.all()
        ]


class ProactiveView(ApiView):
    @extend_schema(
        summary=gettext_lazy("主动治理工单列表"),
        description=gettext_lazy(
            "派单员、领导：主动治理工单及其来源工单和状态。status=open 办理中，done 已办结。"
        ),
        tags=["analysis"],
        parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=["open", "done"])],
        responses={200: ProactiveRowSerializer(many=True), **errors(401, 403)},
    )
    def get(self, request):
        rows = selectors.proactive_list(
            user=request.user, status=request.query_params.get("status", "")
        )
        return Response(ProactiveRowSerializer(rows[:500], many=True).data)

    @extend_schema(
        summary=gettext_lazy("创建主动治理工单"),
        description=gettext_lazy(
            "派单员：从热点或聚类的来源工单创建主动治理工单并派给主办单位，时限按紧急程度和分类计算；"
            "办结后结果写入每张来源工单的公开进度。"
        ),
        tags=["analysis"],
        request=ProactiveInputSerializer,
        responses={201: s.TicketDetailSerializer, **errors(400, 401, 403)},
    )
    def post(self, request):
        data = self.parse(ProactiveInputSerializer)
        ticket = services.proactive_create(actor=request.user, **data)
        return Response(ticket_detail(request.user, ticket.pk), status=status.HTTP_201_CREATED)
