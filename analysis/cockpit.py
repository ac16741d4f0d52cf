"""The leaders' cockpit (领导驾驶舱): the reads behind the page, its JSON endpoint and its export.

One function, ``cockpit_data``, answers everything the page shows for a period, as plain JSON
(dates as ISO strings, labels translated), so the page, ``GET /api/analysis/cockpit/``, the charts
(static/js/cockpit.js reads the same dict from a json_script element) and the Excel export cannot
disagree. Every figure carries ``url``: the staff ticket list filtered to the tickets behind it.

The period: ``period`` is day, week or month and ``end`` a date (default today). The breakdowns
(channel, category, region) cover the window ending on ``end``: that day, the 7 days ending on it,
or its calendar month up to it. The volume trend shows the last 30 days, 12 weeks or 12 months
ending with that window, each beside the same period a year earlier (weeks: 52 weeks earlier, so
weekdays match).
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analysis.cockpit_sections import cockpit_sections
from analysis.geo import GeoJSONError, map_for_cockpit
from analysis.models import CityMap, DailyVolume
from analysis.rollup import Volumes
from evaluation import selectors as evaluation_selectors
from evaluation.periods import current_month
from evaluation.scoring import KIND_ORDER, ranking_key
from evaluation.selectors import KIND_LABELS
from hotline.lib.errors import InvalidInput
from workorders.access import require_role
from workorders.lights import annotate_lights, light_name
from workorders.models import OPEN_STATUSES, Category, Channel, Light, Region, Role, Ticket
from workorders.registry import page_url

COCKPIT_ROLES = (Role.LEADER, Role.DISPATCHER)  # administrators too (require_role lets them in)
PERIODS = {"day": gettext_lazy("日"), "week": gettext_lazy("周"), "month": gettext_lazy("月")}
TREND_BUCKETS = {"day": 30, "week": 12, "month": 12}
# Oldest end date accepted: the trend reaches a year further back, and no city has 12345
# tickets from before the hotlines were merged; older dates are a typo, answered with a 400.
EARLIEST = date(2000, 1, 1)
Dim = DailyVolume.Dimension


def a_year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class Window:
    start: date
    end: date  # inclusive

    def shifted(self, period: str) -> "Window":
        """The same period a year earlier."""
        if period == "week":
            return Window(self.start - timedelta(days=364), self.end - timedelta(days=364))
        if period == "month":
            start = self.start.replace(year=self.start.year - 1)
            last = monthrange(start.year, start.month)[1]
            return Window(start, start.replace(day=min(self.end.day, last)))
        return Window(a_year_before(self.start), a_year_before(self.end))

    def label(self, period: str) -> str:
        if period == "month":
            return f"{self.start:%Y-%m}"
        if period == "week":
            return f"{self.start:%m-%d}~{self.end:%m-%d}"
        return f"{self.end:%m-%d}"


@dataclass(frozen=True)
class CockpitPeriod:
    period: str
    end: date

    @property
    def window(self) -> Window:
        if self.period == "week":
            return Window(self.end - timedelta(days=6), self.end)
        if self.period == "month":
            return Window(self.end.replace(day=1), self.end)
        return Window(self.end, self.end)

    def buckets(self) -> list[Window]:
        """The trend's windows, oldest first; the last one is ``window``."""
        count = TREND_BUCKETS[self.period]
        if self.period == "day":
            return [Window(d, d) for d in (self.end - timedelta(days=i) for i in range(count))][
                ::-1
            ]
        if self.period == "week":
            return [
                Window(self.end - timedelta(days=7 * i + 6), self.end - timedelta(days=7 * i))
                for i in range(count)
            ][::-1]
        windows, month = [], self.end.replace(day=1)
        for i in range(count):
            last = monthrange(month.year, month.month)[1]
            windows.append(Window(month, self.end if i == 0 else month.replace(day=last)))
            month = (month - timedelta(days=1)).replace(day=1)
        return windows[::-1]

    @property
    def start(self) -> date:
        return self.window.start


