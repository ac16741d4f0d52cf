"""REST endpoints of the dispatchers: dispatch, decisions on returns, extensions and pauses,
supervision (督办) of red-light tickets, the queues.

Adapters like workorders.api.views: shape checked here, roles and rules in workorders.services.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.response import Response

from dispatch.duplicates import similar_tickets
from workorders import selectors
from workorders.api import serializers as s
from workorders.api.views import (
    ApiView,
    ListView,
    TicketFilterSchema,
    TicketQueueView,
    errors,
)
from workorders.models import (
    ExtensionRequest,
    ReturnRequest,
    TicketPause,
)
from workorders.selectors import pending_pauses, red_counts_by_unit


@extend_schema_view(
    get=extend_schema(
        summary=_("待分拨队列"),
        description=_("派单员：分类不确定或退单通过的工单，附分类建议。"),
        tags=["dispatch"],
        responses={200: s.TriageTicketSerializer(many=True), **errors(400, 401, 403)},
    )
)
class TriageQueueView(TicketQueueView):
    serializer_class = s.TriageTicketSerializer
    selector = staticmethod(selectors.triage_queue)


class PendingListView(ListView):
    """Requests awaiting a dispatcher's decision, from a selector taking ``user=`` (which
    checks the role); ``model`` only gives the schema generator an empty queryset."""

    model = None
    selector = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return type(self).selector(user=self.request.user)


@extend_schema_view(
    get=extend_schema(
        summary=_("待审核退单"),
        description=_("派单员。"),
        tags=["dispatch"],
        responses={200: s.ReturnRequestSerializer(many=True), **errors(401, 403)},
    )
)
class PendingReturnsView(PendingListView):
    serializer_class = s.ReturnRequestSerializer
    model = ReturnRequest
    selector = staticmethod(selectors.pending_returns)


@extend_schema_view(
    get=extend_schema(
        summary=_("待审核延期"),
        description=_("派单员。"),
        tags=["dispatch"],
        responses={200: s.ExtensionRequestSerializer(many=True), **errors(401, 403)},
    )
)
class PendingExtensionsView(PendingListView):
    serializer_class = s.ExtensionRequestSerializer
    model = ExtensionRequest
    selector = staticmethod(selectors.pending_extensions)


@extend_schema_view(
    get=extend_schema(
        summary=_("待审核暂停计时"),
        description=_("派单员，最早的在前。"),
        tags=["dispatch"],
        responses={200: s.PauseSerializer(many=True), **errors(401, 403)},
    )
)
class PendingPausesView(PendingListView):
    serializer_class = s.PauseSerializer
    model = TicketPause
    selector = staticmethod(pending_pauses)


# --- supervision (督办) ---------------------------------------------------------------------------


class SupervisionTicketSerializer(s.TicketListSerializer):
    running_due_at = serializers.DateTimeField(
        help_text=_("红灯：变红的时刻（最早的未完成时限）；黄灯：将变红的时刻")
    )
    open_supervisions = serializers.IntegerField(help_text=_("未回复的督办数"))
    last_supervised_at = serializers.DateTimeField(allow_null=True, help_text=_("最近一次督办"))


class SupervisionFilterSchema(TicketFilterSchema):
    ordering = None  # always most overdue first

    @extend_schema_field(
        {
            "type": "string",
            "enum": ["red", "yellow"],
            "default": "red",
            "description": _("red 已超期（默认）/ yellow 即将到期"),
        }
    )
    def filter_light(self, queryset, name, value):
        return super().filter_light(queryset, name, value)


@extend_schema_view(
    get=extend_schema(
        summary=_("督办列表"),
        description=_("派单员、领导：红灯工单，超期最久的在前；light=yellow 为即将超期的工单。"),
        tags=["supervision"],
        responses={200: SupervisionTicketSerializer(many=True), **errors(400, 401, 403)},
    )
)
class SupervisionQueueView(TicketQueueView):
    serializer_class = SupervisionTicketSerializer
    filterset_class = SupervisionFilterSchema
    selector = staticmethod(selectors.supervision_list)


class UnitRedCountSerializer(serializers.Serializer):
    unit = s.NamedRefSerializer()
    red = serializers.IntegerField(help_text=_("红灯工单数"))


@extend_schema_view(
    get=extend_schema(
        summary=_("各单位红灯数"),
        description=_("派单员、领导：按红灯数从多到少。"),
        tags=["supervision"],
        responses={200: UnitRedCountSerializer(many=True), **errors(401, 403)},
    )
)
class SupervisionUnitsView(ApiView):
    def get(self, request):
        rows = red_counts_by_unit(user=request.user, now=timezone.now())
        return Response(
            [{"unit": {"id": r["unit_id"], "name": r["unit__name"]}, "red": r["red"]} for r in rows]
        )


# --- duplicate suggestions ----------------------------------------------------------------------


class SimilarInputSerializer(serializers.Serializer):
    content = serializers.CharField(
        max_length=4000,
        help_text=_("来电或诉求内容"),
        error_messages={
            "required": _("请填写诉求内容"),
            "blank": _("请填写诉求内容"),
            "max_length": _("诉求内容不能超过 4000 字"),
        },
    )
    address = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        error_messages={"max_length": _("地址不能超过 200 字")},
    )
    title = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=100,
        error_messages={"max_length": _("标题不能超过 100 字")},
    )
    exclude = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=_("不与之比较的工单（工单本身）")
    )


class SimilarTicketSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    score = serializers.FloatField()
    likely = serializers.BooleanField()
    text_similarity = serializers.FloatField()
    place_similarity = serializers.FloatField()
    address = serializers.CharField()


class SimilarResultSerializer(serializers.Serializer):
    results = SimilarTicketSerializer(many=True)


def similar_results(matches) -> dict:
    return {
        "results": [
            {
                **{key: match.candidate[key] for key in ("id", "number", "title", "address")},
                "score": match.score,
                "likely": match.likely,
                "text_similarity": match.text_similarity,
                "place_similarity": match.place_similarity,
            }
            for match in matches
        ]
    }


class SimilarTicketsView(ApiView):
    @extend_schema(
        summary=_("疑似重复工单"),
        description=_(
            "话务员、派单员：近几天（DUPLICATE_WINDOW_DAYS）未办结的工单中，同一地点、同一问题的，"
            "最相似的在前；likely 为 true 的很可能是同一诉求，可合并。"
        ),
        tags=["intake"],
        request=SimilarInputSerializer,
        responses={200: SimilarResultSerializer, **errors(400, 401, 403)},
    )
    def post(self, request):
        data = self.parse(SimilarInputSerializer)
        matches = similar_tickets(
            user=request.user,
            content=data["content"],
            address=data["address"],
            title=data["title"],
            exclude_id=data["exclude"],
        )
        return Response(SimilarResultSerializer(similar_results(matches)).data)
