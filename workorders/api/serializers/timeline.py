"""A ticket's timeline as ``selectors.ticket_view`` gives it: every event for staff, the public
events for citizens."""

from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from workorders import selectors
from workorders.models import Ticket
from workorders.selectors import TicketView


class StaffEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    label = serializers.CharField()
    at = serializers.DateTimeField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    # The citizen appears as "市民 (citizen)", never by name (selectors.CITIZEN_ACTOR).
    actor = serializers.CharField(read_only=True)
    unit = serializers.CharField(read_only=True)
    reason = serializers.CharField()
    data = serializers.JSONField()
    public = serializers.BooleanField()


class PublicEventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    at = serializers.DateTimeField()
    unit = serializers.CharField()
    text = serializers.CharField()


TIMELINE_SCHEMA = PolymorphicProxySerializer(
    component_name="TimelineEntry",
    serializers=[StaffEventSerializer, PublicEventSerializer],
    resource_type_field_name=None,
    many=True,
)


def timeline_data(view: TicketView) -> list[dict]:
    serializer = PublicEventSerializer if view.public else StaffEventSerializer
    return serializer(view.timeline, many=True).data


def timeline_for(*, user, ticket: Ticket) -> list[dict]:
    """Full timeline for the hotline's and units' staff; the public one for citizens."""
    return timeline_data(selectors.ticket_view(user=user, ticket=ticket))
