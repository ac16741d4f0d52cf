"""Finding the four kinds of hotspot (四高) of a period.

**Cells.** A cell is a category × region pair at every level of both trees: each ticket counts in
its category and every ancestor category, and in its region and every ancestor down from the
district (district, street, community). Counting is one SQL query — ``GROUP BY period, category,
region`` over the tickets of the period and its baseline periods, with distinct callers — and
the roll-up over the two trees is done in Python on those few rows.

**Distinct callers.** A cell counts the distinct phone numbers that called about it in a period
(anonymous tickets count one each), so one person calling twenty times is one caller. Distinct
counts do not add up: a caller counted in two communities is counted twice in their street. A
caller of one problem calls about one place, so this over-counts little, and it keeps the count
one GROUP BY.

**Baseline (seasonal).** The expected count of a cell is the mean of its own counts in the
``baseline_periods`` periods before, each as long as the period and shifted by a whole number
of weeks (a day is compared with the same weekday of the previous weeks, a week with the
previous weeks, 30 days with 30-day periods 35 days apart): the weekly rhythm of a hotline (quiet
weekends) is in the baseline, without a model of it.

**Test.** The count is compared with the negative binomial of that mean and a variance
``mu + alpha mu^2`` (``alpha`` pooled over all cells by the method of moments, widened for the
uncertainty of a mean of few periods; see stats.py): the p-value is P(X >= count). Poisson alone
would flag every wet week; EARS or CUSUM need a daily series per cell and an alarm threshold that
is hard to set for thousands of cells at once, while a p-value per cell lets Benjamini–Hochberg
control the share of false alarms over all the cells tested. A cell is **surging** (数量高企) when
BH rejects it, its count is at least ``surge_min_count`` and at least ``surge_min_ratio`` times the
expected count. **Dangerous** (高度危险) is the same test on the callers of urgent or emergency
tickets, and of every ticket of the dangerous categories, with its own lower thresholds.
**Frequent** (高频) is the top of the volume ranking at one category level and one region level.
**Concentrated** (高度集中) is many distinct callers from one spot: the same normalised address
(building numbers kept) or the same point (a grid of ``concentrated_point_meters``), holding a
share of their category's callers in that community.

A surge in one community makes its street, district and parent categories surge too; such an
echo is left out when a reported cell below it explains ``rollup_share`` of its excess.
"""

import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Case, Count, IntegerField, Min, Q, Value, When
from django.utils import timezone

from analysis.hotspots import stats
from analysis.models import HotspotKind, HotspotSettings
from workorders.models import Category, Channel, InvalidReason, Region, Ticket, Urgency

MIN_BASELINE_PERIODS = 2  # fewer whole baseline periods of history: no surge is claimed
KIND_ORDER = {
    HotspotKind.DANGEROUS: 0,
    HotspotKind.SURGING: 1,
    HotspotKind.CONCENTRATED: 2,
    HotspotKind.FREQUENT: 3,
}


@dataclass(frozen=True)
class Period:
    """``days`` days ending with ``end`` (both local dates, inclusive)."""

    end: date
    days: int

    @property
    def start(self) -> date:
        return self.end - timedelta(days=self.days - 1)

    @property
    def lag(self) -> int:
        """Days between a period and the baseline period before it: whole weeks."""
        return 7 * math.ceil(self.days / 7)

    def shifted(self, periods: int) -> "Period":
        return Period(self.end - timedelta(days=periods * self.lag), self.days)

    def bounds(self) -> tuple[datetime, datetime]:
        zone = timezone.get_current_timezone()
        start = datetime.combine(self.start, time.min, tzinfo=zone)
        stop = datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone)
        return start, stop


