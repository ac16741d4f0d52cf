"""``POST /api/tickets/<id>/<action>/``: one endpoint for every registered ticket action.

Each action's ``api_path`` gets its own URL (``hotline.api_urls``) served by this one view, with
the action's input serializer as the request body (its field names are the service's keyword
arguments) and the ticket's detail as the answer. The OpenAPI description is built from the
same declaration, so the documentation cannot drift from what the endpoint does.
"""

from drf_spectacular.openapi import AutoSchema
from rest_framework.response import Response

from workorders import registry
from workorders.access import ticket_get_for_user
from workorders.api import serializers as s
from workorders.api.views import ApiView, errors, ticket_detail


class TicketActionSchema(AutoSchema):
    def _action(self) -> registry.TicketAction:
        return registry.ticket_action(self.view.action_name)

    def get_request_serializer(self):
        return self._action().input

    def get_response_serializers(self):
        response = self._action().api_response or s.TicketDetailSerializer
        return {200: response, **errors(400, 401, 403, 404, 409)}

    def get_summary(self):
        return self._action().api_summary

    def get_description(self):
        return self._action().api_description

    def get_tags(self):
        return [self._action().api_tag]


class TicketActionView(ApiView):
    """Through the access funnel first: a ticket this user may not see is a 404 whatever the
    action or input, so the API never tells outsiders that a ticket exists."""

    action_name = ""  # set per URL by as_view(action_name=…)
    schema = TicketActionSchema()

    def post(self, request, pk: int):
        action = registry.ticket_action(self.action_name)
        ticket_get_for_user(user=request.user, pk=pk)
        data = self.parse(action.input) if action.input else {}
        result = registry.run_action_service(
            action, ticket_id=pk, actor=request.user, data=data, raw=request.data
        )
        if action.api_render is not None:
            return Response(action.api_render(request.user, pk, result))
        return Response(ticket_detail(request.user, pk))
