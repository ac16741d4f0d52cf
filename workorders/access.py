"""Who may see and do what with tickets: the one funnel every page and endpoint goes through."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.lib.errors import NotAllowed, NotFound
from hotline.lib.redaction import mask_name, mask_phone
from workorders import registry
from workorders.models import Assignment, EventKind, Profile, Role, Ticket, TicketEvent, Unit

# People of the hotline center itself: they see every ticket and the citizen's details.
CENTER_ROLES = {Role.OPERATOR, Role.DISPATCHER, Role.FOLLOW_UP_AGENT, Role.LEADER, Role.ADMIN}


def role_of(user) -> str | None:
    if user is None or not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.ADMIN
    profile = _profile(user)
    return profile.role if profile else None


def unit_of(user) -> Unit | None:
    profile = _profile(user) if user is not None and user.is_authenticated else None
    return profile.unit if profile and profile.role == Role.UNIT_STAFF else None


def _profile(user) -> Profile | None:
    # Cached on the user object: every request asks several times.
    if not hasattr(user, "_hotline_profile"):
        user._hotline_profile = Profile.objects.select_related("unit").filter(user=user).first()
    return user._hotline_profile


def require_role(user, *roles: str) -> str:
    role = role_of(user)
    if role is None or (role not in roles and role != Role.ADMIN):
        raise NotAllowed(_("您的角色无权执行此操作"))
    return role


def require_unit(user) -> Unit:
    unit = unit_of(user)
    if unit is None:
        raise NotAllowed(_("仅承办单位工作人员可执行此操作"))
    return unit


def _unit_and_units_under(unit: Unit) -> QuerySet[Unit]:
    return Unit.objects.filter(Q(pk=unit.pk) | Q(parent=unit))


def visible_units(unit: Unit) -> Q:
    """The tickets a unit sees in full: its own, and those of the units under it.

    A district government sees what went straight to its streets/towns (直派街乡镇, 抄送区政府);
    a street office sees what it passed on to its communities. Only while the assignment is
    active: once a ticket is re-dispatched away or its return approved, what the next unit writes
    is none of this unit's business (a stub, ``tickets_ended_for``), except the tickets the apps
    keep for it (those its evaluation counts: the drill-down and exemption requests need them).
    """
    units = _unit_and_units_under(unit)
    active = Assignment.objects.filter(active=True, unit__in=units).values("ticket_id")
    rule = Q(pk__in=active)
    for kept in registry.kept_tickets():
        rule |= Q(pk__in=kept(units))
    return rule


def tickets_visible_to(user) -> QuerySet[Ticket]:
    """The tickets ``user`` sees in full."""
    role = role_of(user)
    if role in CENTER_ROLES:
        return Ticket.objects.all()
    if role == Role.UNIT_STAFF:
        return Ticket.objects.filter(visible_units(unit_of(user)))
    if role == Role.CITIZEN:
        return Ticket.objects.filter(citizen_user=user)
    return Ticket.objects.none()


# --- tickets a unit no longer handles: a stub -----------------------------------------------------

REDISPATCHED, RETURNED = "redispatched", "returned"
ENDED_LABELS = {REDISPATCHED: gettext_lazy("已改派"), RETURNED: gettext_lazy("已退回")}


@dataclass(frozen=True)
class TicketStub:
    """All a unit still sees of a ticket after its part in it ended."""

    id: int
    number: str
    title: str
    ended: str  # REDISPATCHED or RETURNED
    registered_at: datetime
    dispatched_at: datetime | None  # when this unit (or the one under it) got it
    ended_at: datetime | None  # when it was re-dispatched away or the return approved

    stub = True

    @property
    def ended_label(self) -> str:
        return str(ENDED_LABELS[self.ended])


def tickets_ended_for(user) -> QuerySet[Ticket]:
    """Tickets the user's unit (or a unit under it) was assigned, no longer is, and does not
    keep (``visible_units``), annotated with what ``ticket_stub`` needs. None for other roles."""
    unit = unit_of(user)
    if unit is None:
        return Ticket.objects.none()
    units = _unit_and_units_under(unit)
    ended = Assignment.objects.filter(active=False, unit__in=units)
    last_part = ended.filter(ticket=OuterRef("pk")).order_by("-dispatched_at")
    # What ended it: the first re-dispatch or approved return after this unit got the ticket.
    # Events, not assignments: a reopening moves the active assignment's dispatched_at.
    ending = TicketEvent.objects.filter(
        ticket=OuterRef("pk"),
        kind__in=[EventKind.DISPATCHED, EventKind.RETURN_APPROVED],
        created_at__gt=OuterRef("part_dispatched_at"),
    ).order_by("created_at", "pk")
    return (
        Ticket.objects.filter(pk__in=ended.values("ticket_id"))
        .exclude(visible_units(unit))
        .annotate(part_dispatched_at=Subquery(last_part.values("dispatched_at")[:1]))
        .annotate(
            part_ended_kind=Subquery(ending.values("kind")[:1]),
            part_ended_at=Subquery(ending.values("created_at")[:1]),
        )
    )


def ticket_stub(ticket: Ticket) -> TicketStub:
    """A row of ``tickets_ended_for`` as its stub."""
    returned = ticket.part_ended_kind == EventKind.RETURN_APPROVED
    return TicketStub(
        id=ticket.pk,
        number=ticket.number,
        title=ticket.title,
        ended=RETURNED if returned else REDISPATCHED,
        registered_at=ticket.registered_at,
        dispatched_at=ticket.part_dispatched_at,
        ended_at=ticket.part_ended_at,
    )


def _ended_message(stub: TicketStub) -> str:
    return _("该工单%(ended)s，您的单位不再承办，只能查看编号和标题") % {"ended": stub.ended_label}


def ticket_stub_for_user(*, user, pk: int) -> TicketStub | None:
    """The stub of a ticket the user's unit no longer handles; None for any other ticket."""
    try:
        ticket = tickets_ended_for(user).filter(pk=pk).first()
    except (ValueError, TypeError):
        return None
    return ticket_stub(ticket) if ticket is not None else None