@dataclass
class Trees:
    """Both trees, loaded once: ancestors of every node, and what a row of the API shows."""

    categories: dict[int, Category]
    regions: dict[int, Region]
    category_up: dict[int, tuple[int, ...]] = field(default_factory=dict)
    region_up: dict[int, tuple[int, ...]] = field(default_factory=dict)
    leaves: set[int] = field(default_factory=set)

    @classmethod
    def load(cls) -> "Trees":
        categories = {c.pk: c for c in Category.objects.all()}
        regions = {r.pk: r for r in Region.objects.all()}
        trees = cls(categories, regions)
        for pk in categories:
            trees.category_up[pk] = tuple(trees._chain(categories, pk))
        for pk, _region in regions.items():
            chain = [r for r in trees._chain(regions, pk) if regions[r].level >= 1]
            trees.region_up[pk] = tuple(chain)
        parents = {c.parent_id for c in categories.values()}
        trees.leaves = set(categories) - parents
        # Names used by full_name without a query per row.
        for node in (*categories.values(), *regions.values()):
            parent_id = node.parent_id
            parent = (categories if isinstance(node, Category) else regions).get(parent_id)
            if parent is not None:
                node.parent = parent
        return trees

    @staticmethod
    def _chain(nodes: dict, pk: int) -> list[int]:
        chain, seen = [], set()
        while pk is not None and pk in nodes and pk not in seen:
            seen.add(pk)
            chain.append(pk)
            pk = nodes[pk].parent_id
        return chain

    def category_json(self, pk: int) -> dict:
        node = self.categories[pk]
        return {"id": pk, "name": node.name, "full_name": node.full_name, "level": node.level}

    def region_json(self, pk: int | None) -> dict | None:
        if pk is None or pk not in self.regions:
            return None
        node = self.regions[pk]
        return {"id": pk, "name": node.name, "full_name": node.full_name, "level": node.level}

    def is_below(self, lower: tuple[int, int], upper: tuple[int, int]) -> bool:
        """Is cell ``lower`` inside cell ``upper`` (in both trees, the same cell included)?"""
        return upper[0] in self.category_up.get(lower[0], ()) and upper[1] in self.region_up.get(
            lower[1], ()
        )


@dataclass
class Hotspot:
    kind: str
    category_id: int
    region_id: int
    count: int
    expected: float
    p_value: float
    q_value: float | None = None
    spot: str = ""
    ratio: float = 0.0

    @property
    def score(self) -> float:
        return stats.score(self.p_value)

    @property
    def cell(self) -> tuple[int, int]:
        return (self.category_id, self.region_id)


@dataclass
class Detection:
    period: Period
    hotspots: list[Hotspot]
    cells_tested: int
    alpha: float
    trees: Trees


# --- counting ----------------------------------------------------------------------------------


def counted_tickets():
    """The tickets that count: classified and located, spam left out (a spam wave is not a
    problem of the city's), and proactive work orders too (the centre's own answer to a hotspot,
    not another citizen calling)."""
    return (
        Ticket.objects.filter(category__isnull=False, region__isnull=False)
        .exclude(invalid_reason=InvalidReason.SPAM)
        .exclude(channel=Channel.PROACTIVE)
        .order_by()
    )


def _callers(rules: HotspotSettings, condition: Q | None = None):
    """Distinct callers (anonymous tickets one each), or tickets when the rules say so."""
    anonymous, known = Q(citizen_phone=""), ~Q(citizen_phone="")
    if condition is not None:
        anonymous, known = anonymous & condition, known & condition
    if not rules.count_distinct_callers:
        return Count("id", filter=condition) if condition is not None else Count("id")
    return Count("citizen_phone", distinct=True, filter=known) + Count("id", filter=anonymous)


def _danger_condition(rules: HotspotSettings, trees: Trees) -> Q:
    roots = set(rules.dangerous_categories.values_list("pk", flat=True))
    dangerous = [pk for pk, chain in trees.category_up.items() if roots & set(chain)]
    condition = Q(urgency__in=[Urgency.URGENT, Urgency.EMERGENCY])
    if dangerous:
        condition |= Q(category_id__in=dangerous)
    return condition


