"""Reads of proactive work: the list of orders with their sources, what a ticket page shows, and
the cockpit's counts."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from analysis.models import ProactiveLink
from analysis.proactive.services import PROACTIVE_READERS
from workorders.access import require_role, tickets_visible_to
from workorders.models import OPEN_STATUSES, Assignment, Channel, Ticket


def proactive_list(*, user, status: str = "") -> QuerySet[Ticket]:
    """Every proactive work order, newest first, with its lead unit and sources prefetched.
    ``status``: "open", "done" (resolved or closed) or "" for all."""
    require_role(user, *PROACTIVE_READERS)
    queryset = (
        Ticket.objects.filter(channel=Channel.PROACTIVE)
        .select_related("category", "region")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.filter(active=True).select_related("unit"),
            ),
            Prefetch(
                "proactive_sources",
                queryset=ProactiveLink.objects.select_related("source").order_by("source_id"),
            ),
        )
        .annotate(source_count=Count("proactive_sources"))
        .order_by("-registered_at", "-pk")
    )
    if status == "open":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif status == "done":
        queryset = queryset.exclude(status__in=OPEN_STATUSES)
    return queryset


@dataclass(frozen=True)
class LinkedTicket:
    id: int
    number: str
    title: str  # "" where the viewer may not see the ticket in full
    status: str
    status_label: str
    registered_at: datetime
    region: str
    category: str
    visible: bool


def _linked(tickets: list[Ticket], visible: set[int]) -> list[LinkedTicket]:
    return [
        LinkedTicket(
            id=t.pk,
            number=t.number,
            title=t.title if t.pk in visible else "",
            status=t.status,
            status_label=t.get_status_display(),
            registered_at=t.registered_at,
            region=t.region.name if t.region else "",
            category=t.category.name if t.category else "",
            visible=t.pk in visible,
        )
        for t in tickets
    ]


def sources_of(*, user, ticket: Ticket) -> list[LinkedTicket]:
    """The requests behind a proactive order, as ``user`` may see them: the lead unit of the
    order sees their numbers, place and category, not the citizens' texts."""
    tickets = list(
        Ticket.objects.filter(proactive_links__proactive=ticket)
        .select_related("category", "region")
        .order_by("registered_at", "pk")
    )
    visible = set(
        tickets_visible_to(user).filter(pk__in=[t.pk for t in tickets]).values_list("pk", flat=True)
    )
    return _linked(tickets, visible)


def orders_of(*, user, ticket: Ticket) -> list[LinkedTicket]:
    """The proactive orders a request belongs to."""
    tickets = list(
        Ticket.objects.filter(proactive_sources__source=ticket)
        .select_related("category", "region")
        .order_by("registered_at", "pk")
    )
    visible = set(
        tickets_visible_to(user).filter(pk__in=[t.pk for t in tickets]).values_list("pk", flat=True)
    )
    return _linked(tickets, visible)


def proactive_month_counts(*, start: datetime, end: datetime) -> dict:
    """The cockpit's figures: orders raised in [start, end), those of them resolved, and every
    order still open now."""
    proactive = Ticket.objects.filter(channel=Channel.PROACTIVE)
    raised = proactive.filter(registered_at__gte=start, registered_at__lt=end).aggregate(
        raised=Count("pk"),
        resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
    )
    return {
        "raised": raised["raised"],
        "resolved_in_period": proactive.filter(resolved_at__gte=start, resolved_at__lt=end).count(),
        "resolved_of_raised": raised["resolved"],
        "open": proactive.filter(status__in=OPEN_STATUSES).count(),
        "now": timezone.now(),
    }
