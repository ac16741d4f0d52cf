"""The light of a ticket, derived in queries from its stored due times.

Nothing here reads what the sweep recorded: a page, filter, sort or count is right at any moment,
also between sweeps. Per deadline (accept, contact, resolve):

- not lit (Light.NONE) when its clock does not run in the ticket's status (it was met, or the
  ticket is not with a unit);
- red when the due time has passed, yellow when the warning moment has, else green.

"Now" is the moment of the query, or the moment the clock stopped while an approved pause holds
it (Ticket.paused_at). The ticket's light is the most severe of the three.

Use it through the QuerySet vocabulary: ``Ticket.objects.with_lights()``,
``.lit(Light.RED)``, ``.overdue()``, or the selectors below; pages render
``templates/workorders/_light.html``.
"""

from datetime import datetime

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from hotline.lib.errors import InvalidInput
from workorders.access import require_role, require_unit, tickets_visible_to
from workorders.models import (
    ACCEPT_RUNNING,
    CONTACT_RUNNING,
    RESOLVE_RUNNING,
    Assignment,
    Light,
    PauseStatus,
    Role,
    Supervision,
    Ticket,
    TicketPause,
)
from workorders.models.tickets import red_at_expression

# deadline name → (statuses in which its clock runs, due field, warning field)
DEADLINES: dict[str, tuple[list[str], str, str]] = {
    "accept": (ACCEPT_RUNNING, "accept_due_at", "accept_warn_at"),
    "contact": (CONTACT_RUNNING, "contact_due_at", "contact_warn_at"),
    "resolve": (RESOLVE_RUNNING, "resolve_due_at", "resolve_warn_at"),
}
DEADLINE_LABELS = {
    "accept": "签收 (accept)",
    "contact": "联系 (contact)",
    "resolve": "办结 (resolve)",
}
LIGHT_NAMES = {Light.NONE: "", Light.GREEN: "green", Light.YELLOW: "yellow", Light.RED: "red"}
LIGHT_BY_NAME = {name: light for light, name in LIGHT_NAMES.items() if name}


def light_name(light: int | None) -> str:
    """ "green" / "yellow" / "red" / "" — for the API."""
    return LIGHT_NAMES.get(Light(light or 0), "")


def parse_light(value: str) -> int:
    """A light from a filter parameter: "red", "yellow", "green" or 1–3."""
    value = (value or "").strip().lower()
    if value in LIGHT_BY_NAME:
        return LIGHT_BY_NAME[value]
    if value.isdigit() and int(value) in (Light.GREEN, Light.YELLOW, Light.RED):
        return int(value)
    message = "灯色应为 red、yellow 或 green (light must be red, yellow or green)"
    raise InvalidInput(message, fields={"light": [message]})


def _now(now: datetime | None) -> Value:
    return Value(now or timezone.now(), output_field=DateTimeField())


def effective_now(now: datetime | None = None, *, prefix: str = ""):
    """The clock's "now": the pause moment while paused."""
    return Coalesce(F(f"{prefix}paused_at"), _now(now), output_field=DateTimeField())


def deadline_light(name: str, *, now: datetime | None = None, prefix: str = "") -> Case:
    """One deadline's Light. ``prefix`` ("ticket__") builds it from a model related to Ticket
    (the sweep reads it from TicketLightState)."""
    statuses, due, warn = DEADLINES[name]
    due, warn = f"{prefix}{due}", f"{prefix}{warn}"
    at = effective_now(now, prefix=prefix)
    return Case(
        When(
            ~Q(**{f"{prefix}status__in": statuses}) | Q(**{f"{due}__isnull": True}),
            then=Value(Light.NONE),
        ),
        When(Q(**{f"{due}__lte": at}), then=Value(Light.RED)),
        When(Q(**{f"{warn}__lte": at}), then=Value(Light.YELLOW)),
        default=Value(Light.GREEN),
        output_field=IntegerField(),
    )


def light_expressions(*, now: datetime | None = None) -> dict:
    now = now or timezone.now()  # one clock reading for all three deadlines
    expressions = {f"{name}_light": deadline_light(name, now=now) for name in DEADLINES}
    expressions["light"] = Greatest(*expressions.values(), output_field=IntegerField())
    return expressions


def annotate_lights(queryset: QuerySet, *, now: datetime | None = None) -> QuerySet:
    """accept_light, contact_light, resolve_light and light (Light values) on every row."""
    return queryset.annotate(**light_expressions(now=now))


def filter_light(queryset: QuerySet, light: int, *, now: datetime | None = None) -> QuerySet:
    """Rows whose overall light is ``light``.

    Red is written so PostgreSQL answers it from the expression index ``ticket_red_at``; yellow
    and green are rare filters and evaluate the annotation.
    """
    now = now or timezone.now()
    if light == Light.RED:
        return (
            queryset.alias(red_at=red_at_expression())
            .filter(status__in=RESOLVE_RUNNING, red_at__lte=now)
            .filter(Q(paused_at__isnull=True) | Q(red_at__lte=F("paused_at")))
        )
    return queryset.alias(_light=light_expressions(now=now)["light"]).filter(_light=light)


def order_by_light(queryset: QuerySet, *, now: datetime | None = None) -> QuerySet:
    """Most severe first, then what falls due first."""
    return queryset.annotate(**light_expressions(now=now)).order_by(
        F("light").desc(), F("resolve_due_at").asc(nulls_last=True), "pk"
    )


def _with_lead_unit(queryset: QuerySet) -> QuerySet:
    """What a list row shows: category, region and the active assignments (lead unit)."""
    active = Assignment.objects.filter(active=True).select_related("unit")
    return queryset.select_related("category", "region").prefetch_related(
        Prefetch("assignments", queryset=active)
    )


# --- selectors for pages and the API -----------------------------------------------------------


def supervision_queue(*, user, light: int = Light.RED, now: datetime | None = None) -> QuerySet:
    """The dispatchers' 督办 list: red tickets, most overdue first, with lights."""
    require_role(user, Role.DISPATCHER, Role.LEADER)
    now = now or timezone.now()
    queryset = filter_light(Ticket.objects.all(), light, now=now)
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
    counts["supervisions"] = Supervision.objects.filter(
        unit=unit, acknowledged_at__isnull=True
    ).count()
    return counts


def tickets_with_lights(*, user, light: int | None = None, now=None) -> QuerySet:
    """Any list through the access funnel, with lights; optionally one light only."""
    queryset = tickets_visible_to(user)
    if light:
        queryset = filter_light(queryset, light, now=now)
    return annotate_lights(queryset, now=now)


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
    return (
        Supervision.objects.filter(unit=unit, acknowledged_at__isnull=True)
        .select_related("ticket", "created_by")
        .order_by("created_at")
    )


def ticket_supervisions(*, ticket: Ticket) -> QuerySet[Supervision]:
    """A ticket's 督办 notices and answers, for its detail page (after the access funnel)."""
    return ticket.supervisions.select_related("unit", "created_by", "acknowledged_by").order_by(
        "created_at"
    )
