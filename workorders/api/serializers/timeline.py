"""A ticket's timeline: every event for staff, the public events for citizens."""

from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from workorders import selectors
from workorders.access import role_of
from workorders.models import Role, Ticket


class StaffEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    label = serializers.CharField(source="get_kind_display")
    at = serializers.DateTimeField(source="created_at")
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    actor = serializers.SerializerMethodField()
    unit = serializers.SerializerMethodField()
    reason = serializers.CharField()
    data = serializers.JSONField()
    public = serializers.BooleanField()

    def get_actor(self, event) -> str:
        actor = event.actor
        if actor is None:
            return ""
        profile = getattr(actor, "profile", None)
        if profile is not None and profile.role == Role.CITIZEN:
            # The citizen's own account name would undo masking and confidentiality.
            return "市民 (citizen)"
        return (profile.display_name if profile else "") or actor.username

    def get_unit(self, event) -> str:
        return event.unit.name if event.unit else ""


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


def timeline_for(*, user, ticket: Ticket) -> list[dict]:
    """Full timeline for the hotline's and units' staff; the public one for citizens."""
    if role_of(user) == Role.CITIZEN:
        return PublicEventSerializer(selectors.public_timeline(ticket=ticket), many=True).data
    events = selectors.ticket_timeline(ticket=ticket, public_only=False).select_related(
        "actor__profile"
    )
    return StaffEventSerializer(events, many=True).data
