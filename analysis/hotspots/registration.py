"""What the hotspots part plugs in: the menu entry, the cockpit section, the admin, the task."""

from datetime import date, timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analysis.cockpit_sections import CockpitSection, register_cockpit_sections
from workorders.access import role_of
from workorders.models import Role
from workorders.registry import NavEntry, register_navigation

COCKPIT_ROWS = 8  # hotspots and clusters shown on the cockpit; the page has the rest


def _period_of(period) -> "tuple[date, int]":
    """The cockpit's period (anything with ``start`` and ``end`` dates, or None) as the hotspot
    period ending with it: at most a month, ending yesterday at the latest (today is not over)."""
    yesterday = timezone.localdate() - timedelta(days=1)
    end = getattr(period, "end", None) or yesterday
    start = getattr(period, "start", None)
    end = min(end, yesterday) if isinstance(end, date) else yesterday
    days = (end - start).days + 1 if isinstance(start, date) and start <= end else 7
    return end, max(1, min(days, 31))


def cockpit_context(user, period=None) -> dict | None:
    from analysis.hotspots import selectors, views

    if role_of(user) not in (*selectors.HOTSPOT_ROLES, Role.ADMIN):
        return None
    end, days = _period_of(period)
    result = selectors.report(user=user, period=selectors.Period(end, days))
    hotspots, clusters = views.rows(result)
    url = f"{reverse('analysis:hotspots')}?{urlencode({'end': end.isoformat(), 'days': days})}"
    return {
        "hotspots": hotspots[:COCKPIT_ROWS],
        "clusters": clusters[:COCKPIT_ROWS],
        "hotspot_period": result.detection.period,
        "hotspots_url": url,
    }


SECTION = CockpitSection(
    name="hotspots",
    template="analysis/cockpit/hotspots.html",
    context=cockpit_context,
    order=40,
)

ENTRIES = (
    # Second in a leader's menu, right after the cockpit (order 60) it details.
    NavEntry(
        "analysis:hotspots", _("热点分析"), (Role.LEADER,), order=62, prefix="/analysis/hotspots/"
    ),
    NavEntry(
        "analysis:hotspots",
        _("热点分析"),
        (Role.DISPATCHER, Role.ADMIN),
        order=105,
        prefix="/analysis/hotspots/",
    ),
)


def register() -> None:
    from analysis.hotspots import admin, tasks  # noqa: F401  (the task registers on import)

    register_navigation(*ENTRIES)
    register_cockpit_sections(SECTION)
    admin.register()