def cockpit_period(*, period: str | None, end: str | None, today: date | None = None):
    """The period from the query string; InvalidInput (400) for anything else."""
    today = today or timezone.localdate()
    period = (period or "month").strip()
    if period not in PERIODS:
        message = _("统计周期应为 day、week 或 month")
        raise InvalidInput(message, fields={"period": [message]})
    if end in (None, ""):
        return CockpitPeriod(period, today)
    try:
        day = date.fromisoformat(end.strip())
    except ValueError:
        message = _("日期无效，应为真实存在的日期，格式 YYYY-MM-DD")
        raise InvalidInput(message, fields={"end": [message]}) from None
    if day > today:
        message = _("结束日期不能晚于今天")
        raise InvalidInput(message, fields={"end": [message]})
    if day < EARLIEST:
        message = _("结束日期超出可查询范围（%(year)s 年以后）") % {"year": EARLIEST.year}
        raise InvalidInput(message, fields={"end": [message]})
    return CockpitPeriod(period, day)


# --- links to the tickets behind a figure ------------------------------------------------------


@lru_cache(maxsize=1)
def _all_tickets() -> str:
    # Hundreds of links per page: one reverse() per process, not one per link.
    return page_url("all_tickets")


def tickets_url(**filters) -> str:
    """The staff ticket list (dispatch's "all tickets") with these query-string filters."""
    base = _all_tickets()
    if not base:
        return ""
    pairs = []
    for key, value in filters.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            if item not in (None, ""):
                pairs.append((key, str(item)))
    return f"{base}?{urlencode(pairs)}" if pairs else base


def _dates(window: Window) -> dict:
    return {
        "registered_after": window.start.isoformat(),
        "registered_before": window.end.isoformat(),
    }


# --- the parts ------------------------------------------------------------------------------------


def _trend(volumes: Volumes, period: CockpitPeriod) -> list[dict]:
    buckets = period.buckets()
    previous = [bucket.shifted(period.period) for bucket in buckets]
    totals = volumes.daily_totals(previous[0].start, buckets[-1].end)

    def total(window: Window) -> int:
        return sum(
            totals.get(window.start + timedelta(days=i), 0)
            for i in range((window.end - window.start).days + 1)
        )

    points = []
    for bucket, before in zip(buckets, previous, strict=True):
        points.append(
            {
                "label": bucket.label(period.period),
                "start": bucket.start.isoformat(),
                "end": bucket.end.isoformat(),
                "count": total(bucket),
                "url": tickets_url(**_dates(bucket)),
                "last_year": {
                    "start": before.start.isoformat(),
                    "end": before.end.isoformat(),
                    "count": total(before),
                    "url": tickets_url(**_dates(before)),
                },
            }
        )
    return points


def _channels(counts, window: Window) -> list[dict]:
    rows = [
        {
            "value": value,
            "label": str(label),
            "count": counts.get(value, 0),
            "url": tickets_url(channel=value, **_dates(window)),
        }
        for value, label in Channel.choices
    ]
    # Channels added later (or by another branch) that are not in the choices still count.
    known = set(Channel.values)
    rows += [
        {"value": v, "label": v, "count": n, "url": tickets_url(channel=v, **_dates(window))}
        for v, n in counts.items()
        if v not in known and n
    ]
    return sorted(rows, key=lambda row: -row["count"])


def category_rows(nodes: list[dict], depth: int = 0, path: str = "") -> list[dict]:
    """The tree flattened for tables and the export: each node once, with its depth and path."""
    rows = []
    for node in nodes:
        full = f"{path} › {node['name']}" if path else node["name"]
        rows.append({**node, "depth": depth, "path": full})
        rows.extend(category_rows(node["children"], depth + 1, full))
    return rows