def count_cells(period: Period, rules: HotspotSettings, trees: Trees) -> tuple[dict, dict, int]:
    """Per cell, the callers of the period (index 0) and of each baseline period (1..K), all
    callers and the dangerous ones. One GROUP BY (window, category, region) over the
    ``registered_at`` index (a covering index was tried: at 2 M tickets a year PostgreSQL
    preferred a parallel bitmap scan of this one, and every intake would have paid for it); the
    roll-up over both trees in Python."""
    windows = [period.shifted(j) for j in range(rules.baseline_periods + 1)]
    # A baseline period before the first ticket is not a period of zero requests: the platform
    # (or the imported history) had not started. Only whole periods after the first ticket count.
    first = counted_tickets().aggregate(first=Min("registered_at"))["first"]
    if first is not None:
        first_day = timezone.localtime(first).date()
        windows = [windows[0], *(w for w in windows[1:] if w.start >= first_day)]
    whens, ranges = [], Q()
    for index, window in enumerate(windows):
        start, stop = window.bounds()
        whens.append(When(registered_at__gte=start, registered_at__lt=stop, then=Value(index)))
        ranges |= Q(registered_at__gte=start, registered_at__lt=stop)
    rows = (
        counted_tickets()
        # Only the periods' own days: a day's period and its eight weekdays are 9 days of 57
        # (an OR of ranges, one index range scan each), not the whole span between them.
        .filter(ranges)
        .annotate(window=Case(*whens, default=Value(-1), output_field=IntegerField()))
        .values("window", "category_id", "region_id")
        .annotate(
            callers=_callers(rules),
            danger=_callers(rules, _danger_condition(rules, trees)),
        )
    )
    size = len(windows)
    counts: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0] * size)
    danger: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0] * size)
    ancestors: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for row in rows.iterator(chunk_size=20_000):
        window = row["window"]
        if window < 0:
            continue  # the days between baseline periods of a period that is not whole weeks
        leaf = (row["category_id"], row["region_id"])
        cells = ancestors.get(leaf)
        if cells is None:
            cells = [
                (c, r)
                for c in trees.category_up.get(leaf[0], ())
                for r in trees.region_up.get(leaf[1], ())
            ]
            ancestors[leaf] = cells
        callers, dangerous = row["callers"], row["danger"]
        for cell in cells:
            counts[cell][window] += callers
            if dangerous:
                danger[cell][window] += dangerous
    return counts, danger, size - 1


# --- testing -----------------------------------------------------------------------------------


@dataclass
class Test:
    cell: tuple[int, int]
    count: int
    expected: float
    p_value: float


def _test_cells(
    counts: dict, periods: int, rules: HotspotSettings, min_count: int = 0
) -> tuple[list[Test], float]:
    """Every cell with a count in the period or its baseline is tested (so the false-discovery
    control counts them all). A cell below ``min_count`` or below its expected count cannot be
    reported whatever its p-value, so its tail is not computed and its p-value is taken as 1:
    that only makes Benjamini–Hochberg stricter for the others, and saves most of the work (a
    big city has a quarter of a million cells, nearly all with one or two callers)."""
    moments = []
    if periods >= 2:
        for series in counts.values():
            # Plain sums: statistics.variance works in exact fractions, far too slow for a
            # quarter of a million cells.
            mu = sum(series[1:]) / periods
            if mu >= 1:
                variance = sum((x - mu) ** 2 for x in series[1:]) / (periods - 1)
                moments.append((mu, variance))
    alpha = stats.dispersion(moments)
    tests = []
    for cell, series in counts.items():
        count = series[0]
        mean = sum(series[1:]) / periods if periods else 0.0
        mu = max(mean, rules.min_expected)
        if count < min_count or count <= mu:
            p_value = 1.0
        else:
            p_value = stats.nbinom_sf(count, mu, stats.forecast_alpha(mu, alpha, periods))
        tests.append(Test(cell, count, mu, p_value))
    return tests, alpha


def _alarms(
    tests: list[Test], *, kind: str, min_count: int, min_ratio: float, rules: HotspotSettings
) -> list[Hotspot]:
    rejected, adjusted = stats.benjamini_hochberg(
        [t.p_value for t in tests], rules.false_discovery_rate
    )
    found = []
    for test, reject, q_value in zip(tests, rejected, adjusted, strict=True):
        ratio = test.count / test.expected
        if reject and test.count >= min_count and ratio >= min_ratio:
            found.append(
                Hotspot(
                    kind,
                    *test.cell,
                    count=test.count,
                    expected=test.expected,
                    p_value=test.p_value,
                    q_value=q_value,
                    ratio=ratio,
                )
            )
    return found


