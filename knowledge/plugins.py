"""What the knowledge base adds to the other apps' pages, through workorders.registry: the menu,
the suggestions beside the operator's form, on the ticket page and on the citizen's form, the
unit's entries due for review on its workbench, and the record of the entries an answer used."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from knowledge import selectors, services
from knowledge.access import is_staff
from workorders.models import Role, Status
from workorders.navigation import ANONYMOUS
from workorders.registry import (
    NavEntry,
    PagePanel,
    TicketPanel,
    register_action_listener,
    register_navigation,
    register_page_panels,
    register_ticket_panels,
)

# The name of the extra form field carrying the entries whose answer was used.
USED_FIELD = "knowledge_entries"
# The ticket actions whose reply may come from the knowledge base.
ANSWERING_ACTIONS = ("answer", "resolve")
# Statuses in which someone is still writing the reply.
OPEN = (
    Status.REGISTERED,
    Status.TRIAGE,
    Status.DISPATCHED,
    Status.ACCEPTED,
    Status.IN_PROGRESS,
)

NAVIGATION = (
    NavEntry("knowledge:search", _("知识库"), (ANONYMOUS, Role.CITIZEN), order=25),
    NavEntry(
        "knowledge:manage",
        _("知识库"),
        (Role.UNIT_STAFF, Role.ADMIN),
        order=85,
        prefix="/knowledge/manage/",
    ),
    NavEntry("knowledge:report", _("知识库使用"), (Role.ADMIN,), order=110),
    NavEntry("knowledge:search", _("知识库"), (Role.OPERATOR, Role.DISPATCHER), order=45),
)


def _desk(request) -> dict:
    return {"source": "desk", "use": True}


def _submit(request) -> dict | None:
    return None if is_staff(request.user) else {"source": "submit", "use": False}


def _attention(request) -> dict | None:
    entries = list(selectors.entries_needing_attention(user=request.user)[:10])
    if not entries:
        return None
    return {"entries": entries, "today": timezone.localdate()}


def _ticket(state) -> dict | None:
    """For whoever writes this ticket's reply: the center before dispatch, the units after."""
    if state.role == Role.CITIZEN or state.ticket.status not in OPEN:
        return None
    if state.role == Role.UNIT_STAFF and state.own is None:
        return None
    if state.role not in (Role.UNIT_STAFF, Role.OPERATOR, Role.DISPATCHER, Role.ADMIN):
        return None
    return {
        "source": "ticket",
        "use": True,
        "query": f"{state.ticket.title} {state.ticket.content}",
    }


def _record_use(*, ticket_id: int, actor, data) -> None:
    ids = data.getlist(USED_FIELD) if hasattr(data, "getlist") else data.get(USED_FIELD) or []
    if isinstance(ids, str | int):
        ids = [ids]
    # "1,2" from a single hidden input, or one value per input.
    flat = [part for value in ids for part in str(value).split(",") if part.strip()]
    services.entries_used(ticket_id=ticket_id, entry_ids=flat, actor=actor)


def register() -> None:
    register_navigation(*NAVIGATION)
    register_page_panels(
        PagePanel("operator_desk", "knowledge", "knowledge/panels/_suggestions.html", _desk),
        PagePanel("submit", "knowledge", "knowledge/panels/_suggestions.html", _submit),
        PagePanel("unit_workbench", "knowledge", "knowledge/panels/_attention.html", _attention),
    )
    register_ticket_panels(
        TicketPanel("knowledge", "knowledge/panels/_ticket.html", _ticket, "main", order=90)
    )
    for name in ANSWERING_ACTIONS:
        register_action_listener(name, _record_use)