def _categories(counts, window: Window) -> list[dict]:
    """The category tree with counts (each node counts its sub-categories), biggest first;
    sub-trees without tickets are left out, top levels are kept."""
    rows = list(Category.objects.values("pk", "name", "parent_id"))
    children: dict[int | None, list[dict]] = {}
    for row in rows:
        children.setdefault(row["parent_id"], []).append(row)

    def node(row: dict, depth: int) -> dict:
        kids = [node(child, depth + 1) for child in children.get(row["pk"], [])]
        kids = sorted((k for k in kids if k["count"]), key=lambda k: (-k["count"], k["name"]))
        count = counts.get(str(row["pk"]), 0) + sum(k["count"] for k in kids)
        return {
            "id": row["pk"],
            "name": row["name"],
            "count": count,
            "url": tickets_url(category=row["pk"], **_dates(window)),
            "children": kids,
        }

    tree = sorted(
        (node(row, 1) for row in children.get(None, [])), key=lambda n: (-n["count"], n["name"])
    )
    unclassified = counts.get("", 0)
    if unclassified:
        tree.append(
            {"id": None, "name": _("未分类"), "count": unclassified, "url": "", "children": []}
        )
    return tree


def _regions(counts, window: Window) -> dict:
    """Districts and streets with counts (a district counts its streets and its own tickets)."""
    regions = list(
        Region.objects.filter(level__in=(Region.Level.DISTRICT, Region.Level.STREET)).values(
            "pk", "name", "level", "parent_id"
        )
    )

    def row(region: dict, count: int) -> dict:
        return {
            "id": region["pk"],
            "name": region["name"],
            "count": count,
            "url": tickets_url(region=region["pk"], **_dates(window)),
        }

    streets = [r for r in regions if r["level"] == Region.Level.STREET]
    districts = [r for r in regions if r["level"] == Region.Level.DISTRICT]
    street_rows = [row(s, counts.get(str(s["pk"]), 0)) for s in streets]
    by_district: dict[int, int] = {}
    for street, street_row in zip(streets, street_rows, strict=True):
        by_district[street["parent_id"]] = (
            by_district.get(street["parent_id"], 0) + street_row["count"]
        )
    district_rows = [
        row(d, counts.get(str(d["pk"]), 0) + by_district.get(d["pk"], 0)) for d in districts
    ]
    located = {str(r["pk"]) for r in regions}
    # Tickets with no region, or only the city as their region.
    unknown = sum(n for key, n in counts.items() if key not in located)
    names = {d["pk"]: d["name"] for d in districts}
    for street, street_row in zip(streets, street_rows, strict=True):
        street_row["district"] = names.get(street["parent_id"], "")
    order = lambda r: (-r["count"], r["name"])  # noqa: E731
    return {
        "districts": sorted(district_rows, key=order),
        "streets": sorted(street_rows, key=order),
        "unlocated": unknown,
    }


LIGHT_LABELS = {
    Light.RED: gettext_lazy("红灯（已超期）"),
    Light.YELLOW: gettext_lazy("黄灯（临近期限）"),
    Light.GREEN: gettext_lazy("绿灯"),
    Light.NONE: gettext_lazy("未计时"),
}


def _lights(*, now: datetime) -> list[dict]:
    """Open tickets by light, now (not by period: a light is a state of the moment)."""
    rows = (
        annotate_lights(Ticket.objects.filter(status__in=OPEN_STATUSES), now=now)
        .order_by()
        .values("light")
        .annotate(n=Count("pk"))
    )
    counts = {row["light"]: row["n"] for row in rows}
    result = []
    for light in (Light.RED, Light.YELLOW, Light.GREEN, Light.NONE):
        name = light_name(light) or "none"
        url = (
            tickets_url(light=name)
            if light != Light.NONE
            else tickets_url(status=[str(s) for s in OPEN_STATUSES])
        )
        result.append(
            {
                "light": name,
                "label": str(LIGHT_LABELS[light]),
                "count": counts.get(light, 0),
                "url": url,
            }
        )
    return result


def _rate(value) -> str | None:
    return None if value is None else str(value)


