"""REST endpoints of follow-up: start it, close the ticket, or reopen it; and the queue.

Adapters like workorders.api.views: shape checked here, roles and rules in workorders.services.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view

from workorders import selectors, services
from workorders.api import serializers as s
from workorders.api.views import TicketActionView, TicketQueueView, action_schema, errors


@action_schema(
    "转回访 (start the follow-up)",
    "follow-up",
    "回访员、派单员：已办结的工单。(Follow-up agents and dispatchers.)",
)
class FollowUpStartView(TicketActionView):
    service = staticmethod(services.ticket_start_follow_up)


@action_schema(
    "归档 (close)",
    "follow-up",
    "回访员、派单员：回访中的工单。(Follow-up agents and dispatchers.)",
)
class CloseView(TicketActionView):
    input_serializer = s.NoteInputSerializer
    service = staticmethod(services.ticket_close)


@action_schema(
    "重办 (reopen: the citizen says it is not solved)",
    "follow-up",
    "回访员、派单员：回到原主办单位重新签收。(Follow-up agents and dispatchers.)",
)
class ReopenView(TicketActionView):
    input_serializer = s.ReasonInputSerializer
    service = staticmethod(services.ticket_reopen)


@extend_schema_view(
    get=extend_schema(
        summary="回访队列 (follow-up queue)",
        description="回访员、派单员：已办结待回访和回访中的工单。(Follow-up agents, dispatchers.)",
        tags=["follow-up"],
        responses={200: s.TicketListSerializer(many=True), **errors(400, 401, 403)},
    )
)
class FollowUpQueueView(TicketQueueView):
    selector = staticmethod(selectors.followup_queue)
