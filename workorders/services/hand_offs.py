"""Hand-off to a community (转派社区): the lead street office passes a ticket it accepted down to
one of its communities or villages, the community works it and reports back, and the street
resolves the ticket with the reply or sends the report back.

The street stays the lead unit and answerable for the deadlines (首接负责): nothing here changes
the ticket's status or due times (the tests check it). The community's part is an active
``Assignment`` with the role ``community`` while the hand-off is open, so it sees the ticket on
its workbench and may use the actions of any unit on a ticket (accept, contact, progress, visit).
Every step is a timeline event whose ``unit`` is the unit that must act next.
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.lib.errors import Conflict, InvalidInput, NotAllowed
from workorders.models import (
    OPEN_HAND_OFF_STATUSES,
    Assignment,
    EventKind,
    HandOff,
    HandOffStatus,
    Status,
    Ticket,
    Unit,
)
from workorders.services.guards import clean_text, own_assignment, require_lead, ticket_locked
from workorders.transitions import record_event

H = HandOffStatus

# (from, to) moves of a hand-off, with the reason each exists; ``hand_off_move`` refuses others.
HAND_OFF_ALLOWED: dict[tuple[str, str], str] = {
    (H.HANDED_OFF, H.ACCEPTED): "the community accepts",
    (H.ACCEPTED, H.REPORTED): "the community reports its result",
    (H.SENT_BACK, H.REPORTED): "the community reports again after a send-back",
    (H.REPORTED, H.SENT_BACK): "the street finds the report wanting",
    (H.REPORTED, H.CLOSED): "the street resolves the ticket with the report",
    (H.ACCEPTED, H.CLOSED): "the street resolves the ticket itself before a report",
    (H.SENT_BACK, H.CLOSED): "the street resolves the ticket itself after a send-back",
    (H.HANDED_OFF, H.CLOSED): "the street resolves the ticket before the community accepted",
    (H.HANDED_OFF, H.WITHDRAWN): "the street takes it back (wrong community)",
    (H.ACCEPTED, H.WITHDRAWN): "the street takes it back",
    (H.REPORTED, H.WITHDRAWN): "the street takes it back",
    (H.SENT_BACK, H.WITHDRAWN): "the street takes it back",
}

# The ticket statuses in which the lead street works it, and so the community too.
WORKING = (Status.ACCEPTED, Status.IN_PROGRESS)


def hand_off_move(*, hand_off: HandOff, to: str, changes: dict | None = None) -> HandOff:
    """Move ``hand_off`` to ``to`` with a compare-and-set on its status (two clicks, two people:
    one wins); Conflict if the move is not allowed now."""
    if (hand_off.status, to) not in HAND_OFF_ALLOWED:
        raise Conflict(
            _("转派当前状态为“%(label)s”，不能执行此操作")
            % {"label": HandOffStatus(hand_off.status).label}
        )
    fields = {"status": to, **(changes or {})}
    updated = HandOff.objects.filter(pk=hand_off.pk, status=hand_off.status).update(**fields)
    if updated != 1:
        raise Conflict(_("转派已被他人处理，请刷新后重试"))
    for name, value in fields.items():
        setattr(hand_off, name, value)
    return hand_off


def open_hand_off(ticket: Ticket) -> HandOff | None:
    return (
        ticket.hand_offs.filter(status__in=OPEN_HAND_OFF_STATUSES)
        .select_related("street", "community")
        .first()
    )


def street_communities(street: Unit):
    """The communities and villages a street office may hand tickets down to."""
    return Unit.objects.filter(kind=Unit.Kind.COMMUNITY, parent=street, is_active=True).order_by(
        "name"
    )


def _data(hand_off: HandOff) -> dict:
    return {
        "hand_off": hand_off.pk,
        "street": hand_off.street.name,
        "community": hand_off.community.name,
    }


def _require_street_lead(ticket: Ticket, actor) -> Assignment:
    lead = require_lead(ticket, actor)
    if lead.unit.kind != Unit.Kind.STREET:
        raise NotAllowed(_("只有主办的街道（乡镇）可以转派社区"))
    return lead


def _community_part(ticket: Ticket, actor) -> tuple[Assignment, HandOff]:
    assignment = own_assignment(ticket, actor)
    hand_off = open_hand_off(ticket)
    if (
        assignment.role != Assignment.Role.COMMUNITY
        or hand_off is None
        or hand_off.community_id != assignment.unit_id
    ):
        raise NotAllowed(_("仅承办转派的社区可执行此操作"))
    return assignment, hand_off


def ticket_hand_off(*, ticket_id: int, actor, unit: int | None, note: str) -> HandOff:
    """The lead street passes the ticket to one of its communities, with a note."""
    note = clean_text(note, field="note", label="转派说明", minimum=2)
    with transaction.atomic():
        ticket = ticket_locked(ticket_id, actor)
        lead = _require_street_lead(ticket, actor)
        if ticket.status not in WORKING:
            raise Conflict(_("请先签收工单，再转派社区"))
        community = street_communities(lead.unit).filter(pk=unit).first() if unit else None
        if community is None:
            message = _("请选择本街道（乡镇）下属的社区（村）")
            raise InvalidInput(message, fields={"unit": [message]})
        current = open_hand_off(ticket)
        if current is not None:
            raise Conflict(
                _("该工单已转派%(community)s，请等待其反馈或撤回后再转派")
                % {"community": current.community.name}
            )
        if ticket.assignments.filter(active=True, unit=community).exists():
            message = _("该社区已是本工单的承办单位")
            raise InvalidInput(message, fields={"unit": [message]})
        now = timezone.now()
        # A community handed the ticket before (an earlier hand-off, ended) keeps its old,
        # inactive part for the record: the new part starts from scratch.
        Assignment.objects.create(
            ticket=ticket, unit=community, role=Assignment.Role.COMMUNITY, dispatched_at=now
        )
        hand_off = HandOff.objects.create(
            ticket=ticket,
            street=lead.unit,
            community=community,
            note=note,
            handed_off_by=actor,
            handed_off_at=now,
        )
        record_event(
            ticket=ticket,
            kind=EventKind.HANDED_OFF,
            actor=actor,
            unit=community,
            reason=note,
            data=_data(hand_off),
            public=True,
            at=now,
        )
    return hand_off


def hand_off_accepted(*, ticket: Ticket, assignment: Assignment, actor, at) -> None:
    """The community accepted (``ticket_accept`` on its part, in that transaction)."""
    hand_off = open_hand_off(ticket)
    if hand_off is not None and hand_off.community_id == assignment.unit_id:
        hand_off_move(
            hand_off=hand_off, to=H.ACCEPTED, changes={"accepted_by": actor, "accepted_at": at}
        )


def ticket_hand_off_report(*, ticket_id: int, actor, report: str) -> HandOff:
    """The community reports its result back to the street."""
    report = clean_text(report, field="report", label="办理结果", minimum=10)
    with transaction.atomic():
        ticket = ticket_locked(ticket_id, actor)
        assignment, hand_off = _community_part(ticket, actor)
        if assignment.accepted_at is None:
            raise Conflict(_("请先签收工单"))
        if ticket.status not in WORKING:
            raise Conflict(_("工单当前状态不能反馈办理结果"))
        now = timezone.now()
        hand_off_move(
            hand_off=hand_off,
            to=H.REPORTED,
            changes={"report": report, "reported_by": actor, "reported_at": now},
        )
        record_event(
            ticket=ticket,
            kind=EventKind.HAND_OFF_REPORTED,
            actor=actor,
            unit=hand_off.street,
            reason=report,
            data=_data(hand_off),
            public=True,
            at=now,
        )
    return hand_off


def _street_open_hand_off(ticket: Ticket, actor) -> HandOff:
    """The open hand-off of a ticket the actor's street leads (send back, withdraw)."""
    _require_street_lead(ticket, actor)
    hand_off = open_hand_off(ticket)
    if hand_off is None:
        raise Conflict(_("该工单没有转派社区"))
    return hand_off


