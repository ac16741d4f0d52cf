"""Reads of the hotspots part for the API, the page and the cockpit: who may see them, the
period asked for, and each hotspot's history from the daily records."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analysis.hotspots.clusters import Cluster, find_clusters
from analysis.hotspots.detection import Detection, Hotspot, Period, Trees, detect
from analysis.models import HotspotKind, HotspotRecord, HotspotSettings
from hotline.lib.errors import InvalidInput
from workorders.access import require_role
from workorders.models import Role

HOTSPOT_ROLES = (Role.LEADER, Role.DISPATCHER)
MAX_DAYS = 366
EARLIEST = date(1990, 1, 1)
HISTORY_DAYS = 30  # days of daily records the page reads for started-on and trend


def parse_period(end: str | None, days: str | int | None, *, default_days: int = 7) -> Period:
    """``end`` (YYYY-MM-DD, default yesterday) and ``days`` (1..366): a clear 400 otherwise."""
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    end_day = today - timedelta(days=1)
    if end not in (None, ""):
        try:
            end_day = date.fromisoformat(str(end))
        except ValueError:
            errors["end"] = [_("日期无效，应为 YYYY-MM-DD 格式的真实日期")]
        else:
            if end_day > today:
                errors["end"] = [_("截止日期不能晚于今天")]
            elif end_day < EARLIEST:
                # Far enough back for any imported history; earlier dates are typing errors (and
                # the baseline periods before year 1 cannot be computed at all).
                errors["end"] = [_("截止日期不能早于 %(day)s") % {"day": EARLIEST.isoformat()}]
    count = default_days
    if days not in (None, ""):
        try:
            count = int(days)
        except (TypeError, ValueError):
            errors["days"] = [_("天数应为整数")]
        else:
            if count < 1 or count > MAX_DAYS:
                errors["days"] = [_("天数应在 1 到 %(max)d 之间") % {"max": MAX_DAYS}]
    if errors:
        problems = "；".join(message for messages in errors.values() for message in messages)
        raise InvalidInput(_("统计期有误：%(problems)s") % {"problems": problems}, fields=errors)
    return Period(end_day, count)


@dataclass
class Report:
    detection: Detection
    clusters: list[Cluster]


def report(*, user, end=None, days=None, period: Period | None = None) -> Report:
    """The role first (a forbidden caller learns nothing, not even that the dates are wrong),
    then the period."""
    require_role(user, *HOTSPOT_ROLES)
    rules = HotspotSettings.current()
    # By default the period the daily task records, so the page's history lines up with it.
    period = period or parse_period(end, days, default_days=rules.record_window_days)
    seconds = getattr(settings, "HOTSPOT_CACHE_SECONDS", 0)
    # Leaders and dispatchers open the page and the cockpit all day; a 2,000,000-a-year city's
    # week takes seconds to compute, so a result is kept a few minutes (keyed on the rules'
    # last change too: an edit shows at once). The trees are reloaded: two small queries.
    key = f"hotspots:v1:{period.end}:{period.days}:{rules.updated_at.timestamp()}"
    cached = cache.get(key) if seconds else None
    if cached is not None:
        hotspots, clusters, tested, alpha = cached
        detection = Detection(period, hotspots, tested, alpha, Trees.load())
        return Report(detection, clusters)
    detection = detect(period, rules)
    clusters = find_clusters(period, rules, detection.trees)
    if seconds:
        value = (detection.hotspots, clusters, detection.cells_tested, detection.alpha)
        cache.set(key, value, seconds)
    return Report(detection, clusters)


def report_data(result: Report) -> dict:
    """The API's answer (GET /api/analysis/hotspots/)."""
    trees = result.detection.trees
    period = result.detection.period
    return {
        "period": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "days": period.days,
        },
        "surges": [
            {
                "category": trees.category_json(h.category_id),
                "region": trees.region_json(h.region_id),
                "count": h.count,
                "expected": round(h.expected, 2),
                "score": h.score,
                "kind": str(h.kind),
                "ratio": round(h.ratio, 2),
                "p_value": h.p_value,
                "q_value": h.q_value,
                "spot": h.spot,
            }
            for h in result.detection.hotspots
        ],
        "clusters": [
            {
                "tickets": c.numbers,
                "region": trees.region_json(c.region_id),
                "summary": c.summary,
                "category": trees.category_json(c.category_id) if c.category_id else None,
                "first_at": c.first_at.isoformat(),
                "last_at": c.last_at.isoformat(),
            }
            for c in result.clusters
        ],
    }


@dataclass
class History:
    started_on: date | None
    days_active: int
    trend: str  # "rising", "falling", "steady", "new"
    series: list[tuple[date, int]]


def histories(hotspots: list[Hotspot], period: Period) -> dict[tuple, History]:
    """For each hotspot, from the daily records of periods as long as ``period`` up to its end:
    the first day of its current run of consecutive recorded days, the run's length, and whether
    its count is rising (counts of periods of another length do not compare)."""
    if not hotspots:
        return {}
    end = period.end
    since = end - timedelta(days=HISTORY_DAYS)
    records = HotspotRecord.objects.filter(
        period_days=period.days,
        day__gte=since,
        day__lt=end,
        category_id__in={h.category_id for h in hotspots},
        region_id__in={h.region_id for h in hotspots},
    ).values_list("category_id", "region_id", "kind", "spot", "day", "count")
    by_key: dict[tuple, dict[date, int]] = defaultdict(dict)
    for category, region, kind, spot, day, count in records:
        by_key[(kind, category, region, spot)][day] = count
    found = {}
    for h in hotspots:
        key = (str(h.kind), h.category_id, h.region_id, h.spot)
        days = dict(by_key.get(key, {}))
        days[end] = h.count  # today's finding counts whether or not the task recorded it yet
        started, run = end, 0
        day = end
        while day in days:
            started, run = day, run + 1
            day -= timedelta(days=1)
        previous = days.get(end - timedelta(days=1))
        if previous is None:
            trend = "new"
        elif h.count > previous * 1.1:
            trend = "rising"
        elif h.count < previous * 0.9:
            trend = "falling"
        else:
            trend = "steady"
        found[key] = History(started, run, trend, sorted(days.items()))
    return found


TREND_LABELS = {
    "rising": gettext_lazy("上升"),
    "falling": gettext_lazy("回落"),
    "steady": gettext_lazy("持平"),
    "new": gettext_lazy("新出现"),
}


def kind_label(kind: str) -> str:
    return str(HotspotKind(kind).label)