def _without_echoes(found: list[Hotspot], trees: Trees, share: float) -> list[Hotspot]:
    """Leave out a cell when a reported cell below it explains ``share`` of its excess."""
    kept = []
    for upper in found:
        excess = upper.count - upper.expected
        echo = any(
            lower is not upper
            and lower.cell != upper.cell
            and trees.is_below(lower.cell, upper.cell)
            and (lower.count - lower.expected) >= share * excess
            for lower in found
        )
        if not echo:
            kept.append(upper)
    return kept


def _frequent(tests: list[Test], trees: Trees, rules: HotspotSettings) -> list[Hotspot]:
    def at_level(cell: tuple[int, int]) -> bool:
        category = trees.categories[cell[0]]
        category_ok = category.level == rules.frequent_category_level or (
            category.level < rules.frequent_category_level and cell[0] in trees.leaves
        )
        return category_ok and trees.regions[cell[1]].level == rules.frequent_region_level

    ranked = sorted(
        (t for t in tests if t.count >= rules.frequent_min_count and at_level(t.cell)),
        key=lambda t: (-t.count, t.cell),
    )
    return [
        Hotspot(
            HotspotKind.FREQUENT,
            *t.cell,
            count=t.count,
            expected=t.expected,
            p_value=t.p_value,
            ratio=t.count / t.expected,
        )
        for t in ranked[: rules.frequent_top]
    ]


# --- concentrated ------------------------------------------------------------------------------

_ADDRESS_NOISE = re.compile(
    r"[\s,，。.;；:：()（）\[\]【】\-—_/\\·]+|附近|门口|对面|旁边|周边|一带|处$"
)


def normalise_address(address: str) -> str:
    """One spelling per building: full-width digits and letters folded (NFKC), case and
    punctuation and "附近/门口…" dropped; building numbers kept (they tell buildings apart)."""
    text = unicodedata.normalize("NFKC", address or "").lower()
    return _ADDRESS_NOISE.sub("", text)[:200]


def _point_keys(latitude: float, longitude: float, meters: int) -> list[str]:
    """The grid cells of a point on two grids offset by half a cell, so that a spot on a grid
    line still falls whole into one cell of one of them."""
    step_lat = meters / 111_320.0
    step_lng = meters / (111_320.0 * max(0.1, math.cos(math.radians(latitude))))
    keys = []
    for shift, name in ((0.0, "a"), (0.5, "b")):
        keys.append(
            f"@{name}{math.floor(latitude / step_lat + shift)},"
            f"{math.floor(longitude / step_lng + shift)}"
        )
    return keys


def _spot_counts(queryset, rules: HotspotSettings, trees: Trees) -> dict:
    """Distinct callers per (category, region, spot). Phones are gathered in Python: a few
    thousand rows of one period, and a caller must count once per spot whatever the spelling."""
    callers: dict[tuple[int, int, str], set] = defaultdict(set)
    rows = queryset.values_list(
        "id", "category_id", "region_id", "address", "latitude", "longitude", "citizen_phone"
    )
    for pk, category, region, address, latitude, longitude, phone in rows.iterator(
        chunk_size=20_000
    ):
        caller = phone if (phone and rules.count_distinct_callers) else f"#{pk}"
        spots = []
        if address:
            key = normalise_address(address)
            if key:
                spots.append(key)
        if latitude is not None and longitude is not None:
            spots.extend(
                _point_keys(float(latitude), float(longitude), rules.concentrated_point_meters)
            )
        for spot in spots:
            callers[(category, region, spot)].add(caller)
    return {key: len(value) for key, value in callers.items()}