def ticket_hand_off_send_back(*, ticket_id: int, actor, reason: str) -> HandOff:
    """The street sends the community's report back with a reason: the community works on."""
    reason = clean_text(reason, field="reason", label="退回理由", minimum=2)
    with transaction.atomic():
        ticket = ticket_locked(ticket_id, actor)
        hand_off = _street_open_hand_off(ticket, actor)
        if ticket.status not in WORKING:
            raise Conflict(_("工单当前状态不能退回社区"))
        hand_off_move(
            hand_off=hand_off,
            to=H.SENT_BACK,
            changes={"street_note": reason, "sent_back_count": hand_off.sent_back_count + 1},
        )
        record_event(
            ticket=ticket,
            kind=EventKind.HAND_OFF_SENT_BACK,
            actor=actor,
            unit=hand_off.community,
            reason=reason,
            data=_data(hand_off),
        )
    return hand_off


def ticket_hand_off_withdraw(*, ticket_id: int, actor, reason: str) -> HandOff:
    """The street takes the ticket back from the community (e.g. the wrong community)."""
    reason = clean_text(reason, field="reason", label="撤回理由", minimum=2)
    with transaction.atomic():
        ticket = ticket_locked(ticket_id, actor)
        hand_off = _street_open_hand_off(ticket, actor)
        now = timezone.now()
        _end(ticket, hand_off, to=H.WITHDRAWN, actor=actor, at=now, note=reason)
        record_event(
            ticket=ticket,
            kind=EventKind.HAND_OFF_WITHDRAWN,
            actor=actor,
            unit=hand_off.community,
            reason=reason,
            data=_data(hand_off),
            at=now,
        )
    return hand_off


