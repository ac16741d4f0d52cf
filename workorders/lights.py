"""The light of a ticket, derived in queries from its stored due times.

Nothing here reads what the sweep recorded: a page, filter, sort or count is right at any moment,
also between sweeps. Per deadline (accept, contact, resolve):

- not lit (Light.NONE) when its clock does not run in the ticket's status (it was met, or the
  ticket is not with a unit; the dispatch deadline runs only while the center has it);
- red when the due time has passed, yellow when the warning moment has, else green.

"Now" is the moment of the query, or the moment the clock stopped while an approved pause holds
it (Ticket.paused_at). The ticket's light is the most severe of the four (dispatch, accept,
contact, resolve; the dispatch clock never runs together with the others).

Only SQL expressions and the names of lights here: use them through the QuerySet vocabulary
(``Ticket.objects.with_lights()``, ``.lit(Light.RED)``, ``.overdue()``) or the role-gated
selectors in workorders/selectors.py; pages render ``templates/workorders/_light.html``.
"""

from datetime import datetime

from django.db.models import (
    Case,
    DateTimeField,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hotline.lib.errors import InvalidInput
from workorders.models.tickets import (
    ACCEPT_RUNNING,
    CLOCK_RUNNING,
    CONTACT_RUNNING,
    DISPATCH_RUNNING,
    RESOLVE_RUNNING,
    Light,
    red_at_expression,
)

# deadline name → (statuses in which its clock runs, due field, warning field)
DEADLINES: dict[str, tuple[list[str], str, str]] = {
    "dispatch": (DISPATCH_RUNNING, "dispatch_due_at", "dispatch_warn_at"),
    "accept": (ACCEPT_RUNNING, "accept_due_at", "accept_warn_at"),
    "contact": (CONTACT_RUNNING, "contact_due_at", "contact_warn_at"),
    "resolve": (RESOLVE_RUNNING, "resolve_due_at", "resolve_warn_at"),
}
DEADLINE_LABELS = {
    "dispatch": _("分拨"),
    "accept": _("签收"),
    "contact": _("联系"),
    "resolve": _("办结"),
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
    message = gettext("灯色应为 red、yellow 或 green")
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
    now = now or timezone.now()
    # One clock reading for all the deadlines.
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
            .filter(status__in=CLOCK_RUNNING, red_at__lte=now)
            .filter(Q(paused_at__isnull=True) | Q(red_at__lte=F("paused_at")))
        )
    return queryset.alias(_light=light_expressions(now=now)["light"]).filter(_light=light)
