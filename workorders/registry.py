"""Plug-in points: what other apps add to a ticket, to its page and to the navigation.

``workorders`` owns the ticket page, the action endpoints and the menu, but not every action,
panel or menu entry on them: dispatchers' decisions belong to ``dispatch``, closing after a
follow-up to ``evaluation``, and the next capabilities bring their own. Each app declares what it
adds once, in its ``AppConfig.ready()``, through the ``register_*`` functions below; the ticket
page, ``/api/tickets/<id>/<action>/`` and ``base.html`` render whatever is registered. So
``workorders`` never names another app (the import contract in ``pyproject.toml`` checks it).

A ticket action is one declaration: its name, label, who may run it and in which states (only to
decide which forms are worth showing: the service still decides), its input (one DRF serializer,
parsed the same way from the page's form and from the API's JSON) and the service it calls as
``service(ticket_id=, actor=, **input)``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.urls import reverse

# --- ticket actions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketAction:
    name: str  # the page's /tickets/<pk>/<name>/ and the form's id
    label: str  # heading of the form, or its button when it has no input
    done: str  # the message after it ran
    service: Callable[..., Any]  # service(ticket_id=, actor=, **input)
    roles: tuple[str, ...]  # whose page shows it (administrators' too: they may do everything)
    statuses: tuple[str, ...] = ()  # in which statuses the page shows it (empty: any)
    when: Callable[[Any], bool] | None = None  # finer rule on the TicketState, for the page only
    input: type | None = None  # a DRF Serializer; its field names are the service's arguments
    api_path: str | None = None  # /api/tickets/<id>/<api_path>/; None: no endpoint
    api_summary: str = ""
    api_description: str = ""
    api_tag: str = "tickets"
    api_response: type | None = None  # a serializer for the docs; None: the ticket's detail
    # (user, ticket id, the service's result) → the API's answer; None: the ticket's detail.
    api_render: Callable[[Any, int, Any], Any] | None = None
    order: int = 100  # position in the page's action panel
    style: str = "form"  # "form", "collapsed" (behind a summary), "button" (no input), "link"
    tone: str = "primary"  # "primary", "secondary" or "danger"
    submit: str = ""  # the button's label (default: the label)
    decision: bool = False  # an ``approve`` field shown as two buttons: approve / reject
    approve_label: str = ""
    # A partial shown above the fields, with the page's context; for style "link", the link to
    # the page that does it (the dispatch form).
    intro: str = ""
    in_panel: bool = True  # False: the form lives in a panel (revealing the contact)
    # False: the action has an endpoint but no page form (kept for the API contract).
    on_page: bool = True
    # A confirmation step on the page (the API runs at once): preview(ticket_id=, actor=,
    # **input) checks the input and returns what ``confirm`` (a partial, given ``preview``)
    # shows; the form is posted again with confirmed=1 to run the service.
    preview: Callable[..., Any] | None = None
    confirm: str = ""
    confirm_submit: str = ""
    # The page's form only: (TicketState) → {field: [(value, label), …]} turns those fields into
    # a select of what this person may choose (a street's own communities); the serializer
    # still validates. (TicketState) → {field: value} pre-fills the empty form.
    choices: Callable[[Any], dict] | None = None
    initial: Callable[[Any], dict] | None = None

    def button(self) -> str:
        return self.submit or self.label

    def shown_to(self, state) -> bool:
        """Whether the page offers this action to ``state.user`` now."""
        if not self.on_page:
            return False
        if state.role not in self.roles and state.role != "admin":
            return False
        if self.statuses and state.ticket.status not in self.statuses:
            return False
        return self.when is None or bool(self.when(state))


_actions: dict[str, TicketAction] = {}


def register_ticket_actions(*actions: TicketAction) -> None:
    for action in actions:
        if action.name in _actions:
            raise ValueError(f"ticket action {action.name!r} is registered twice")
        if action.api_path and any(a.api_path == action.api_path for a in _actions.values()):
            raise ValueError(f"API path {action.api_path!r} is registered twice")
        _actions[action.name] = action


# What other apps do when an action succeeded, with the request's raw input (fields the action's
# serializer does not know, such as the knowledge entries an answer used): called as
# listener(ticket_id=, actor=, data=) in the action's transaction, so both happen or neither.
_listeners: dict[str, list[Callable[..., None]]] = {}


def register_action_listener(action_name: str, listener: Callable[..., None]) -> None:
    _listeners.setdefault(action_name, []).append(listener)


def run_action_service(action: TicketAction, *, ticket_id: int, actor, data: dict, raw) -> Any:
    """The action's service, then the listeners registered for it; the one way both the page and
    the API run an action."""
    listeners = _listeners.get(action.name, ())
    if not listeners:
        return action.service(ticket_id=ticket_id, actor=actor, **data)
    with transaction.atomic():
        result = action.service(ticket_id=ticket_id, actor=actor, **data)
        for listener in listeners:
            listener(ticket_id=ticket_id, actor=actor, data=raw)
    return result


def ticket_action(name: str) -> TicketAction | None:
    return _actions.get(name)


def ticket_actions() -> list[TicketAction]:
    return sorted(_actions.values(), key=lambda action: (action.order, action.name))


# --- ticket page panels -------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketPanel:
    name: str
    template: str  # rendered with the page's context plus ``panel`` (what ``context`` returned)
    # (TicketState) → the panel's own context, or None to leave the panel out for this person.
    context: Callable[[Any], dict | None]
    column: str = "main"  # "main" (beside the actions) or "bottom" (full width, below)
    order: int = 100


_panels: dict[str, TicketPanel] = {}


def register_ticket_panels(*panels: TicketPanel) -> None:
    for panel in panels:
        if panel.name in _panels:
            raise ValueError(f"ticket panel {panel.name!r} is registered twice")
        _panels[panel.name] = panel


def ticket_panels(column: str) -> list[TicketPanel]:
    chosen = [panel for panel in _panels.values() if panel.column == column]
    return sorted(chosen, key=lambda panel: (panel.order, panel.name))


# --- panels of other pages ---------------------------------------------------------------------

# Pages that show what other apps add: "operator_desk" (beside the intake form), "unit_workbench"
# (above the unit's tickets) and "submit" (beside the citizen's form).
PAGES_WITH_PANELS = ("operator_desk", "unit_workbench", "submit")


@dataclass(frozen=True)
class PagePanel:
    page: str  # one of PAGES_WITH_PANELS
    name: str
    template: str  # rendered with the page's context plus ``panel`` (what ``context`` returned)
    # (request) → the panel's own context, or None to leave the panel out for this person.
    context: Callable[[Any], dict | None]
    order: int = 100


_page_panels: dict[tuple[str, str], PagePanel] = {}


def register_page_panels(*panels: PagePanel) -> None:
    for panel in panels:
        if panel.page not in PAGES_WITH_PANELS:
            raise ValueError(f"page {panel.page!r} has no panels")
        if (panel.page, panel.name) in _page_panels:
            raise ValueError(f"panel {panel.name!r} of {panel.page!r} is registered twice")
        _page_panels[(panel.page, panel.name)] = panel


def page_panels(page: str, request) -> list[dict]:
    """What the page includes: ``{"template", "name", "context"}`` for each panel shown."""
    shown = []
    panels = sorted(
        (panel for panel in _page_panels.values() if panel.page == page),
        key=lambda panel: (panel.order, panel.name),
    )
    for panel in panels:
        context = panel.context(request)
        if context is not None:
            shown.append({"template": panel.template, "name": panel.name, "context": context})
    return shown


# --- navigation ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: str
    roles: tuple[str, ...]  # exactly these roles (administrators only where named)
    order: int = 100
    # The entry is marked current on paths starting with this (default: its own URL only).
    prefix: str = ""
    # Extra condition on the user (e.g. Django's is_staff for the admin site).
    when: Callable[[Any], bool] | None = None
    # A number beside the label (e.g. unread notices), from the user; 0 or None shows nothing.
    # It runs on every page the entry appears on: keep it one cheap query.
    badge: Callable[[Any], int | None] | None = None

    def url(self) -> str:
        return reverse(self.url_name)

    def current(self, path: str) -> bool:
        return path.startswith(self.prefix) if self.prefix else path == self.url()


@dataclass(frozen=True)
class Workspace:
    """Where a role starts: signing in lands there and the home page links to it."""

    role: str
    url_name: str
    label: str


_nav: list[NavEntry] = []
_workspaces: dict[str, Workspace] = {}


def register_navigation(*entries: NavEntry) -> None:
    _nav.extend(entries)


def register_workspaces(*workspaces: Workspace) -> None:
    for workspace in workspaces:
        _workspaces[workspace.role] = workspace


def navigation_for(*, role: str | None, user=None) -> list[NavEntry]:
    role = role or "anonymous"
    entries = [
        entry for entry in _nav if role in entry.roles and (entry.when is None or entry.when(user))
    ]
    return sorted(entries, key=lambda entry: entry.order)


def workspace_for(role: str | None) -> Workspace | None:
    return _workspaces.get(role) if role else None


# --- named pages --------------------------------------------------------------------------------

# Pages of other apps that workorders' pages link to, by what they are ("all_tickets": the
# searchable list of every ticket), so a template can link to them without naming the app.
_pages: dict[str, str] = {}


def register_page(name: str, url_name: str) -> None:
    _pages[name] = url_name


def has_page(name: str) -> bool:
    return name in _pages


def page_url(name: str) -> str:
    """The registered page's URL, or "" when no app provides it (the link is left out)."""
    url_name = _pages.get(name)
    return reverse(url_name) if url_name else ""


# --- tickets a unit keeps seeing -----------------------------------------------------------------

# A unit sees a ticket in full while its assignment is active (workorders.access). An app may keep
# more tickets visible to it afterwards: each source takes a queryset of units and returns a
# queryset of ticket ids (.values("ticket_id")), e.g. the tickets its evaluation counts.
_kept: list[Callable[[Any], Any]] = []


def register_kept_tickets(source: Callable[[Any], Any]) -> None:
    if source not in _kept:
        _kept.append(source)


def kept_tickets() -> list[Callable[[Any], Any]]:
    return list(_kept)


def unregister_ticket_action(name: str) -> None:
    """For tests that register an action of their own."""
    _actions.pop(name, None)
