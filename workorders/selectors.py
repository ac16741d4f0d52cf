"""Reads on the Ticket aggregate: lists and queues through the access funnel, and one ticket as a
given person may see it (``ticket_view``)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import django_filters
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hotline.lib.errors import InvalidInput
from workorders.access import (
    CENTER_ROLES,
    citizen_view,
    require_role,
    require_unit,
    role_of,
    tickets_ended_for,
    tickets_visible_to,
)
from workorders.lights import annotate_lights, filter_light, parse_light
from workorders.models import (
    OPEN_STATUSES,
    RESOLVE_RUNNING,
    Assignment,
    Attachment,
    Category,
    Channel,
    EventKind,
    ExtensionRequest,
    FieldVisit,
    Light,
    PauseStatus,
    Region,
    RequestStatus,
    RequestType,
    ReturnRequest,
    Role,
    Status,
    Supervision,
    Ticket,
    TicketEvent,
    TicketPause,
    Unit,
    Urgency,
)
from workorders.models.tickets import red_at_expression
from workorders.templatetags.hotline_ui import natural_duration

# ?ordering= of the lists; without it each list keeps its own order (oldest first in queues).
ORDERINGS = {"light": _("最紧急优先"), "priority": _("按优先级")}


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
    lead_unit = django_filters.ModelChoiceFilter(
        queryset=Unit.objects.all(), method="filter_lead_unit"
    )
    registered_after = django_filters.DateFilter(
        field_name="registered_at", lookup_expr="date__gte"
    )
    registered_before = django_filters.DateFilter(
        field_name="registered_at", lookup_expr="date__lte"
    )
    q = django_filters.CharFilter(method="filter_text")
    # red / yellow / green (workorders.lights.parse_light says what else it accepts, and rejects
    # the rest with a message of its own).
    light = django_filters.CharFilter(method="filter_light")
    # Validated here, applied by the selectors once every filter is in (_ordered).
    ordering = django_filters.ChoiceFilter(
        choices=list(ORDERINGS.items()),
        method="keep",
        error_messages={"invalid_choice": _("未知的排序方式")},
    )

    class Meta:
        model = Ticket
        fields = []

    def __init__(self, *args, now: datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # One clock reading for the light filter and the lights shown on the same page.
        self.now = now or timezone.now()

    def filter_light(self, queryset, name, value):
        return filter_light(queryset, parse_light(value), now=self.now)

    def keep(self, queryset, name, value):
        return queryset

    def filter_lead_unit(self, queryset, name, value):
        return queryset.filter(
            assignments__unit=value,
            assignments__active=True,
            assignments__role=Assignment.Role.LEAD,
        )

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


def _filtered(queryset: QuerySet, filters, *, now: datetime) -> QuerySet:
    filterset = TicketFilter(filters or {}, queryset=queryset, now=now)
    if not filterset.is_valid():
        fields = {key: [str(m) for m in messages] for key, messages in filterset.errors.items()}
        raise InvalidInput(gettext("筛选条件有误"), fields=fields)
    return filterset.qs


def _for_lists(queryset: QuerySet, *, now: datetime) -> QuerySet:
    """What a list row shows, in the list's own query: lights (computed in SQL, so the page
    costs the same for 2 or 2,000 tickets), category, region and the active assignments."""
    active = Assignment.objects.filter(active=True).select_related("unit")
    return (
        annotate_lights(queryset, now=now)
        .select_related("category", "region")
        .prefetch_related(Prefetch("assignments", queryset=active))
    )


# The default order of the unit workbenches and the triage queue (_ordered(…, PRIORITY)).
PRIORITY = "priority"


def prioritized(queryset: QuerySet) -> QuerySet:
    """By priority, in SQL so pagination stays right: emergencies first, then red, then yellow,
    then the oldest. Needs the light annotations (_for_lists); adds what ``priority_reason``
    reads (the running due time)."""
    return queryset.annotate(
        priority_emergency=Case(
            When(urgency=Urgency.EMERGENCY, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
        priority_light=Case(
            When(light=Light.RED, then=Value(2)),
            When(light=Light.YELLOW, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
        running_due_at=red_at_expression(),
    ).order_by("-priority_emergency", "-priority_light", "registered_at", "pk")


def priority_reason(ticket: Ticket, *, now: datetime | None = None) -> str:
    """Why a list row is where it is: "紧急", "已超期 3 小时", "黄灯", "等待 2 天". Reads the
    annotations of the list selectors (lights, running_due_at); "" without them."""
    light = getattr(ticket, "light", None)
    if light is None:
        return ""
    now = now or timezone.now()
    if ticket.urgency == Urgency.EMERGENCY:
        return gettext("紧急")
    if light == Light.RED:
        due = getattr(ticket, "running_due_at", None)
        if due is not None:
            stopped = ticket.paused_at or now
            return gettext("已超期 %(length)s") % {"length": natural_duration(stopped - due)}
        return gettext("已超期")
    if light == Light.YELLOW:
        return gettext("黄灯")
    return gettext("等待 %(length)s") % {"length": natural_duration(now - ticket.registered_at)}


def _ordered(queryset: QuerySet, filters, *default: str) -> QuerySet:
    """?ordering=light: red first, then yellow, then green, then unlit; within each the
    earliest running due time first, so among red tickets the one overdue longest leads.
    ``default`` PRIORITY: the priority order (``prioritized``); else field names."""
    filters = filters or {}
    if filters.get("ordering") == PRIORITY or (
        filters.get("ordering") != "light" and default == (PRIORITY,)
    ):
        return prioritized(queryset)
    if filters.get("ordering") != "light":
        return queryset.order_by(*default)
    queryset = queryset.annotate(running_due_at=red_at_expression())
    by_due = (F("running_due_at").asc(nulls_last=True), "pk")
    if filters.get("light"):
        # One light only: the due time alone orders it, which for red is the expression index
        # ticket_red_at (red_at, id) itself.
        return queryset.order_by(*by_due)
    return queryset.order_by(F("light").desc(), *by_due)


# --- lights, supervision and pauses ---------------------------------------------------------


def _with_lead_unit(queryset: QuerySet) -> QuerySet:
    """What a list row shows: category, region and the active assignments (lead unit)."""
    active = Assignment.objects.filter(active=True).select_related("unit")
    return queryset.select_related("category", "region").prefetch_related(
        Prefetch("assignments", queryset=active)
    )


def supervision_queue(*, user, light: int = Light.RED, now: datetime | None = None) -> QuerySet:
    """The dispatchers' 督办 list: red tickets, most overdue first, with lights."""
    require_role(user, Role.DISPATCHER, Role.LEADER)
    now = now or timezone.now()
    # Units' tickets only: a late triage ticket is the dispatchers' own (the triage queue).
    queryset = filter_light(Ticket.objects.filter(status__in=RESOLVE_RUNNING), light, now=now)
    queryset = annotate_lights(queryset, now=now)
    if light == Light.RED:
        queryset = queryset.order_by("red_at", "id")
    else:
        queryset = queryset.order_by(F("resolve_due_at").asc(nulls_last=True), "id")
    return _with_lead_unit(queryset)


