"""Tickets registered per local day, per channel, category and street: the cockpit's counts.

Past days come from the DailyVolume rollup (computed on first use, refreshed nightly for the
last COCKPIT_ROLLUP_REFRESH_DAYS days, when late reclassifications still change them); today is
always counted live from the tickets (the ``ticket_registered_at`` index), so the cockpit is
current to the second. Measured by ``python -m bench.cockpit``: a year at 2,000,000 tickets is
about 180,000 rollup rows instead of 2,000,000 tickets per page view.
"""

from collections import Counter
from contextlib import suppress
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from analysis.models import DailyVolume, RolledUpDay
from workorders.models import Region, Ticket

Dim = DailyVolume.Dimension
# Days counted by one query when filling the rollup: about 170,000 tickets at 2 M a year, few
# enough groups (day × channel × category × region) to fold in Python.
CHUNK_DAYS = 31
# The rollup's sums of a range are kept this long in the cache; a recomputed day changes the
# key, so this only bounds how long unused entries stay.
ROLLUP_CACHE_SECONDS = 3600


def local_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


_street_cache: dict = {"stamp": None, "map": {}}


def street_of() -> dict[int, int]:
    """Region id → the street (or district, or city) it lies in: the rollup's region key.

    Communities are folded into their street: the map draws districts and streets, and a big
    city's 7,000 communities would multiply the rollup's rows. Cached per process until the
    regions change (count and largest id: one cheap query).
    """
    stamp = tuple(Region.objects.aggregate(n=Count("pk"), top=Sum("pk")).values())
    if _street_cache["stamp"] == stamp:
        return _street_cache["map"]
    rows = {
        pk: (level, parent)
        for pk, level, parent in Region.objects.values_list("pk", "level", "parent_id")
    }
    mapping = {}
    for pk in rows:
        node = pk
        while rows[node][0] > Region.Level.STREET and rows[node][1] is not None:
            node = rows[node][1]
        mapping[pk] = node
    _street_cache.update(stamp=stamp, map=mapping)
    return mapping


def _fold(rows, streets: dict[int, int]) -> dict[date, Counter]:
    by_day: dict[date, Counter] = {}
    for row in rows:
        counter = by_day.setdefault(row["day"], Counter())
        n = row["n"]
        counter[(Dim.TOTAL, "")] += n
        counter[(Dim.CHANNEL, row["channel"])] += n
        counter[(Dim.CATEGORY, str(row["category_id"] or ""))] += n
        region = row["region_id"]
        counter[(Dim.REGION, str(streets.get(region, region)) if region else "")] += n
    return by_day


def count_tickets(start: date, end: date, *, until: datetime | None = None) -> dict[date, Counter]:
    """Counts of tickets registered on the local days start..end (inclusive), read from the
    tickets themselves: {day: Counter({(dimension, key): n})}."""
    upper = local_start(end + timedelta(days=1))
    if until is not None:
        upper = min(upper, until)
    rows = (
        Ticket.objects.filter(registered_at__gte=local_start(start), registered_at__lt=upper)
        .annotate(day=TruncDate("registered_at"))
        .order_by()
        .values("day", "channel", "category_id", "region_id")
        .annotate(n=Count("pk"))
    )
    return _fold(rows, street_of())


def rollup_days(start: date, end: date, *, now: datetime | None = None) -> int:
    """(Re)computes the rollup of the past days start..end; today and later are left out.
    Returns the number of days written."""
    today = timezone.localdate(now)
    end = min(end, today - timedelta(days=1))
    written = 0
    day = start
    while day <= end:
        chunk_end = min(end, day + timedelta(days=CHUNK_DAYS - 1))
        counts = count_tickets(day, chunk_end)
        with transaction.atomic():
            versions = dict(
                RolledUpDay.objects.filter(day__gte=day, day__lte=chunk_end).values_list(
                    "day", "version"
                )
            )
            DailyVolume.objects.filter(day__gte=day, day__lte=chunk_end).delete()
            RolledUpDay.objects.filter(day__gte=day, day__lte=chunk_end).delete()
            rows, marks = [], []
            current = day
            while current <= chunk_end:
                counter = counts.get(current, Counter())
                rows.extend(
                    DailyVolume(day=current, dimension=dim, key=key, count=n)
                    for (dim, key), n in counter.items()
                )
                marks.append(
                    RolledUpDay(
                        day=current,
                        computed_at=now or timezone.now(),
                        total=counter[(Dim.TOTAL, "")],
                        version=versions.get(current, 0) + 1,
                    )
                )
                current += timedelta(days=1)
            DailyVolume.objects.bulk_create(rows, batch_size=2000)
            RolledUpDay.objects.bulk_create(marks)
        written += (chunk_end - day).days + 1
        day = chunk_end + timedelta(days=1)
    return written


