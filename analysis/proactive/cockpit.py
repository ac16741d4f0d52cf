"""The cockpit's "proactive work" section: this month's orders raised and resolved, and those
still open, with links to the list."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from analysis.cockpit_sections import CockpitSection, register_cockpit_sections
from analysis.proactive import selectors
from analysis.proactive.services import PROACTIVE_READERS
from workorders.access import role_of
from workorders.models import Role


def month_bounds(period) -> tuple[datetime, datetime]:
    """The calendar month of the cockpit's period end (``period.end``, a date; the cockpit's
    CockpitPeriod), or of today without one: [first day, first day of the next month)."""
    day = getattr(period, "end", None) or timezone.localdate()
    if isinstance(day, datetime):
        day = timezone.localtime(day).date()
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return (
        timezone.make_aware(datetime.combine(first, time.min)),
        timezone.make_aware(datetime.combine(following, time.min)),
    )


def context(user, period=None) -> dict | None:
    if role_of(user) not in (*PROACTIVE_READERS, Role.ADMIN):
        return None
    start, end = month_bounds(period)
    counts = selectors.proactive_month_counts(start=start, end=end)
    recent = list(selectors.proactive_list(user=user, status="open")[:5])
    return {"counts": counts, "recent": recent, "start": start, "end": end}


SECTIONS = (
    CockpitSection(
        name="proactive",
        template="analysis/cockpit/_proactive.html",
        context=context,
        order=60,
    ),
)


def register() -> None:
    register_cockpit_sections(*SECTIONS)
