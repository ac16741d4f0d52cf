"""What follow-up and evaluation add to the ticket page: the follow-up rounds (center staff) and
the exemption requests (center staff, and the unit that asked)."""

from evaluation.models import Exemption, FollowUp
from workorders.access import CENTER_ROLES
from workorders.models import Role
from workorders.registry import TicketPanel, register_ticket_panels


def _follow_ups(state) -> dict | None:
    # The citizen's verdict and comment are the center's: units see the outcome on the timeline.
    if state.role not in CENTER_ROLES:
        return None
    rounds = list(
        FollowUp.objects.filter(ticket=state.ticket)
        .select_related("unit", "recorded_by__profile")
        .prefetch_related("calls")
        .order_by("round", "pk")
    )
    return {"follow_ups": rounds} if rounds else None


def _exemptions(state) -> dict | None:
    requests = Exemption.objects.filter(ticket=state.ticket).select_related("unit")
    if state.role == Role.UNIT_STAFF:
        if state.unit is None:
            return None
        requests = requests.filter(unit=state.unit)
    elif state.role not in CENTER_ROLES:
        return None
    requests = list(requests.order_by("-requested_at"))
    return {"exemptions": requests} if requests else None


PANELS = (
    TicketPanel(
        "follow_ups", "evaluation/panels/_follow_ups.html", _follow_ups, "bottom", order=50
    ),
    TicketPanel(
        "exemptions", "evaluation/panels/_exemptions.html", _exemptions, "bottom", order=60
    ),
)


def register() -> None:
    register_ticket_panels(*PANELS)