def _evaluation(*, now: datetime) -> dict:
    """The month under way: city-wide rates and, per kind of unit, the best and the last three
    (evaluation's own live month, cached by it)."""
    month = current_month(now)
    view = evaluation_selectors.month_view_for(month)
    totals = view.totals or {}
    kinds = []
    by_kind: dict[str, list] = {}
    for figures in view.units:
        if figures.rank is not None:
            by_kind.setdefault(figures.kind, []).append(figures)
    month_arg = f"{month:%Y-%m}"
    for kind in KIND_ORDER:
        ranked = sorted(by_kind.get(kind, []), key=ranking_key)
        if not ranked:
            continue

        def unit(f) -> dict:
            return {
                "unit_id": f.unit_id,
                "name": f.unit_name,
                "rank": f.rank,
                "composite": _rate(f.composite),
                "url": reverse("evaluation:unit_month", args=[month_arg, f.unit_id]),
            }

        kinds.append(
            {
                "kind": kind,
                "label": str(KIND_LABELS.get(kind, kind)),
                "units": len(ranked),
                "top": [unit(f) for f in ranked[:3]],
                "bottom": [unit(f) for f in ranked[3:][-3:]],
            }
        )
    return {
        "month": month_arg,
        "live": view.live,
        "url": reverse("evaluation:rankings_month", args=[month_arg]),
        "rates": {
            key: _rate(totals.get(key))
            for key in ("response_rate", "resolution_rate", "satisfaction_rate", "composite")
        },
        "valid": totals.get("valid", 0),
        "kinds": kinds,
    }


def chart_labels() -> dict:
    """Every text the charts draw, from the server's catalogue."""
    return {
        "volume": _("诉求量"),
        "last_year": _("去年同期"),
        "tickets": _("件"),
        "back": _("返回上一级"),
        "open_tickets": _("查看工单"),
        "districts": _("区"),
        "streets": _("街道/乡镇"),
        "no_map": _("尚未配置城市地图"),
        "response_rate": _("响应率"),
        "resolution_rate": _("解决率"),
        "satisfaction_rate": _("满意率"),
        "composite": _("综合得分"),
    }


def cockpit_data(*, user, period: CockpitPeriod, now: datetime | None = None) -> dict:
    require_role(user, *COCKPIT_ROLES)
    now = now or timezone.now()
    volumes = Volumes(now=now)
    window = period.window
    counts = volumes.breakdown(window.start, window.end)
    before = window.shifted(period.period)
    last_year_total = sum(volumes.daily_totals(before.start, before.end).values())
    total = counts[Dim.TOTAL].get("", 0)
    return {
        "period": period.period,
        "period_label": str(PERIODS[period.period]),
        "start": window.start.isoformat(),
        "end": window.end.isoformat(),
        "computed_at": now.isoformat(),
        "total": {
            "count": total,
            "url": tickets_url(**_dates(window)),
            "last_year": last_year_total,
            "last_year_url": tickets_url(**_dates(before)),
            "change": round((total - last_year_total) * 100 / last_year_total, 1)
            if last_year_total
            else None,
        },
        "trend": _trend(volumes, period),
        "channels": _channels(counts[Dim.CHANNEL], window),
        "categories": _categories(counts[Dim.CATEGORY], window),
        "regions": _regions(counts[Dim.REGION], window),
        "lights": _lights(now=now),
        "evaluation": _evaluation(now=now),
        "labels": chart_labels(),
    }


def city_map() -> dict | None:
    """The active map, split by level for the choropleth; None without a usable one."""
    current = CityMap.objects.filter(is_active=True).order_by("-updated_at").first()
    if current is None:
        return None
    try:
        return {
            "name": current.name,
            "updated_at": current.updated_at.isoformat(),
            **map_for_cockpit(current.geojson),
        }
    except GeoJSONError:
        # Saved before a region it names was deleted: the page shows the tables instead.
        return None


def city_map_stamp() -> str:
    current = CityMap.objects.filter(is_active=True).values_list("pk", "updated_at").first()
    return f"{current[0]}-{current[1].timestamp():.0f}" if current else "none"


def sections(*, user, period: CockpitPeriod) -> list[dict]:
    """The sections other parts registered (analysis.cockpit_sections), with their context;
    ``period`` is the CockpitPeriod (``.period``, ``.start``, ``.end``)."""
    shown = []
    for section in cockpit_sections():
        context = section.context(user, period)
        if context is not None:
            shown.append({"name": section.name, "template": section.template, "context": context})
    return shown
