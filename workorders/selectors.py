"""Reads on the Ticket aggregate: lists, queues and timelines, always through the access funnel."""

import django_filters
from django.db.models import Prefetch, Q, QuerySet

from hotline.lib.errors import InvalidInput
from workorders.access import require_role, require_unit, tickets_visible_to
from workorders.models import (
    Assignment,
    Category,
    Channel,
    ExtensionRequest,
    Region,
    RequestStatus,
    RequestType,
    ReturnRequest,
    Role,
    Status,
    Ticket,
    TicketEvent,
    Unit,
    Urgency,
)


class TicketFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Status.choices)
    urgency = django_filters.ChoiceFilter(choices=Urgency.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    request_type = django_filters.ChoiceFilter(choices=RequestType.choices)
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), method="filter_category"
    )
    region = django_filters.ModelChoiceFilter(queryset=Region.objects.all(), method="filter_region")
    unit = django_filters.ModelChoiceFilter(queryset=Unit.objects.all(), method="filter_unit")
    registered_after = django_filters.DateFilter(
        field_name="registered_at", lookup_expr="date__gte"
    )
    registered_before = django_filters.DateFilter(
        field_name="registered_at", lookup_expr="date__lte"
    )
    q = django_filters.CharFilter(method="filter_text")

    class Meta:
        model = Ticket
        fields = []

    def filter_category(self, queryset, name, value):
        # A category includes its sub-categories (up to three levels deep).
        return queryset.filter(
            Q(category=value) | Q(category__parent=value) | Q(category__parent__parent=value)
        )

    def filter_region(self, queryset, name, value):
        return queryset.filter(
            Q(region=value) | Q(region__parent=value) | Q(region__parent__parent=value)
        )

    def filter_unit(self, queryset, name, value):
        return queryset.filter(assignments__unit=value, assignments__active=True)

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(number__startswith=value)
            | Q(title__icontains=value)
            | Q(content__icontains=value)
            | Q(address__icontains=value)
        )


def _filtered(queryset: QuerySet, filters) -> QuerySet:
    filterset = TicketFilter(filters or {}, queryset=queryset)
    if not filterset.is_valid():
        fields = {key: [str(m) for m in messages] for key, messages in filterset.errors.items()}
        raise InvalidInput("筛选条件有误 (invalid filter)", fields=fields)
    return filterset.qs


def _for_lists(queryset: QuerySet) -> QuerySet:
    active = Assignment.objects.filter(active=True).select_related("unit")
    return queryset.select_related("category", "region").prefetch_related(
        Prefetch("assignments", queryset=active)
    )


def ticket_list(*, user, filters=None, order: str = "-registered_at") -> QuerySet[Ticket]:
    """Every ticket this user may see, filtered."""
    return _for_lists(_filtered(tickets_visible_to(user), filters)).order_by(order, "-pk")


def triage_queue(*, user, filters=None) -> QuerySet[Ticket]:
    """Tickets waiting for a dispatcher: unsure classifications and approved returns."""
    require_role(user, Role.DISPATCHER)
    queryset = Ticket.objects.filter(status=Status.TRIAGE)
    return _for_lists(_filtered(queryset, filters)).order_by("registered_at", "pk")


def pending_returns(*, user) -> QuerySet[ReturnRequest]:
    require_role(user, Role.DISPATCHER)
    return (
        ReturnRequest.objects.filter(status=RequestStatus.PENDING)
        .select_related("ticket", "unit", "requested_by")
        .order_by("requested_at")
    )


def pending_extensions(*, user) -> QuerySet[ExtensionRequest]:
    require_role(user, Role.DISPATCHER)
    return (
        ExtensionRequest.objects.filter(status=RequestStatus.PENDING)
        .select_related("ticket", "unit", "requested_by")
        .order_by("requested_at")
    )


WORKBENCH_TABS = {
    "new": "待签收 (new)",
    "in_progress": "办理中 (in progress)",
    "returned": "退单 (returned)",
    "all": "全部 (all)",
}


def unit_workbench(*, user, tab: str = "new", filters=None) -> QuerySet[Ticket]:
    """The unit's own tickets, by tab. Tickets of units below it are in "all" only."""
    unit = require_unit(user)
    # One filter() call: conditions on the same assignment row (this unit's), not on any row.
    if tab == "new":
        queryset = Ticket.objects.filter(
            assignments__unit=unit,
            assignments__active=True,
            assignments__accepted_at__isnull=True,
            # An assisting unit that never accepted must not keep a finished ticket as "new".
            status__in=[Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS],
        )
    elif tab == "in_progress":
        queryset = Ticket.objects.filter(
            assignments__unit=unit,
            assignments__active=True,
            assignments__accepted_at__isnull=False,
            status__in=[Status.ACCEPTED, Status.IN_PROGRESS],
        )
    elif tab == "returned":
        queryset = Ticket.objects.filter(return_requests__unit=unit)
    elif tab == "all":
        queryset = tickets_visible_to(user)
    else:
        raise InvalidInput("未知的分页 (unknown tab)", fields={"tab": [tab]})
    return _for_lists(_filtered(queryset.distinct(), filters)).order_by("-registered_at", "-pk")


def followup_queue(*, user, filters=None) -> QuerySet[Ticket]:
    """Resolved tickets waiting for a call, and those whose follow-up is under way."""
    require_role(user, Role.FOLLOWUP_AGENT, Role.DISPATCHER)
    queryset = Ticket.objects.filter(status__in=[Status.RESOLVED, Status.FOLLOW_UP])
    return _for_lists(_filtered(queryset, filters)).order_by("resolved_at", "pk")


def ticket_timeline(*, ticket: Ticket, public_only: bool) -> QuerySet[TicketEvent]:
    events = ticket.events.select_related("actor", "unit")
    return events.filter(public=True) if public_only else events


def public_timeline(*, ticket: Ticket) -> list[dict]:
    """What the citizen sees: public events without names of staff, units by name only."""
    return [
        {
            "kind": event.kind,
            "label": event.get_kind_display(),
            "at": event.created_at,
            "unit": event.unit.name if event.unit else "",
            "text": event.reason if event.kind in PUBLIC_TEXT_KINDS else "",
        }
        for event in ticket.events.filter(public=True).select_related("unit")
    ]


# Only these events carry text written for the citizen; other reasons are internal.
PUBLIC_TEXT_KINDS = {"resolved", "answered", "supplemented", "contacted", "progress", "merged"}
