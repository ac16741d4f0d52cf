"""Reads of 每月一题: the topics a person sees, the tickets of a topic and its weekly volume
before and since its month."""

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from analysis.models import MonthlyTopic
from analysis.topics.services import TOPIC_READERS
from workorders.access import require_role, unit_of
from workorders.models import Category, Channel, Region, Role, Status, Ticket

# Weeks shown before the topic's month (and at most this many since): a quarter of history.
DEFAULT_WEEKS = 8
MAX_WEEKS = 52


def topics_for_user(*, user) -> QuerySet[MonthlyTopic]:
    """Every topic, newest month first; a unit's staff only those their unit is involved in."""
    role = require_role(user, *TOPIC_READERS)
    queryset = MonthlyTopic.objects.select_related("lead_unit").prefetch_related("assist_units")
    if role == Role.UNIT_STAFF:
        unit = unit_of(user)
        queryset = queryset.filter(
            Q(lead_unit=unit) | Q(assist_units=unit) | Q(problems__owner_unit=unit)
        ).distinct()
    return queryset.order_by("-month", "-id")


def _subtree(model, roots: list[int]) -> list[int]:
    if not roots:
        return []
    children: dict[int | None, list[int]] = {}
    for pk, parent in model.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, stack = set(), list(roots)
    while stack:
        node = stack.pop()
        if node in found:
            continue
        found.add(node)
        stack.extend(children.get(node, []))
    return sorted(found)


def topic_filter(topic: MonthlyTopic) -> Q:
    """Which tickets are the topic's: the "what" (one of its categories or below, or a keyword in
    the title or content) and the "where" (one of its regions or below). A dimension the topic
    leaves empty does not restrict; categories and keywords widen each other, because a problem
    (电动自行车充电) is filed under several categories."""
    categories = _subtree(Category, list(topic.categories.values_list("pk", flat=True)))
    regions = _subtree(Region, list(topic.regions.values_list("pk", flat=True)))
    what = Q()
    if categories:
        what |= Q(category_id__in=categories)
    for word in topic.keyword_list:
        what |= Q(title__icontains=word) | Q(content__icontains=word)
    where = Q(region_id__in=regions) if regions else Q()
    return what & where


def topic_tickets(topic: MonthlyTopic) -> QuerySet[Ticket]:
    """The citizens' requests of the topic (invalid ones and proactive orders left out: they are
    not requests)."""
    return (
        Ticket.objects.filter(topic_filter(topic))
        .exclude(status=Status.INVALID)
        .exclude(channel=Channel.PROACTIVE)
    )


def month_start(month: date) -> datetime:
    return timezone.make_aware(datetime.combine(month, time.min))


def topic_volume(*, topic: MonthlyTopic, weeks: int = DEFAULT_WEEKS, now: datetime | None = None):
    """Weekly counts of the topic's requests: ``weeks`` weeks before the first day of its month,
    and the weeks since (the current one partial), with the averages and the target.

    Weeks start on the first day of the topic's month (not on Mondays) so the first week
    "since" starts with the topic. Averages: before = count / weeks; since = count / days
    elapsed × 7, so a partial week is neither dropped nor overweighted."""
    now = now or timezone.now()
    weeks = max(1, min(int(weeks), MAX_WEEKS))
    start = month_start(topic.month)
    first = start - timedelta(weeks=weeks)
    last = min(now, start + timedelta(weeks=MAX_WEEKS))
    tz = timezone.get_current_timezone()
    days = {}
    if last > first:
        rows = (
            topic_tickets(topic)
            .filter(registered_at__gte=first, registered_at__lt=last)
            .annotate(day=TruncDate("registered_at", tzinfo=tz))
            .values("day")
            .annotate(n=Count("*"))
            .order_by()
        )
        days = {row["day"]: row["n"] for row in rows}
    first_day = topic.month - timedelta(weeks=weeks)
    rows = []
    index = -weeks
    while True:
        week_start = first_day + timedelta(weeks=index + weeks)
        begins = month_start(week_start)
        if begins >= last:
            break
        ends = begins + timedelta(weeks=1)
        count = sum(days.get(week_start + timedelta(days=d), 0) for d in range(7))
        rows.append(
            {
                "start": week_start,
                "end": week_start + timedelta(days=6),
                "count": count,
                "phase": "before" if index < 0 else "since",
                "partial": ends > last,
            }
        )
        index += 1
    before = sum(r["count"] for r in rows if r["phase"] == "before")
    since = sum(r["count"] for r in rows if r["phase"] == "since")
    before_average = before / weeks
    elapsed_days = (last - start).total_seconds() / 86400 if last > start else 0
    since_average = since / elapsed_days * 7 if elapsed_days >= 1 else None
    change = None
    if since_average is not None and before_average:
        change = round((since_average - before_average) / before_average * 100, 1)
    target = topic.target_reduction
    target_average = before_average * (100 - target) / 100 if target is not None else None
    return {
        "topic": topic.pk,
        "weeks": rows,
        "weeks_before": weeks,
        "before_total": before,
        "since_total": since,
        "before_average": round(before_average, 2),
        "since_average": round(since_average, 2) if since_average is not None else None,
        "change_percent": change,
        "target_reduction": target,
        "target_average": round(target_average, 2) if target_average is not None else None,
        # Undecided without a "before" to reduce, or before any time has passed since.
        "target_met": (
            since_average <= target_average
            if target_average is not None and since_average is not None and before
            else None
        ),
    }


def topic_of_month(*, user, month: date) -> list[MonthlyTopic]:
    return list(topics_for_user(user=user).filter(month=month.replace(day=1)))