def _concentrated(
    period: Period, counts: dict, periods: int, alpha: float, rules: HotspotSettings, trees: Trees
) -> list[Hotspot]:
    start, stop = period.bounds()
    # A spot's callers are callers of its ticket's own cell, so only cells with enough callers
    # can hold one: their categories and regions narrow the rows read.
    leaf_cells = [
        cell for cell, series in counts.items() if series[0] >= rules.concentrated_min_callers
    ]
    if not leaf_cells:
        return []
    current = _spot_counts(
        counted_tickets().filter(
            registered_at__gte=start,
            registered_at__lt=stop,
            category_id__in={c for c, _r in leaf_cells},
            region_id__in={r for _c, r in leaf_cells},
        ),
        rules,
        trees,
    )
    candidates = {}
    for (category, region, spot), callers in current.items():
        if callers < rules.concentrated_min_callers:
            continue
        cell_total = counts.get((category, region), [0])[0]
        if cell_total and callers / cell_total < rules.concentrated_min_share:
            continue
        key = (category, region)
        # One spot per cell and spelling kind: the biggest (an address and the grid cells of the
        # same building would list one spot three times).
        is_point = spot.startswith("@")
        best = candidates.get((key, is_point))
        if best is None or callers > best[1]:
            candidates[(key, is_point)] = (spot, callers)
    # An address spot wins over a point spot of the same cell (it names the building).
    chosen = {}
    for (key, _is_point), (spot, callers) in sorted(candidates.items(), key=lambda i: i[0][1]):
        if key not in chosen:
            chosen[key] = (spot, callers)
    if not chosen:
        return []
    # Each spot's own baseline: the same spot in the baseline periods.
    history: dict[tuple[int, int, str], float] = defaultdict(float)
    categories = {key[0] for key in chosen}
    regions = {key[1] for key in chosen}
    for j in range(1, periods + 1):
        start, stop = period.shifted(j).bounds()
        past = _spot_counts(
            counted_tickets().filter(
                registered_at__gte=start,
                registered_at__lt=stop,
                category_id__in=categories,
                region_id__in=regions,
            ),
            rules,
            trees,
        )
        for (category, region), (spot, _callers) in chosen.items():
            history[(category, region, spot)] += past.get((category, region, spot), 0)
    found = []
    for (category, region), (spot, callers) in chosen.items():
        mu = max(history[(category, region, spot)] / max(periods, 1), rules.min_expected)
        p_value = stats.nbinom_sf(callers, mu, stats.forecast_alpha(mu, alpha, periods))
        found.append(
            Hotspot(
                HotspotKind.CONCENTRATED,
                category,
                region,
                count=callers,
                expected=mu,
                p_value=p_value,
                spot="" if spot.startswith("@") else spot,
                ratio=callers / mu,
            )
        )
    return found


# --- everything ----------------------------------------------------------------------------------


def detect(period: Period, rules: HotspotSettings | None = None) -> Detection:
    rules = rules or HotspotSettings.current()
    trees = Trees.load()
    counts, danger, periods = count_cells(period, rules, trees)
    tests, alpha = _test_cells(
        counts, periods, rules, min(rules.surge_min_count, rules.frequent_min_count)
    )
    if periods < MIN_BASELINE_PERIODS:
        # Too little history to say what is usual: no surge can be claimed yet (the volume
        # ranking and the spots still can).
        tests_for_alarms, danger = [], {}
    else:
        tests_for_alarms = tests
    surging = _alarms(
        tests_for_alarms,
        kind=HotspotKind.SURGING,
        min_count=rules.surge_min_count,
        min_ratio=rules.surge_min_ratio,
        rules=rules,
    )
    danger_tests, _ = (
        _test_cells(danger, periods, rules, rules.dangerous_min_count) if danger else ([], 0.0)
    )
    dangerous = _alarms(
        danger_tests,
        kind=HotspotKind.DANGEROUS,
        min_count=rules.dangerous_min_count,
        min_ratio=rules.dangerous_min_ratio,
        rules=rules,
    )
    hotspots = [
        *_without_echoes(dangerous, trees, rules.rollup_share),
        *_without_echoes(surging, trees, rules.rollup_share),
        *_concentrated(period, counts, periods, alpha, rules, trees),
        *_frequent(tests, trees, rules),
    ]
    hotspots.sort(key=lambda h: (KIND_ORDER[h.kind], -h.score, -h.count, h.cell))
    return Detection(period, hotspots, cells_tested=len(tests), alpha=alpha, trees=trees)
