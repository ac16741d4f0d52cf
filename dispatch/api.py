"""REST endpoints of the dispatchers: dispatch, decisions on returns and extensions, the queues.

Adapters like workorders.api.views: shape checked here, roles and rules in workorders.services.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from workorders import selectors, services
from workorders.api import serializers as s
from workorders.api.views import ListView, TicketActionView, TicketQueueView, action_schema, errors
from workorders.models import Category, ExtensionRequest, Region, ReturnRequest, Unit, Urgency

# More assisting units than this is not joint handling but a broadcast.
MAX_ASSIST_UNITS = 20


class DispatchInputSerializer(serializers.Serializer):
    lead_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), help_text="主办单位 id (lead unit)"
    )
    assist_units = serializers.ListField(
        child=serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all()),
        max_length=MAX_ASSIST_UNITS,
        required=False,
        default=list,
        help_text="协办单位 id 列表 (assisting units)",
    )
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), required=False, allow_null=True, default=None
    )
    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), required=False, allow_null=True, default=None
    )
    urgency = serializers.ChoiceField(
        choices=Urgency.choices, required=False, allow_null=True, default=None
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=s.TEXT_MAX
    )


@action_schema(
    "派单 (dispatch to a lead unit and assisting units)",
    "dispatch",
    "派单员：已受理、待分拨或尚未签收的工单。(Dispatchers.)",
)
class DispatchView(TicketActionView):
    input_serializer = DispatchInputSerializer
    service = staticmethod(services.ticket_dispatch)


@action_schema(
    "审核退单 (approve or reject a return)",
    "dispatch",
    "派单员：通过则回到待分拨，驳回须填写 note。(Dispatchers.)",
)
class ReturnDecisionView(TicketActionView):
    input_serializer = s.DecisionInputSerializer
    service = staticmethod(services.ticket_decide_return)


@action_schema(
    "审核延期 (approve or reject an extension)",
    "dispatch",
    "派单员：驳回须填写 note。(Dispatchers.)",
)
class ExtensionDecisionView(TicketActionView):
    input_serializer = s.DecisionInputSerializer
    service = staticmethod(services.ticket_decide_extension)


@extend_schema_view(
    get=extend_schema(
        summary="待分拨队列 (triage queue)",
        description="派单员：分类不确定或退单通过的工单，附分类建议。(Dispatchers.)",
        tags=["dispatch"],
        responses={200: s.TriageTicketSerializer(many=True), **errors(400, 401, 403)},
    )
)
class TriageQueueView(TicketQueueView):
    serializer_class = s.TriageTicketSerializer
    selector = staticmethod(selectors.triage_queue)


@extend_schema_view(
    get=extend_schema(
        summary="待审核退单 (pending returns)",
        description="派单员。(Dispatchers.)",
        tags=["dispatch"],
        responses={200: s.ReturnRequestSerializer(many=True), **errors(401, 403)},
    )
)
class PendingReturnsView(ListView):
    serializer_class = s.ReturnRequestSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReturnRequest.objects.none()
        return selectors.pending_returns(user=self.request.user)


@extend_schema_view(
    get=extend_schema(
        summary="待审核延期 (pending extensions)",
        description="派单员。(Dispatchers.)",
        tags=["dispatch"],
        responses={200: s.ExtensionRequestSerializer(many=True), **errors(401, 403)},
    )
)
class PendingExtensionsView(ListView):
    serializer_class = s.ExtensionRequestSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ExtensionRequest.objects.none()
        return selectors.pending_extensions(user=self.request.user)