def red_counts_by_unit(*, user, now: datetime | None = None) -> list[dict]:
    """Red tickets per lead unit, most first: the leader's and dispatcher's overview."""
    require_role(user, Role.DISPATCHER, Role.LEADER)
    red = filter_light(Ticket.objects.all(), Light.RED, now=now).values("pk")
    return list(
        Assignment.objects.filter(active=True, role=Assignment.Role.LEAD, ticket__in=red)
        .values("unit_id", "unit__name")
        .annotate(red=Count("ticket_id"))
        .order_by("-red", "unit__name")
    )


def unit_light_counts(*, user, now: datetime | None = None) -> dict:
    """For the unit workbench: the unit's own red and yellow tickets and open 督办 notices."""
    unit = require_unit(user)
    now = now or timezone.now()
    mine = Ticket.objects.filter(
        pk__in=Assignment.objects.filter(unit=unit, active=True).values("ticket_id")
    )
    counts = annotate_lights(mine, now=now).aggregate(
        red=Count("pk", filter=Q(light=Light.RED)),
        yellow=Count("pk", filter=Q(light=Light.YELLOW)),
    )
    counts["supervisions"] = open_supervisions(user=user).count()
    return counts


def district_street_figures(*, user, now: datetime | None = None) -> list[dict]:
    """For a district government's workbench: each of its streets/towns this calendar month —
    requests dispatched to it (as lead), its open tickets, those red now, and the district's
    presses. Empty for any other unit. The evaluation month (with its cut-off day) and the rates
    are the evaluation pages' business; this is the district's live view."""
    unit = require_unit(user)
    if unit.kind != Unit.Kind.DISTRICT:
        return []
    now = now or timezone.now()
    local = timezone.localtime(now)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    streets = list(Unit.objects.filter(parent=unit, is_active=True).order_by("name"))
    if not streets:
        return []
    leads = Assignment.objects.filter(
        unit__in=streets, active=True, role=Assignment.Role.LEAD
    ).values("unit_id")
    requests = dict(
        leads.filter(ticket__registered_at__gte=month_start)
        .annotate(n=Count("ticket_id"))
        .values_list("unit_id", "n")
    )
    open_counts = dict(
        leads.filter(ticket__status__in=OPEN_STATUSES)
        .annotate(n=Count("ticket_id"))
        .values_list("unit_id", "n")
    )
    red_tickets = filter_light(Ticket.objects.all(), Light.RED, now=now).values("pk")
    red = dict(
        leads.filter(ticket__in=red_tickets)
        .annotate(n=Count("ticket_id"))
        .values_list("unit_id", "n")
    )
    presses = dict(
        TicketEvent.objects.filter(
            kind=EventKind.PRESSED, unit__in=streets, created_at__gte=month_start
        )
        .values("unit_id")
        .annotate(n=Count("pk"))
        .values_list("unit_id", "n")
    )
    return [
        {
            "unit": street,
            "requests": requests.get(street.pk, 0),
            "open": open_counts.get(street.pk, 0),
            "red": red.get(street.pk, 0),
            "presses": presses.get(street.pk, 0),
        }
        for street in streets
    ]


