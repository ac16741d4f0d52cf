"""Working-day calendar arithmetic: exact across nights, weekends, public holidays and the
make-up working days (调休) of Chinese public holidays.

The calendar is the table WorkCalendarDay (seeded from the chinese-calendar library by
``sync_calendar_from_library``, editable in admin). A year with no rows there falls back to
Monday–Friday and ``calendar_warning()`` tells administrators so.

Rules, in the local time zone (settings.TIME_ZONE):
- working hours count only inside settings.WORKING_HOURS (default 09:00–12:00 and 13:30–17:30)
  on working days; a start outside them begins at the next period;
- N working days: the start day does not count (开始当日不计入); due at the end of the last
  office period of the N-th working day after it.

Each process caches the calendar and re-reads it when the table's version (row count and latest
``updated_at``) changes, so an administrator's correction is seen by web and worker processes at
their next computation; one small aggregate query per computation is the price.
"""

import logging
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext

from workorders.models import WorkCalendarDay

logger = logging.getLogger(__name__)

# No deadline counts further than this; the bound turns a calendar with no working days at all
# (a typo marking a whole year as holidays) into an error instead of an endless loop.
MAX_DAYS_AHEAD = 3 * 366

# The library's English holiday names, as shown to administrators.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@dataclass(frozen=True)
class WorkCalendar:
    """A snapshot of the calendar: every stored day, plus the office periods of a working day."""

    days: dict[date, bool]
    periods: tuple[tuple[time, time], ...]
    tz: ZoneInfo
    version: tuple = field(default=(), compare=False)

    @property
    def years(self) -> set[int]:
        return {day.year for day in self.days}

    def is_workday(self, day: date) -> bool:
        stored = self.days.get(day)
        if stored is not None:
            return stored
        return day.weekday() < 5  # unknown year: weekends only (calendar_warning says so)

    def office_periods(self, day: date) -> list[tuple[datetime, datetime]]:
        if not self.is_workday(day):
            return []
        return [
            (datetime.combine(day, start, self.tz), datetime.combine(day, end, self.tz))
            for start, end in self.periods
        ]

    def local(self, moment: datetime) -> datetime:
        if timezone.is_naive(moment):
            raise ValueError("working-time arithmetic needs aware datetimes")
        return moment.astimezone(self.tz)

    def add_working_seconds(self, start: datetime, seconds: float) -> datetime:
        """The moment ``seconds`` of office time after ``start``."""
        moment = self.local(start)
        if seconds <= 0:
            return moment
        remaining = timedelta(seconds=seconds)
        day = moment.date()
        for _ in range(MAX_DAYS_AHEAD):
            for period_start, period_end in self.office_periods(day):
                begin = max(period_start, moment)
                if begin >= period_end:
                    continue
                available = period_end - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
            day += timedelta(days=1)
        raise ValueError(f"no working time within {MAX_DAYS_AHEAD} days of {start:%Y-%m-%d}")

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        """Office time between two moments (0 when end is not after start)."""
        start, end = self.local(start), self.local(end)
        total = timedelta()
        day = start.date()
        while day <= end.date():
            for period_start, period_end in self.office_periods(day):
                begin, finish = max(period_start, start), min(period_end, end)
                if finish > begin:
                    total += finish - begin
            day += timedelta(days=1)
        return total.total_seconds()

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Close of office on the ``days``-th working day after the start day."""
        if days < 1:
            raise ValueError("working days must be at least 1")
        day, counted = self.local(start).date(), 0
        for _ in range(MAX_DAYS_AHEAD):
            day += timedelta(days=1)
            if self.is_workday(day):
                counted += 1
                if counted == days:
                    return datetime.combine(day, self.periods[-1][1], self.tz)
        raise ValueError(f"no {days} working days within {MAX_DAYS_AHEAD} days of {start:%Y-%m-%d}")


# --- the per-process cache --------------------------------------------------------------------

_lock = threading.Lock()
_cached: WorkCalendar | None = None


def _periods() -> tuple[tuple[time, time], ...]:
    return tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in settings.WORKING_HOURS)


def _version() -> tuple:
    stats = WorkCalendarDay.objects.aggregate(rows=Count("pk"), latest=Max("updated_at"))
    return (stats["rows"], stats["latest"], _periods(), settings.TIME_ZONE)


def get_calendar() -> WorkCalendar:
    """The current calendar, re-read only when the table (or the office hours) changed."""
    global _cached
    version = _version()
    with _lock:
        if _cached is not None and _cached.version == version:
            return _cached
    days = dict(WorkCalendarDay.objects.values_list("date", "is_workday"))
    calendar = WorkCalendar(
        days=days, periods=_periods(), tz=ZoneInfo(settings.TIME_ZONE), version=version
    )
    with _lock:
        _cached = calendar
    return calendar


def invalidate_calendar() -> None:
    global _cached
    with _lock:
        _cached = None


# --- the public helpers -----------------------------------------------------------------------


def is_workday(day: date, *, calendar: WorkCalendar | None = None) -> bool:
    return (calendar or get_calendar()).is_workday(day)


def add_working_time(
    start: datetime,
    *,
    hours: float | None = None,
    days: int | None = None,
    calendar: WorkCalendar | None = None,
) -> datetime:
    """``start`` plus working hours (office time only) or working days (whole days)."""
    if (hours is None) == (days is None):
        raise TypeError("give exactly one of hours= or days=")
    calendar = calendar or get_calendar()
    if hours is not None:
        return calendar.add_working_seconds(start, float(hours) * 3600)
    return calendar.add_working_days(start, int(days))


def working_seconds_between(
    start: datetime, end: datetime, *, calendar: WorkCalendar | None = None
) -> float:
    return (calendar or get_calendar()).working_seconds_between(start, end)


def library_years() -> range:
    """The years the installed chinese-calendar release knows."""
    from chinese_calendar.constants import holidays

    return range(min(holidays).year, max(holidays).year + 1)


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    kept_manual: int = 0
    unknown_years: list[int] = field(default_factory=list)


def sync_calendar_from_library(years, *, dry_run: bool = False) -> SyncResult:
    """Write every day of ``years`` the library knows into WorkCalendarDay.

    Days an administrator corrected (source "manual") are kept as they are. Years the library
    does not know are reported in ``unknown_years`` and left alone (weekend fallback).
    """
    import chinese_calendar

    known = library_years()
    result = SyncResult()
    wanted: dict[date, tuple[bool, str]] = {}
    for year in sorted(set(years)):
        if year not in known:
            result.unknown_years.append(year)
            continue
        day = date(year, 1, 1)
        while day.year == year:
            workday = chinese_calendar.is_workday(day)
            _, holiday = chinese_calendar.get_holiday_detail(day)
            name = HOLIDAY_NAMES.get(holiday or "", holiday or "")
            if name and workday:
                name = f"{name}调休上班"
            wanted[day] = (workday, name)
            day += timedelta(days=1)
    existing = {row.date: row for row in WorkCalendarDay.objects.filter(date__in=list(wanted))}
    to_create, to_update = [], []
    for day, (workday, note) in wanted.items():
        row = existing.get(day)
        if row is None:
            to_create.append(
                WorkCalendarDay(
                    date=day,
                    is_workday=workday,
                    note=note,
                    source=WorkCalendarDay.Source.LIBRARY,
                )
            )
        elif row.source == WorkCalendarDay.Source.MANUAL:
            result.kept_manual += 1
        elif (row.is_workday, row.note) != (workday, note):
            row.is_workday, row.note = workday, note
            to_update.append(row)
    result.created, result.updated = len(to_create), len(to_update)
    if dry_run:
        return result
    now = timezone.now()
    with transaction.atomic():
        for row in to_create:
            row.updated_at = now
        WorkCalendarDay.objects.bulk_create(to_create, batch_size=500)
        for row in to_update:
            row.updated_at = now
        WorkCalendarDay.objects.bulk_update(
            to_update, ["is_workday", "note", "updated_at"], batch_size=500
        )
    invalidate_calendar()
    return result


def calendar_warning(*, today: date | None = None) -> str | None:
    """A message for administrators when this year or next has no calendar rows yet.

    Deadlines counted in working days then assume Monday–Friday, which is wrong around public
    holidays; the State Council publishes next year's schedule each autumn.
    """
    today = today or timezone.localdate()
    known = set(
        WorkCalendarDay.objects.filter(
            date__gte=date(today.year, 1, 1), date__lte=date(today.year + 1, 12, 31)
        )
        .values_list("date__year", flat=True)
        .distinct()
    )
    missing = [year for year in (today.year, today.year + 1) if year not in known]
    if not missing:
        return None
    years = "、".join(str(year) for year in missing)
    return gettext(
        "工作日历缺少 %(years)s 年的节假日安排，工作日时限暂按周一至周五计算；请运行 manage.py sync_calendar 或在“工作日历”中手工维护"
    ) % {"years": years, "missing": ", ".join(map(str, missing))}
