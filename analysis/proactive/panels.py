"""What proactive work adds to the ticket page: a proactive order lists the requests behind it,
and a request shows the proactive orders it belongs to."""

from analysis.proactive import selectors
from workorders.access import CENTER_ROLES
from workorders.models import Channel, Role
from workorders.registry import TicketPanel, register_ticket_panels


def _staff(state) -> bool:
    # Citizens see the same facts on their public timeline.
    return state.role in CENTER_ROLES or state.role == Role.UNIT_STAFF


def _sources(state) -> dict | None:
    if not _staff(state) or state.ticket.channel != Channel.PROACTIVE:
        return None
    return {"tickets": selectors.sources_of(user=state.user, ticket=state.ticket)}


def _orders(state) -> dict | None:
    if not _staff(state) or state.ticket.channel == Channel.PROACTIVE:
        return None
    orders = selectors.orders_of(user=state.user, ticket=state.ticket)
    return {"tickets": orders} if orders else None


PANELS = (
    TicketPanel(
        "proactive_sources", "analysis/panels/_proactive_sources.html", _sources, "main", order=40
    ),
    TicketPanel(
        "proactive_orders", "analysis/panels/_proactive_orders.html", _orders, "main", order=40
    ),
)


def register() -> None:
    register_ticket_panels(*PANELS)
