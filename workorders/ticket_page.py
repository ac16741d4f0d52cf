"""The staff ticket page, assembled from what the apps registered: the state every action and
panel decides on, the action forms (rendered from each action's input serializer) and the panels.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from workorders.access import role_of, unit_of
from workorders.lights import DEADLINE_LABELS
from workorders.models import (
    DISPATCH_RUNNING,
    Assignment,
    HandOff,
    Light,
    PauseStatus,
    RequestStatus,
    Supervision,
    Ticket,
    TicketPause,
)
from workorders.registry import TicketAction, ticket_actions, ticket_panels
from workorders.selectors import ticket_supervisions, ticket_view
from workorders.services.visits import field_visit_missing

CHOOSE = format_lazy("— {} —", _("请选择"))


@dataclass
class TicketState:
    """What the page knows about the ticket and the person looking at it, computed once."""

    ticket: Ticket
    user: object
    role: str | None
    unit: object | None
    own: Assignment | None  # the user's unit's active assignment
    lead: Assignment | None  # the active lead assignment
    assignments: list[Assignment]
    open_pause: TicketPause | None  # pending or running
    supervisions: list[Supervision]
    unanswered: list[Supervision]  # 督办 notices to the user's unit still to be answered
    light: int
    deadlines: list[dict]
    pending_return: object | None
    pending_extension: object | None
    hand_off: HandOff | None  # the open hand-off to a community, else the latest one
    view: object  # selectors.TicketView: the citizen, timeline and photos this person may see
    extra: dict = field(default_factory=dict)  # what an action's result adds (revealed contact)

    @property
    def field_visit_missing(self) -> bool:
        """The category asks for a field visit before resolving and none is recorded: the
        resolve form says so before the unit tries."""
        return field_visit_missing(self.ticket)

    @property
    def return_window_ends(self) -> datetime | None:
        if self.own is None:
            return None
        return self.own.dispatched_at + timedelta(days=settings.RETURN_WINDOW_DAYS)


def _pending(requests):
    return requests.filter(status=RequestStatus.PENDING).select_related("unit").first()


DEADLINE_TITLES = {
    "dispatch": _("分拨时限"),
    "accept": _("签收时限"),
    "contact": _("联系时限"),
    "resolve": _("办结时限"),
}


def deadline_rows(ticket: Ticket, lead: Assignment | None) -> list[dict]:
    """签收 / 联系 / 办结: due and warning times, the light while the clock runs, and when it was
    met (on time or late) once it no longer does. One query for the lights, computed by the same
    SQL expressions as every list."""
    lights = (
        Ticket.objects.with_lights()
        .filter(pk=ticket.pk)
        .values(*(f"{name}_light" for name in DEADLINE_LABELS))
        .first()
    ) or {}
    met = {
        # The center's step: shown while it waits, left out once the ticket moved on.
        "dispatch": None,
        "accept": lead.accepted_at if lead else None,
        "contact": lead.contacted_at if lead else None,
        "resolve": ticket.resolved_at,
    }
    rows = []
    for name, label in DEADLINE_LABELS.items():
        due = getattr(ticket, f"{name}_due_at")
        if due is None or (name == "dispatch" and ticket.status not in DISPATCH_RUNNING):
            continue
        light = lights.get(f"{name}_light") or Light.NONE
        done = met[name] if light == Light.NONE else None
        rows.append(
            {
                "name": name,
                "label": label,
                "title": DEADLINE_TITLES[name],
                "due": due,
                "warn": getattr(ticket, f"{name}_warn_at"),
                "light": light,
                "done": done,
                "late": bool(done and done > due),
            }
        )
    return rows


def ticket_state(*, user, ticket: Ticket) -> TicketState:
    unit = unit_of(user)
    assignments = list(ticket.assignments.select_related("unit").order_by("-active", "role", "pk"))
    own = next((a for a in assignments if a.active and unit and a.unit_id == unit.pk), None)
    lead = next((a for a in assignments if a.active and a.role == Assignment.Role.LEAD), None)
    supervisions = list(
        ticket_supervisions(ticket=ticket).select_related(
            "created_by__profile", "acknowledged_by__profile"
        )
    )
    deadlines = deadline_rows(ticket, lead)
    return TicketState(
        ticket=ticket,
        user=user,
        role=role_of(user),
        unit=unit,
        own=own,
        lead=lead,
        assignments=assignments,
        open_pause=(
            ticket.pauses.filter(status__in=[PauseStatus.PENDING, PauseStatus.ACTIVE])
            .select_related("unit", "requested_by__profile")
            .first()
        ),
        supervisions=supervisions,
        unanswered=[
            notice
            for notice in supervisions
            if unit is not None and notice.unit_id == unit.pk and notice.acknowledged_at is None
        ],
        light=max((row["light"] for row in deadlines), default=Light.NONE),
        deadlines=deadlines,
        pending_return=_pending(ticket.return_requests),
        pending_extension=_pending(ticket.extension_requests),
        hand_off=(
            ticket.hand_offs.select_related(
                "street", "community", "handed_off_by__profile", "reported_by__profile"
            )
            .order_by("-handed_off_at", "-pk")
            .first()
        ),
        view=ticket_view(user=user, ticket=ticket),
    )


# --- action forms -------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (field-visit photos); the serializer checks them."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        return list(data or [])


def _form_field(item: serializers.Field) -> forms.Field:
    """The page's widget for one serializer field; the serializer alone validates."""
    label, help_text = item.label, "" if item.help_text == item.label else item.help_text or ""
    style = item.style or {}
    if isinstance(item, serializers.ListField) and isinstance(item.child, serializers.FileField):
        return MultipleFileField(
            label=label,
            required=False,
            help_text=help_text,
            widget=MultipleFileInput(attrs={"accept": "image/*"}),
        )
    if isinstance(item, serializers.BooleanField):
        return forms.BooleanField(
            label=label, required=False, initial=style.get("initial", False), help_text=help_text
        )
    if isinstance(item, serializers.DateTimeField):
        return forms.DateTimeField(
            label=label,
            required=False,
            help_text=help_text,
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        )
    if isinstance(item, serializers.ChoiceField):
        choices = [("", CHOOSE), *item.choices.items()]
        return forms.ChoiceField(label=label, required=False, choices=choices, help_text=help_text)
    rows = style.get("rows")
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        max_length=getattr(item, "max_length", None),
        widget=widget,
    )


