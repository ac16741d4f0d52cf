"""The inbox (消息中心) as a plug-in on the timeline: which event kinds are notices, and for whom.

A notice someone must act on is a TicketEvent whose kind is registered here;
``workorders.transitions.record_event`` (the one writer of TicketEvent) delivers an InboxItem to
each recipient in the same transaction, and the notification backends carry the same notice
(workorders.services.inbox). Registering a kind is one line, from any app's ``ready()``::

    register_inbox_event("handed_off")  # to the event's unit (the one that must act)

``recipients(event)`` returns the addressees (default: the event's unit); ``text(event, to)``
the notice's sentence (default: the event's reason); ``urgent(event)`` whether it is an
emergency (default: the ticket's urgency is "emergency": an SMS also goes to the unit's duty
phone); ``notify=False`` leaves the notification backends out (the kind already sends its own
messages, e.g. the deadline sweep's digests), and a function of the event decides per event
(``notify=ticket_is_emergency``: text only emergencies, the inbox has the rest); ``template`` names templates/notifications/<name>.txt
(default "inbox").
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext

from workorders.models import EventKind, Role, Supervision, TicketEvent, Urgency


@dataclass(frozen=True)
class To:
    """One addressee: a unit (all its staff), one person (user id), or every person of a role."""

    unit_id: int | None = None
    user_id: int | None = None
    role: str = ""


def to_event_unit(event: TicketEvent) -> list[To]:
    return [To(unit_id=event.unit_id)] if event.unit_id else []


def event_reason(event: TicketEvent, to: To) -> str:
    return event.reason


def ticket_is_emergency(event: TicketEvent) -> bool:
    return event.ticket.urgency == Urgency.EMERGENCY


def never(event: TicketEvent) -> bool:
    return False


@dataclass(frozen=True)
class InboxKind:
    kind: str
    recipients: Callable[[TicketEvent], Iterable[To]] = to_event_unit
    text: Callable[[TicketEvent, To], str] = event_reason
    urgent: Callable[[TicketEvent], bool] = ticket_is_emergency
    notify: bool | Callable[[TicketEvent], bool] = True
    template: str = "inbox"

    def notifies(self, event: TicketEvent) -> bool:
        return bool(self.notify(event)) if callable(self.notify) else self.notify


# The deadline sweep records these in bulk and delivers them in the same INSERT … SELECT: no
# per-event Python there, so they can only go to the event's unit, with the event's reason, not
# urgent and without notifications (the sweep sends its own digests).
SWEEP_KINDS = (EventKind.LIGHT_YELLOW, EventKind.LIGHT_RED)

_kinds: dict[str, InboxKind] = {}


def register_inbox_event(
    kind: str,
    *,
    recipients: Callable[[TicketEvent], Iterable[To]] | None = None,
    text: Callable[[TicketEvent, To], str] | None = None,
    urgent: Callable[[TicketEvent], bool] | None = None,
    notify: bool | Callable[[TicketEvent], bool] = True,
    template: str = "inbox",
) -> InboxKind:
    """Make timeline events of ``kind`` notices (see the module docstring)."""
    if kind not in EventKind.values:
        raise ValueError(f"unknown event kind {kind!r}")
    if kind in SWEEP_KINDS and (recipients or text or notify or urgent not in (None, never)):
        raise ValueError(f"{kind}: the sweep delivers to the event's unit only (SWEEP_KINDS)")
    spec = InboxKind(
        kind=kind,
        recipients=recipients or to_event_unit,
        text=text or event_reason,
        urgent=urgent or ticket_is_emergency,
        notify=notify,
        template=template,
    )
    _kinds[kind] = spec
    return spec


def inbox_kind(kind: str) -> InboxKind | None:
    return _kinds.get(kind)


def inbox_kinds() -> dict[str, InboxKind]:
    return dict(_kinds)


# --- the kinds that exist in workorders ---------------------------------------------------------


def _dispatched_units(event: TicketEvent) -> list[To]:
    """The lead unit and every assisting unit (吹哨报到: each must accept its part)."""
    units = [event.unit_id, *event.data.get("assist_unit_ids", [])]
    return [To(unit_id=pk) for pk in dict.fromkeys(units) if pk]


def _to_dispatchers(event: TicketEvent) -> list[To]:
    return [To(role=Role.DISPATCHER)]


def _supervisors(event: TicketEvent) -> list[To]:
    """The person who issued the 督办 hears the unit's answer."""
    ids = event.data.get("supervision_ids", [])
    users = Supervision.objects.filter(pk__in=ids, created_by__isnull=False).values_list(
        "created_by_id", flat=True
    )
    return [To(user_id=pk) for pk in sorted(set(users))]


def _dispatched_text(event: TicketEvent, to: To) -> str:
    role = gettext("主办") if to.unit_id == event.unit_id else gettext("协办")
    text = gettext("新派工单（%(role)s），请及时签收。") % {"role": role}
    return f"{text} {event.reason}".strip()


def _pressed_text(event: TicketEvent, to: To) -> str:
    district = event.data.get("district", "")
    return gettext("%(district)s督促：%(note)s") % {"district": district, "note": event.reason}


def register() -> None:
    """The notices of the lifecycle workorders owns (dispatch registers none of its own: its
    decisions are events of these kinds)."""
    K = EventKind
    register_inbox_event(K.DISPATCHED, recipients=_dispatched_units, text=_dispatched_text)
    register_inbox_event(K.REOPENED)
    register_inbox_event(K.SUPERVISED, template="supervised")
    for kind in (
        K.RETURN_APPROVED,
        K.RETURN_REJECTED,
        K.EXTENSION_APPROVED,
        K.EXTENSION_REJECTED,
        K.PAUSED,
        K.PAUSE_REJECTED,
    ):
        register_inbox_event(kind)
    # The center's side: requests waiting for a dispatcher's decision, and answers to 督办.
    for kind in (K.RETURN_REQUESTED, K.EXTENSION_REQUESTED, K.PAUSE_REQUESTED):
        register_inbox_event(kind, recipients=_to_dispatchers, notify=False, urgent=never)
    register_inbox_event(
        K.SUPERVISION_ACKNOWLEDGED, recipients=_supervisors, notify=False, urgent=never
    )
    # The sweep already sends one digest per unit to its heads (deadline_sweep): no second SMS.
    register_inbox_event(K.LIGHT_RED, notify=False, urgent=never)
    # Hand-offs to a community (workorders.services.hand_offs): the event's unit is the one that
    # must act next — the community for a hand-off or a send-back, the street for a report.
    register_inbox_event(K.HANDED_OFF)
    register_inbox_event(K.HAND_OFF_REPORTED)
    register_inbox_event(K.HAND_OFF_SENT_BACK)
    # The district's press (区政府督促), sent like the centre's 督办 with its own template.
    register_inbox_event(K.PRESSED, text=_pressed_text, template="pressed")
