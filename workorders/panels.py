"""The ticket page's panels ``workorders`` owns; other apps add theirs the same way.

Each panel's function gets the page's ``TicketState`` and returns the panel's own context, or
None when the panel has nothing for this person.
"""

from workorders.registry import TicketPanel, register_ticket_panels
from workorders.selectors import ticket_raised_by


def _request(state) -> dict:
    return {"attachments": state.view.attachments}


def _details(state) -> dict:
    return {
        "deadlines": state.deadlines,
        "show_query_code": state.view.show_query_code,
        "raised_by": ticket_raised_by(ticket=state.ticket),
    }


def _supervision(state) -> dict | None:
    return {"supervisions": state.supervisions} if state.supervisions else None


def _citizen(state) -> dict:
    revealed = state.extra.get("reveal")
    citizen = {"level": "full", **revealed} if revealed else state.view.citizen
    return {"citizen": citizen, "revealed": bool(revealed)}


def _reply(state) -> dict | None:
    return {} if state.ticket.reply else None


def _assignments(state) -> dict | None:
    return {"assignments": state.assignments} if state.assignments else None


def _visits(state) -> dict | None:
    # Staff only (the citizen's view has none): names, findings and photos stay internal.
    return {"visits": state.view.visits} if state.view.visits else None


def _timeline(state) -> dict:
    return {"timeline": state.view.timeline}


PANELS = (
    TicketPanel("request", "workorders/panels/_request.html", _request, order=10),
    TicketPanel("details", "workorders/panels/_details.html", _details, order=20),
    TicketPanel("supervision", "workorders/panels/_supervision.html", _supervision, order=30),
    TicketPanel("citizen", "workorders/panels/_citizen.html", _citizen, order=40),
    TicketPanel("reply", "workorders/panels/_reply.html", _reply, order=50),
    TicketPanel("visits", "workorders/panels/_visits.html", _visits, order=60),
    TicketPanel(
        "assignments", "workorders/panels/_assignments.html", _assignments, "bottom", order=10
    ),
    TicketPanel("timeline", "workorders/panels/_timeline.html", _timeline, "bottom", order=90),
)


def register() -> None:
    register_ticket_panels(*PANELS)