def pending_pauses(*, user) -> QuerySet[TicketPause]:
    """Pause requests waiting for a dispatcher, oldest first."""
    require_role(user, Role.DISPATCHER)
    return (
        TicketPause.objects.filter(status=PauseStatus.PENDING)
        .select_related("ticket", "unit", "requested_by")
        .order_by("requested_at")
    )


def open_supervisions(*, user) -> QuerySet[Supervision]:
    """督办 notices the user's unit has not answered yet, oldest first (unit workbench)."""
    unit = require_unit(user)
    # Only on tickets the unit still handles: after a re-dispatch it may no longer answer them.
    handled = Assignment.objects.filter(unit=unit, active=True).values("ticket_id")
    return (
        Supervision.objects.filter(unit=unit, acknowledged_at__isnull=True, ticket__in=handled)
        .select_related("ticket", "created_by")
        .order_by("created_at")
    )


def ticket_supervisions(*, ticket: Ticket) -> QuerySet[Supervision]:
    """A ticket's 督办 notices and answers, for its detail page (after the access funnel)."""
    return ticket.supervisions.select_related(
        "unit", "by_unit", "created_by", "acknowledged_by"
    ).order_by("created_at")


# --- lists -------------------------------------------------------------------------------------


def ticket_list(
    *, user, filters=None, order: str = "-registered_at", now: datetime | None = None
) -> QuerySet[Ticket]:
    """Every ticket this user may see, filtered, with lights."""
    now = now or timezone.now()
    queryset = _for_lists(_filtered(tickets_visible_to(user), filters, now=now), now=now)
    return _ordered(queryset, filters, order, "-pk")


def triage_queue(*, user, filters=None, now: datetime | None = None) -> QuerySet[Ticket]:
    """Tickets waiting for a dispatcher: unsure classifications and approved returns."""
    require_role(user, Role.DISPATCHER)
    now = now or timezone.now()
    queryset = Ticket.objects.filter(status=Status.TRIAGE)
    return _ordered(_for_lists(_filtered(queryset, filters, now=now), now=now), filters, PRIORITY)


def supervision_list(*, user, filters=None, now: datetime | None = None) -> QuerySet[Ticket]:
    """The 督办 page: red tickets (or yellow ones, ?light=yellow, to press before they are
    late), most overdue first, with the list filters and each ticket's 督办 so far."""
    require_role(user, Role.DISPATCHER, Role.LEADER)  # before judging the filters
    now = now or timezone.now()
    data = filters.copy() if filters else {}
    asked = data.pop("light", None)
    if isinstance(asked, list):  # a QueryDict's pop() gives every value
        asked = asked[-1] if asked else None
    light = parse_light(asked or "red")
    if light == Light.GREEN:
        message = gettext("督办列表只有红灯和黄灯")
        raise InvalidInput(message, fields={"light": [message]})
    data.pop("ordering", None)  # always most overdue first
    queryset = _filtered(supervision_queue(user=user, light=light, now=now), data, now=now)
    open_notices = (
        Supervision.objects.filter(ticket=OuterRef("pk"), acknowledged_at__isnull=True)
        .order_by()
        .values("ticket")
        .annotate(n=Count("pk"))
        .values("n")
    )
    last = Supervision.objects.filter(ticket=OuterRef("pk")).order_by("-created_at", "-pk")
    return queryset.annotate(
        # When it turned red (or, yellow, when it will): the earliest running due time.
        running_due_at=red_at_expression(),
        open_supervisions=Coalesce(Subquery(open_notices), 0),
        last_supervised_at=Subquery(last.values("created_at")[:1]),
    )


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
    "new": _("待签收"),
    "in_progress": _("办理中"),
    "returned": _("退单"),
    "all": _("全部"),
    # Re-dispatched away or returned: stubs (access.TicketStub), nothing the next unit wrote.
    "ended": _("已改派/退回"),
}