def hand_off_close_on_resolve(*, ticket: Ticket, actor, at) -> None:
    """The street resolved the ticket (``ticket_resolve``, in its transaction): the community's
    part ends. It keeps seeing the ticket (``hand_off_kept_tickets``), without actions."""
    hand_off = open_hand_off(ticket)
    if hand_off is None:
        return
    _end(ticket, hand_off, to=H.CLOSED, actor=actor, at=at)
    record_event(
        ticket=ticket,
        kind=EventKind.HAND_OFF_CLOSED,
        actor=actor,
        unit=hand_off.community,
        data=_data(hand_off),
        at=at,
    )


def _end(ticket: Ticket, hand_off: HandOff, *, to: str, actor, at, note: str = "") -> None:
    changes = {"ended_by": actor, "ended_at": at}
    if note:
        changes["street_note"] = note
    hand_off_move(hand_off=hand_off, to=to, changes=changes)
    ticket.assignments.filter(
        active=True, role=Assignment.Role.COMMUNITY, unit=hand_off.community
    ).update(active=False)


def hand_off_kept_tickets(units):
    """The tickets a community worked on until the street resolved them: it keeps seeing them
    after its part ended (a ``registry.register_kept_tickets`` source). A withdrawn hand-off is
    a stub, like a re-dispatch."""
    return HandOff.objects.filter(community__in=units, status=H.CLOSED).values("ticket_id")


# --- what waits for a unit (the workbench panel) -------------------------------------------------

# Per side, the hand-off statuses in which that side must act.
WAITING_FOR_STREET = [H.REPORTED]
WAITING_FOR_COMMUNITY = [H.HANDED_OFF, H.SENT_BACK]


def hand_offs_waiting(*, unit: Unit):
    """Open hand-offs the unit must act on now: reports to check (a street), hand-offs to accept
    and reports sent back (a community); oldest first."""
    rule = Q(street=unit, status__in=WAITING_FOR_STREET) | Q(
        community=unit, status__in=WAITING_FOR_COMMUNITY
    )
    return (
        HandOff.objects.filter(rule)
        .select_related("ticket", "street", "community")
        .order_by("handed_off_at", "pk")
    )
