"""Clusters: recent tickets about the same problem at the same spot.

The tickets registered in the last ``cluster_window_days``, and those still open of the month
before (merged and not accepted ones left out), are split into buckets that can hold one spot — the same street (or the ticket's own region
above it) and the same top-level category — and, within a bucket, two tickets are linked when
their texts are alike (character n-gram cosine, dispatch.duplicates: the measure the duplicate
suggestions use) and their places are alike (the address left once the region's names are taken
out, or points within ``concentrated_point_meters``). A cluster is a connected group of at least
``cluster_min_size`` linked tickets. Buckets keep the pairs compared few: a week of a 2,000,000
tickets-a-year city is a few dozen tickets per bucket.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.db.models.functions import Substr

from analysis.hotspots.detection import Period, Trees, normalise_address
from analysis.models import HotspotSettings
from dispatch.duplicates import _cosine, place_similarity, prepare
from workorders.models import OPEN_STATUSES, Channel, Region, Status, Ticket

TEXT_COMPARED = 200  # characters: the first sentences say what the problem is
OPEN_LOOKBACK_DAYS = 30  # open tickets this much older than the window still join clusters


@dataclass
class Cluster:
    ticket_ids: list[int]
    numbers: list[str]
    region_id: int | None
    category_id: int | None
    summary: str
    title: str
    address: str
    first_at: object
    last_at: object


def _place_names(trees: Trees, region_id: int | None) -> list[str]:
    names = []
    for pk in trees.region_up.get(region_id, ()) if region_id else ():
        region = trees.regions[pk]
        names.append(region.name)
        names.extend(a.strip() for a in region.aliases.splitlines() if a.strip())
    return names


def _bucket_region(trees: Trees, region_id: int) -> int:
    """The street of a region (or the region itself when it is a street or above)."""
    for pk in trees.region_up.get(region_id, ()):
        if trees.regions[pk].level <= Region.Level.STREET:
            return pk
    return region_id


def _meters(a: tuple, b: tuple) -> float:
    lat = math.radians((a[0] + b[0]) / 2)
    dy = (a[0] - b[0]) * 111_320.0
    dx = (a[1] - b[1]) * 111_320.0 * math.cos(lat)
    return math.hypot(dx, dy)


def _common_region(trees: Trees, region_ids: list[int]) -> int | None:
    chains = [list(reversed(trees.region_up.get(pk, ()))) for pk in region_ids if pk]
    if not chains:
        return None
    common = None
    for level_nodes in zip(*chains, strict=False):
        if len(set(level_nodes)) != 1:
            break
        common = level_nodes[0]
    return common


def find_clusters(
    period: Period, rules: HotspotSettings | None = None, trees: Trees | None = None
) -> list[Cluster]:
    rules = rules or HotspotSettings.current()
    trees = trees or Trees.load()
    window = Period(period.end, rules.cluster_window_days)
    start, stop = window.bounds()
    # Recent (registered in the window) or still open (registered up to OPEN_LOOKBACK_DAYS
    # before it): a problem nobody has solved yet is still the same problem.
    lookback = start - timedelta(days=OPEN_LOOKBACK_DAYS)
    rows = (
        Ticket.objects.filter(registered_at__gte=lookback, registered_at__lt=stop)
        .filter(Q(registered_at__gte=start) | Q(status__in=OPEN_STATUSES))
        .exclude(status__in=[Status.MERGED, Status.INVALID])
        # A proactive work order answers a cluster; it is not one of its calls.
        .exclude(channel=Channel.PROACTIVE)
        .filter(region__isnull=False)
        .annotate(start=Substr("content", 1, TEXT_COMPARED))
        .order_by("registered_at", "id")
        .values_list(
            "id",
            "number",
            "title",
            "start",
            "address",
            "region_id",
            "category_id",
            "latitude",
            "longitude",
            "registered_at",
        )
    )
    buckets: dict[tuple, list] = defaultdict(list)
    for row in rows.iterator(chunk_size=5_000):
        pk, number, title, text, address, region_id, category_id, lat, lng, at = row
        top = trees.category_up.get(category_id, (None,))[-1] if category_id else None
        buckets[(_bucket_region(trees, region_id), top)].append(row)
    clusters = []
    for members in buckets.values():
        if len(members) < rules.cluster_min_size:
            continue
        clusters.extend(_cluster_bucket(members, rules, trees))
    clusters.sort(key=lambda c: (-len(c.ticket_ids), c.first_at))
    return clusters


def _cluster_bucket(members: list, rules: HotspotSettings, trees: Trees) -> list[Cluster]:
    prepared = []
    for _pk, _number, title, text, address, region_id, category_id, lat, lng, _at in members:
        request = prepare(
            title=title,
            content=text or "",
            address=address or "",
            place_names=_place_names(trees, region_id),
            region_id=region_id,
            category_id=category_id,
        )
        point = (float(lat), float(lng)) if lat is not None and lng is not None else None
        # The same building spelled alike is the same spot, even when nothing is left of the
        # address once the region's names and the numbers are taken out ("科源社区5号楼").
        request.building = normalise_address(address or "")
        prepared.append((request, point))
    parent = list(range(len(members)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(members)):
        a, a_point = prepared[i]
        for j in range(i + 1, len(members)):
            b, b_point = prepared[j]
            if a.category_id and b.category_id and a.category_id != b.category_id:
                continue
            near = a_point is not None and b_point is not None
            near = near and _meters(a_point, b_point) <= rules.concentrated_point_meters
            near = near or bool(a.building and a.building == b.building)
            if not near and place_similarity(a, b) < rules.cluster_min_place:
                continue
            if _cosine(a.text_grams, b.text_grams) < rules.cluster_min_text:
                continue
            parent[find(i)] = find(j)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(members)):
        groups[find(i)].append(i)
    found = []
    for indexes in groups.values():
        if len(indexes) < rules.cluster_min_size:
            continue
        rows = [members[i] for i in indexes]
        title = Counter(r[2] for r in rows).most_common(1)[0][0]
        address = Counter(r[4] for r in rows if r[4]).most_common(1)
        address = address[0][0] if address else ""
        categories = Counter(r[6] for r in rows if r[6]).most_common(1)
        summary = f"{title}（{address}，{len(rows)}件）" if address else f"{title}（{len(rows)}件）"
        found.append(
            Cluster(
                ticket_ids=[r[0] for r in rows],
                numbers=[r[1] for r in rows],
                region_id=_common_region(trees, [r[5] for r in rows]),
                category_id=categories[0][0] if categories else None,
                summary=summary,
                title=title,
                address=address,
                first_at=rows[0][9],
                last_at=rows[-1][9],
            )
        )
    return found
