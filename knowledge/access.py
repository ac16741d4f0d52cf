"""Who may see and change which knowledge entries: the one funnel the pages and the API use."""

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.lib.errors import NotAllowed, NotFound
from knowledge.models import PUBLISHED, Entry, Visibility
from workorders.access import role_of, unit_of
from workorders.models import Role


def is_staff(user) -> bool:
    """Hotline and unit staff: they also see internal entries."""
    return role_of(user) not in (None, Role.CITIZEN)


def suggestible_visibilities(user) -> tuple[str, ...]:
    return PUBLISHED if is_staff(user) else (Visibility.PUBLIC,)


def may_manage(user) -> bool:
    """Administrators manage every entry, a unit's staff their unit's."""
    return role_of(user) in (Role.ADMIN, Role.UNIT_STAFF)


def entries_visible_to(user) -> QuerySet[Entry]:
    """Published entries in force for the public (public ones) and staff (internal too); every
    entry of their own unit for its staff, every entry for administrators."""
    role = role_of(user)
    if role == Role.ADMIN:
        return Entry.objects.all()
    today = timezone.localdate()
    visible = (
        Q(visibility__in=suggestible_visibilities(user))
        & (Q(valid_from__isnull=True) | Q(valid_from__lte=today))
        & (Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    )
    if role == Role.UNIT_STAFF:
        visible |= Q(unit=unit_of(user))
    return Entry.objects.filter(visible)


def entry_get_for_user(*, user, pk) -> Entry:
    try:
        return entries_visible_to(user).select_related("category", "unit").get(pk=pk)
    except (Entry.DoesNotExist, ValueError, TypeError):
        raise NotFound(_("知识条目不存在或无权查看")) from None


def require_editor(user, entry: Entry | None = None) -> None:
    """An administrator, or staff of the entry's unit (any unit's staff for a new entry)."""
    role = role_of(user)
    if role == Role.ADMIN:
        return
    if role != Role.UNIT_STAFF:
        raise NotAllowed(_("仅承办单位工作人员和管理员可编辑知识库"))
    if entry is not None and entry.unit_id != unit_of(user).pk:
        raise NotAllowed(_("只能编辑本单位的知识条目"))
