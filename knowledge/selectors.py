"""Reads of the knowledge base for the staff pages and the administrators' report."""

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from knowledge.models import Entry, Search
from knowledge.search import GOOD_SCORE
from workorders.access import role_of, unit_of
from workorders.models import Role


def entries_managed_by(user) -> QuerySet[Entry]:
    """The entries ``user`` keeps: all for administrators, their unit's for its staff."""
    role = role_of(user)
    if role == Role.ADMIN:
        return Entry.objects.all()
    if role == Role.UNIT_STAFF:
        return Entry.objects.filter(unit=unit_of(user))
    return Entry.objects.none()


def entries_needing_attention(*, user, today=None) -> QuerySet[Entry]:
    today = today or timezone.localdate()
    return entries_managed_by(user).needing_attention(today=today).order_by("review_on", "pk")


def most_used(limit: int = 20) -> QuerySet[Entry]:
    return (
        Entry.objects.annotate(used=Count("uses"))
        .filter(used__gt=0)
        .select_related("unit")
        .order_by("-used", "pk")[:limit]
    )


def unanswered_searches(limit: int = 50) -> QuerySet[Search]:
    """Searches where nobody opened or used a result, or nothing scored as a good answer."""
    return Search.objects.filter(Q(clicked__isnull=True) | Q(top_score__lt=GOOD_SCORE)).order_by(
        "-created_at"
    )[:limit]