def unit_workbench(
    *, user, tab: str = "new", filters=None, now: datetime | None = None
) -> QuerySet[Ticket]:
    """The unit's own tickets, by tab, with lights. Tickets of units below it are in "all"
    only."""
    unit = require_unit(user)
    now = now or timezone.now()
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
        # Pending or rejected returns; an approved one ended the unit's part ("ended").
        queryset = tickets_visible_to(user).filter(return_requests__unit=unit)
    elif tab == "all":
        queryset = tickets_visible_to(user)
    elif tab == "ended":
        # Stub rows only (access.ticket_stub): no filters, no lights, latest first.
        return tickets_ended_for(user).order_by("-part_ended_at", "-pk")
    else:
        raise InvalidInput(gettext("未知的分页"), fields={"tab": [tab]})
    queryset = _for_lists(_filtered(queryset.distinct(), filters, now=now), now=now)
    return _ordered(queryset, filters, PRIORITY)


def follow_up_queue(*, user, filters=None, now: datetime | None = None) -> QuerySet[Ticket]:
    """Resolved tickets waiting for a call, and those whose follow-up is under way."""
    require_role(user, Role.FOLLOW_UP_AGENT, Role.DISPATCHER)
    now = now or timezone.now()
    queryset = Ticket.objects.filter(status__in=[Status.RESOLVED, Status.FOLLOW_UP])
    return _ordered(
        _for_lists(_filtered(queryset, filters, now=now), now=now), filters, "resolved_at", "pk"
    )


# --- one ticket as a given person may see it -----------------------------------------------------

# The citizen as the actor of an event: their account name would undo masking and confidentiality.
CITIZEN_ACTOR = _("市民")
# Events a citizen raises without an account: the web form, a supplement by the query code, an
# answer to the follow-up SMS.
CITIZEN_KINDS = {EventKind.REGISTERED, EventKind.SUPPLEMENTED, EventKind.FOLLOW_UP_ANSWERED}
# Only these events carry text written for the citizen; other reasons are internal.
# Kinds the citizen sees under their own words: a field visit is only summarised (no findings,
# names or photos).
PUBLIC_LABELS = {EventKind.FIELD_VISIT: _("承办单位已上门走访")}
PUBLIC_TEXT_KINDS = {
    "resolved",
    "answered",
    "supplemented",
    "contacted",
    "progress",
    "merged",
    "proactive_linked",
    "proactive_resolved",
}


@dataclass(frozen=True)
class StaffEvent:
    """One timeline event as the hotline's and the units' staff see it."""

    id: int
    kind: str
    label: str
    at: datetime
    from_status: str
    from_label: str
    to_status: str
    to_label: str
    # The member of staff by name, the citizen by role, "" for the system or an anonymous citizen.
    actor: str
    by_citizen: bool
    unit: str
    reason: str
    data: dict
    public: bool


@dataclass(frozen=True)
class PublicEvent:
    """One event as the citizen sees it: no staff names, units by name, text meant for them."""

    kind: str
    label: str
    at: datetime
    unit: str
    text: str


@dataclass(frozen=True)
class TicketView:
    """What one person may see of a ticket's citizen, timeline and photos; pages and API show it."""

    ticket: Ticket
    # access.citizen_view: {"level": "full" | "masked" | "hidden", "name", "phone"}
    citizen: dict
    # True for the citizen (and whoever holds the query code): the public timeline only.
    public: bool
    timeline: list[StaffEvent] | list[PublicEvent]
    attachments: list[Attachment]  # the citizen's photos (field-visit photos are in visits)
    show_query_code: bool
    visits: list[FieldVisit] = field(default_factory=list)  # staff only; with their photos


def ticket_raised_by(*, ticket: Ticket) -> dict:
    """How many people raised this problem: the ticket's own caller and those of the tickets
    merged into it, one per phone number (an anonymous caller counts once each)."""
    duplicates = list(ticket.duplicates.order_by("registered_at").values("number", "citizen_phone"))
    phones = {ticket.citizen_phone} if ticket.citizen_phone else set()
    anonymous = 0 if ticket.citizen_phone else 1
    for duplicate in duplicates:
        if duplicate["citizen_phone"]:
            phones.add(duplicate["citizen_phone"])
        else:
            anonymous += 1
    return {
        "people": len(phones) + anonymous,
        "merged": [duplicate["number"] for duplicate in duplicates],
    }