def _form_class(action: TicketAction) -> type[forms.Form]:
    fields = {}
    if action.input is not None:
        for name, item in action.input().fields.items():
            if action.decision and name == "approve":
                continue  # two buttons, not a field
            fields[name] = _form_field(item)
    return type(f"{action.name.title()}Form", (forms.Form,), fields)


def action_form(action: TicketAction, *, data=None, files=None, prefix: str = "") -> forms.Form:
    """The action's form, bound to what was posted when it is shown again with errors."""
    auto_id = f"{prefix or action.name}-%s"
    return _form_class(action)(data=data, files=files, auto_id=auto_id)


def parse_action_input(action: TicketAction, data, files=None) -> tuple[dict | None, forms.Form]:
    """Validate posted form data (and files) with the action's serializer: (input, form to show
    again)."""
    form = action_form(action, data=data, files=files)
    if action.input is None:
        return {}, form
    if files:
        # One dict for the serializer, as DRF's request.data holds a multipart body's files.
        data = data.copy()
        data.update(files)
    parser = action.input(data=data)
    if parser.is_valid():
        return dict(parser.validated_data), form
    form.is_valid()  # renders the posted values; its own (empty) rules add nothing
    for name, messages in parser.errors.items():
        target = name if name in form.fields else None
        for message in messages if isinstance(messages, list) else [messages]:
            form.add_error(target, str(message))
    return None, form


def _prefilled(action: TicketAction, state: TicketState) -> forms.Form:
    form = action_form(action)
    if action.initial is not None:
        form.initial = action.initial(state)
    return form


def _offer_choices(form: forms.Form, choices: dict) -> None:
    for name, options in choices.items():
        if name in form.fields:
            form.fields[name].widget = forms.Select(choices=[("", CHOOSE), *options])


def offered_actions(state: TicketState) -> list[TicketAction]:
    return [action for action in ticket_actions() if action.shown_to(state)]


# --- the page -----------------------------------------------------------------------------------


def page_context(
    state: TicketState, *, failed: dict | None = None, previews: dict | None = None
) -> dict:
    """Panels and action forms for the ticket page; ``failed``: name → form shown again;
    ``previews``: name → what the action's confirmation step shows (its form is in ``failed``)."""
    failed = failed or {}
    previews = previews or {}
    offered = offered_actions(state)
    names = {action.name for action in offered}
    forms_by_name = {
        action.name: failed.get(action.name) or _prefilled(action, state) for action in offered
    }
    for action in offered:
        if action.choices is not None:
            _offer_choices(forms_by_name[action.name], action.choices(state))
    columns = {}
    for column in ("main", "bottom"):
        shown = []
        for panel in ticket_panels(column):
            extra = panel.context(state)
            if extra is not None:
                shown.append({"template": panel.template, "name": panel.name, "context": extra})
        columns[column] = shown
    return {
        "state": state,
        "ticket": state.ticket,
        "light": state.light,
        "unanswered": state.unanswered,
        "open_pause": state.open_pause,
        "offered": [
            {
                "action": action,
                "form": forms_by_name[action.name],
                "preview": previews.get(action.name),
            }
            for action in offered
            if action.in_panel
        ],
        "actions": names,
        "forms": forms_by_name,
        "has_actions": any(action.in_panel for action in offered),
        "panels": columns["main"],
        "bottom_panels": columns["bottom"],
    }