def ensure_rolled_up(start: date, end: date, *, now: datetime | None = None) -> str:
    """Rolls up the past days of start..end that are not yet (first use, or a new day).
    Returns a stamp of those days' rollup, which changes whenever one is recomputed."""
    today = timezone.localdate(now)
    end = min(end, today - timedelta(days=1))
    if start > end:
        return "none"
    marks = dict(
        RolledUpDay.objects.filter(day__gte=start, day__lte=end).values_list("day", "version")
    )
    done = set(marks)
    missing = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    missing = [day for day in missing if day not in done]
    # Contiguous runs, each rolled up by as few queries as CHUNK_DAYS allows.
    runs: list[list[date]] = []
    for day in missing:
        if runs and runs[-1][-1] + timedelta(days=1) == day:
            runs[-1].append(day)
        else:
            runs.append([day])
    for run in runs:
        # Another request rolling up the same days at the same moment wins: its rows stand.
        with suppress(IntegrityError):
            rollup_days(run[0], run[-1], now=now)
    if runs:
        marks = dict(
            RolledUpDay.objects.filter(day__gte=start, day__lte=end).values_list("day", "version")
        )
    return f"{len(marks)}-{sum(marks.values())}"


def _cached(key: str, compute):
    """The rollup's sums for a range: cached (the stamp in the key changes with the rollup), so
    a warm page reads them without touching the rollup table."""
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, ROLLUP_CACHE_SECONDS)
    return value


def refresh_recent(*, days: int | None = None, now: datetime | None = None) -> int:
    """The nightly refresh: recomputes the last ``days`` past days (categories and regions set
    or corrected after registration change their counts)."""
    days = days if days is not None else settings.COCKPIT_ROLLUP_REFRESH_DAYS
    today = timezone.localdate(now)
    return rollup_days(today - timedelta(days=days), today - timedelta(days=1), now=now)


class Volumes:
    """The counts of one cockpit request: rollup for past days, live for today (counted once)."""

    def __init__(self, *, now: datetime | None = None):
        self.now = now or timezone.now()
        self.today = timezone.localdate(self.now)
        self._live: Counter | None = None

    def live_today(self) -> Counter:
        if self._live is None:
            self._live = count_tickets(self.today, self.today, until=self.now).get(
                self.today, Counter()
            )
        return self._live

    def daily_totals(self, start: date, end: date) -> dict[date, int]:
        stamp = ensure_rolled_up(start, end, now=self.now)
        totals = dict(
            _cached(
                f"analysis:totals:{start}:{end}:{self.today}:{stamp}",
                lambda: list(
                    DailyVolume.objects.filter(
                        dimension=Dim.TOTAL, day__gte=start, day__lte=min(end, self.today)
                    ).values_list("day", "count")
                ),
            )
        )
        if start <= self.today <= end:
            totals[self.today] = self.live_today()[(Dim.TOTAL, "")]
        return totals

    def breakdown(self, start: date, end: date) -> dict[str, Counter]:
        """{dimension: Counter({key: n})} over start..end."""
        ensure_rolled_up(start, end, now=self.now)
        result: dict[str, Counter] = {dim: Counter() for dim in Dim.values}
        rows = (
            DailyVolume.objects.filter(
                day__gte=start, day__lte=min(end, self.today - timedelta(days=1))
            )
            .values_list("dimension", "key")
            .annotate(n=Sum("count"))
            .order_by()
        )
        for dim, key, n in rows:
            result[dim][key] += n
        if start <= self.today <= end:
            for (dim, key), n in self.live_today().items():
                result[dim][key] += n
        return result