def ticket_view(*, user, ticket: Ticket) -> TicketView:
    """``ticket`` as ``user`` may see it; ``user=None`` is whoever holds the number and query code.

    It does not check access: the ticket comes from ``access.ticket_get_for_user`` or
    ``services.ticket_get_public``."""
    role = role_of(user)
    public = role is None or role == Role.CITIZEN
    return TicketView(
        ticket=ticket,
        citizen=citizen_view(user, ticket),
        public=public,
        timeline=_public_timeline(ticket) if public else _staff_timeline(ticket),
        attachments=list(ticket.attachments.filter(visit__isnull=True).order_by("pk")),
        show_query_code=role in CENTER_ROLES,
        visits=[] if public else ticket_field_visits(ticket=ticket),
    )


def ticket_field_visits(*, ticket: Ticket) -> list[FieldVisit]:
    """The ticket's field visits, oldest first, with the unit, the recorder and the photos."""
    return list(
        ticket.field_visits.select_related("unit", "recorded_by__profile").prefetch_related(
            Prefetch("photos", queryset=Attachment.objects.order_by("pk"))
        )
    )


def _staff_timeline(ticket: Ticket) -> list[StaffEvent]:
    events = ticket.events.select_related("actor__profile", "unit")
    return [_staff_event(event) for event in events]


def _staff_event(event: TicketEvent) -> StaffEvent:
    actor, by_citizen = _who(event)
    return StaffEvent(
        id=event.pk,
        kind=event.kind,
        label=event.get_kind_display(),
        at=event.created_at,
        from_status=event.from_status,
        from_label=event.get_from_status_display(),
        to_status=event.to_status,
        to_label=event.get_to_status_display(),
        actor=actor,
        by_citizen=by_citizen,
        unit=event.unit.name if event.unit else "",
        reason=event.reason,
        data=event.data,
        public=event.public,
    )


def _who(event: TicketEvent) -> tuple[str, bool]:
    """The actor as staff may see them, and whether it was the citizen."""
    user = event.actor
    if user is None:
        return "", event.kind in CITIZEN_KINDS
    profile = getattr(user, "profile", None)
    if profile is not None and profile.role == Role.CITIZEN:
        return CITIZEN_ACTOR, True
    return (profile.display_name if profile else "") or user.username, False


def _public_timeline(ticket: Ticket) -> list[PublicEvent]:
    return [
        PublicEvent(
            kind=event.kind,
            label=PUBLIC_LABELS.get(event.kind) or event.get_kind_display(),
            at=event.created_at,
            unit=event.unit.name if event.unit else "",
            text=event.reason if event.kind in PUBLIC_TEXT_KINDS else "",
        )
        for event in ticket.events.filter(public=True).select_related("unit")
    ]


# --- the caller's history (operator's desk) -----------------------------------------------------

CALLER_HISTORY_DAYS = 365
CALLER_HISTORY_LIMIT = 50
_PHONE_CHARACTERS = set("0123456789+-")


def caller_history(*, user, phone: str, now: datetime | None = None) -> list[Ticket]:
    """The tickets one phone number raised in the last 12 months, newest first, open ones
    flagged by ``is_open``: the operator sees a repeat call before registering it again.
    Center staff only: a unit must not learn what else a citizen asked."""
    require_role(user, Role.OPERATOR, Role.DISPATCHER)
    phone = (phone or "").replace(" ", "").strip()
    if not 5 <= len(phone) <= 20 or not set(phone) <= _PHONE_CHARACTERS:
        message = gettext("请输入 5 到 20 位的电话号码")
        raise InvalidInput(message, fields={"phone": [message]})
    now = now or timezone.now()
    since = now - timedelta(days=CALLER_HISTORY_DAYS)
    active = Assignment.objects.filter(active=True, role=Assignment.Role.LEAD).select_related(
        "unit"
    )
    tickets = list(
        # Index ticket_phone_registered (citizen_phone, registered_at).
        Ticket.objects.filter(citizen_phone=phone, registered_at__gte=since)
        .order_by("-registered_at")
        .prefetch_related(Prefetch("assignments", queryset=active))[:CALLER_HISTORY_LIMIT]
    )
    for ticket in tickets:
        ticket.is_open = ticket.status in OPEN_STATUSES
    return tickets
