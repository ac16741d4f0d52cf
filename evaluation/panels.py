"""What follow-up and evaluation add to the ticket page: the follow-up rounds (center staff) and
the exemption requests (center staff, and the unit that asked); and to a district government's
workbench, its streets' rates in the month under way."""

from evaluation.models import Exemption, FollowUp
from evaluation.periods import current_month
from workorders.access import CENTER_ROLES, unit_of
from workorders.models import Role, Unit
from workorders.registry import (
    PagePanel,
    TicketPanel,
    register_page_panels,
    register_ticket_panels,
)


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


def _district_rates(request) -> dict | None:
    """The district's streets and towns in the evaluation month under way (live, cached like the
    ranking page: selectors.month_view_for), beside the workbench's own counts."""
    from evaluation.selectors import month_view_for  # selectors import this app's models late

    unit = unit_of(request.user)
    if unit is None or unit.kind != Unit.Kind.DISTRICT:
        return None
    streets = set(Unit.objects.filter(parent=unit).values_list("pk", flat=True))
    if not streets:
        return None
    view = month_view_for(current_month())
    rows = [figures for figures in view.units if figures.unit_id in streets]
    return {"rows": rows, "view": view} if rows else None


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
    register_page_panels(
        PagePanel(
            "unit_workbench",
            "district_rates",
            "evaluation/panels/_district_rates.html",
            _district_rates,
            order=20,
        )
    )
