"""Who may see and do what with tickets: the one funnel every page and endpoint goes through."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from hotline.lib.errors import NotAllowed, NotFound
from workorders.models import Profile, Role, Ticket, Unit

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


def visible_units(unit: Unit) -> Q:
    """A unit sees its own tickets, and those of the units under it.

    A district government sees what went straight to its streets/towns (直派街乡镇, 抄送区政府);
    a street office sees what it passed on to its communities.
    """
    return Q(assignments__unit=unit) | Q(assignments__unit__parent=unit)


def tickets_visible_to(user) -> QuerySet[Ticket]:
    role = role_of(user)
    if role in CENTER_ROLES:
        return Ticket.objects.all()
    if role == Role.UNIT_STAFF:
        return Ticket.objects.filter(visible_units(unit_of(user))).distinct()
    if role == Role.CITIZEN:
        return Ticket.objects.filter(citizen_user=user)
    return Ticket.objects.none()


def ticket_get_for_user(*, user, pk: int, for_update: bool = False) -> Ticket:
    queryset = tickets_visible_to(user)
    try:
        if for_update:
            # select_for_update cannot be combined with DISTINCT: look up visibility first.
            queryset.values("pk").get(pk=pk)
            return Ticket.objects.select_for_update().get(pk=pk)
        return queryset.select_related("category", "region").get(pk=pk)
    except (Ticket.DoesNotExist, ValueError, TypeError):
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


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask_phone(phone: str) -> str:
    if len(phone) >= 7:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * len(phone)


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