def ticket_access(*, user, pk: int) -> str | None:
    """How ``user`` sees the ticket: "full", "stub" (a unit whose part ended) or None."""
    if tickets_visible_to(user).filter(pk=pk).exists():
        return "full"
    return "stub" if ticket_stub_for_user(user=user, pk=pk) is not None else None


def ticket_or_stub_for_user(*, user, pk: int) -> Ticket | TicketStub:
    """For the pages and endpoints that show a ticket: the ticket, or its stub."""
    stub = ticket_stub_for_user(user=user, pk=pk)  # no query unless the user is unit staff
    return stub if stub is not None else ticket_get_for_user(user=user, pk=pk)


def ticket_get_for_user(*, user, pk: int, for_update: bool = False) -> Ticket:
    """The ticket ``user`` sees in full. A stub ticket is refused (403, whatever the page or
    action: the unit knows the ticket, it may no longer act on it); any other is a 404."""
    queryset = tickets_visible_to(user)
    try:
        if for_update:
            # select_for_update cannot be combined with DISTINCT: look up visibility first.
            queryset.values("pk").get(pk=pk)
            return Ticket.objects.select_for_update().get(pk=pk)
        return queryset.select_related("category", "region").get(pk=pk)
    except (Ticket.DoesNotExist, ValueError, TypeError):
        stub = ticket_stub_for_user(user=user, pk=pk) if role_of(user) == Role.UNIT_STAFF else None
        if stub is not None:
            raise NotAllowed(_ended_message(stub)) from None
        raise NotFound(_("工单不存在或无权查看")) from None


def sees_citizen(user, ticket: Ticket) -> str:
    """How much of the citizen this user may see: "full", "masked" or "hidden"."""
    role = role_of(user)
    if role in CENTER_ROLES:
        return "full"
    if role == Role.CITIZEN and ticket.citizen_user_id == user.pk:
        return "full"
    if ticket.confidential:
        return "hidden"
    return "masked"


def citizen_view(user, ticket: Ticket) -> dict:
    """The citizen's name and phone as this user may see them."""
    level = sees_citizen(user, ticket)
    if level == "full":
        return {"level": level, "name": ticket.citizen_name, "phone": ticket.citizen_phone}
    if level == "masked":
        return {
            "level": level,
            "name": mask_name(ticket.citizen_name),
            "phone": mask_phone(ticket.citizen_phone),
        }
    return {"level": level, "name": "（保密）", "phone": "（保密）"}
