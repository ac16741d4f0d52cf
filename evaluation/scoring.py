"""The three rates, the composite score and the rankings of one month, computed from the data.

Per unit, over the follow-ups that finished in the month (``FollowUp.finished_at`` inside the
period) and that score the unit (the lead unit; assisting units too when the rule says
"shared"), leaving out those of tickets exempted for that unit (approved by ``as_of``):

- valid follow-ups (有效回访) = answered ones: the citizen was reached and answered;
- response rate (响应率) = citizen confirms the unit contacted them / valid (with the rule's
  ``response_on_time``, only when the unit also recorded the contact before its due time);
- resolution rate (解决率) = citizen says solved / valid;
- satisfaction rate (满意率) = (satisfied + factor × basically satisfied) / valid;
- composite (综合得分) = (w_response × response + w_resolution × resolution
  + w_satisfaction × satisfaction) / 100, from the unrounded rates.

All rates are percentages rounded half-up to two decimals. Refused, unreachable, wrong-number and
anonymous follow-ups are counted beside the rates, never in the denominator. Units are ranked
within their kind by composite (equal composites share a rank, "1, 2, 2, 4"); units without a
valid follow-up are listed but not ranked. Red lights (tickets whose deadline went red, counted
once per ticket) and reopenings are the month's timeline events attributed to the unit; proactive work
(主动治理) is the proactive work orders the unit resolved as lead in the month, a column of its own
beside the rates (they have no citizen and no follow-up, so they never enter a rate); volume is
the requests registered in a district's / street's / community's area (not counting invalid
ones, nor proactive work orders), and the top N streets/towns by volume are flagged 治理类 (ties at the N-th included).

Each figure is one GROUP BY over an index of the month (see the model indexes); nothing here
writes. ``services.month_close`` freezes what ``compute_month`` returns.
"""

from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from evaluation.models import (
    AssistScoring,
    EvaluationRule,
    FollowUp,
    FollowUpResult,
    Satisfaction,
)
from evaluation.periods import Period
from workorders.models import (
    Assignment,
    Channel,
    EventKind,
    Region,
    RequestStatus,
    Status,
    Ticket,
    TicketEvent,
    Unit,
)

R = FollowUpResult
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
# Kinds in the order the ranking tables are shown (Beijing's "four kinds", then communities).
KIND_ORDER = [
    Unit.Kind.DISTRICT,
    Unit.Kind.STREET,
    Unit.Kind.DEPARTMENT,
    Unit.Kind.ENTERPRISE,
    Unit.Kind.COMMUNITY,
]
# Units whose volume is the requests of their area (region and the regions below it).
TERRITORIAL_KINDS = {Unit.Kind.DISTRICT, Unit.Kind.STREET, Unit.Kind.COMMUNITY}
# The counters summed per unit, and stored in UnitMonthScore under the same names.
COUNTERS = (
    "finished",
    "valid",
    "responded",
    "responded_on_time",
    "solved",
    "satisfied",
    "basically_satisfied",
    "dissatisfied",
    "refused",
    "unreachable",
    "wrong_number",
    "anonymous",
    "confidential",
)


@dataclass
class UnitFigures:
    unit_id: int
    unit_name: str
    kind: str
    finished: int = 0
    valid: int = 0
    responded: int = 0
    responded_on_time: int = 0
    solved: int = 0
    satisfied: int = 0
    basically_satisfied: int = 0
    dissatisfied: int = 0
    refused: int = 0
    unreachable: int = 0
    wrong_number: int = 0
    anonymous: int = 0
    confidential: int = 0
    exempt: int = 0
    red_lights: int = 0
    reopens: int = 0
    proactive: int = 0
    # Presses by the district government (区政府督促) on the unit's tickets in the month.
    presses: int = 0
    volume: int | None = None
    response_rate: Decimal | None = None
    resolution_rate: Decimal | None = None
    satisfaction_rate: Decimal | None = None
    composite: Decimal | None = None
    rank: int | None = None
    previous_rank: int | None = None
    governance: bool = False

    @property
    def not_responded(self) -> int:
        return self.valid - self.responded

    @property
    def unsolved(self) -> int:
        return self.valid - self.solved

    @property
    def unreached(self) -> int:
        """Never reached: unreachable and wrong numbers."""
        return self.unreachable + self.wrong_number

    @property
    def movement(self) -> int | None:
        """Places gained since last month (negative: lost)."""
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


@dataclass
class MonthFigures:
    period: Period
    as_of: datetime
    units: list[UnitFigures]
    totals: dict = field(default_factory=dict)


def _q(prefix: str, **lookups) -> Q:
    return Q(**{f"{prefix}{name}": value for name, value in lookups.items()})


# The follow-up's columns the counters depend on (all in the covering index of the month).
ANSWER_COLUMNS = (
    "result",
    "contacted",
    "contacted_on_time",
    "solved",
    "satisfaction",
    "confidential",
)
SATISFACTION_COUNTERS = {
    Satisfaction.SATISFIED: "satisfied",
    Satisfaction.BASICALLY_SATISFIED: "basically_satisfied",
    Satisfaction.DISSATISFIED: "dissatisfied",
}
UNRATED_COUNTERS = {R.REFUSED, R.UNREACHABLE, R.WRONG_NUMBER, R.ANONYMOUS}


def grouped_counts(queryset, prefix: str = ""):
    """One row per unit and combination of answers, with how many follow-ups have it.

    A plain GROUP BY over the answer columns (a few dozen groups per unit) is about twice as
    fast on PostgreSQL as a dozen COUNT(…) FILTER (…) aggregates over two million rows; the
    counters are then summed up in Python (``tally``). COUNT(finished_at), not COUNT(id): the
    id is not in the covering index (index-only scan), and Django has no COUNT(*) with values().
    """
    columns = [f"{prefix}{name}" for name in ANSWER_COLUMNS]
    return queryset.values("unit_id", *columns).annotate(n=Count(f"{prefix}finished_at")).order_by()


def tally(counters: dict, answers: dict, n: int) -> None:
    """Add ``n`` follow-ups with these ``answers`` to ``counters`` (names of COUNTERS)."""
    counters["finished"] += n
    if answers["confidential"]:
        counters["confidential"] += n
    result = answers["result"]
    if result == R.ANSWERED:
        counters["valid"] += n
        if answers["contacted"]:
            counters["responded"] += n
            if answers["contacted_on_time"]:
                counters["responded_on_time"] += n
        if answers["solved"]:
            counters["solved"] += n
        if answers["satisfaction"] in SATISFACTION_COUNTERS:
            counters[SATISFACTION_COUNTERS[answers["satisfaction"]]] += n
    elif result in UNRATED_COUNTERS:
        counters[result] += n


def exempted(*, as_of: datetime, prefix: str = "", unit_ref: str = "unit_id") -> Q:
    """The rows whose ticket has an exemption for the row's unit, approved by ``as_of``.

    A join that starts from the exemptions (a few thousand), not an EXISTS: PostgreSQL ran that
    semi-join by reading the whole month a second time (two million follow-ups). The join cannot
    count a follow-up twice: there is at most one approved exemption per ticket and unit
    (constraint exemption_one_live_per_unit).
    """
    exemption = f"{prefix}ticket__exemptions__"
    return Q(
        **{
            f"{exemption}status": RequestStatus.APPROVED,
            f"{exemption}decided_at__lte": as_of,
            f"{exemption}unit_id": F(unit_ref),
        }
    )


def _in_period(period: Period, prefix: str = "") -> Q:
    return _q(prefix, finished_at__gte=period.start, finished_at__lt=period.end)


# The month's GROUP BY yields some 20,000 groups (units × answer combinations) but PostgreSQL
# estimates ten times more; under the default work_mem (4 MB) it then sorts two million rows on
# disk (2.1 s at 2 M follow-ups in bench/evaluation.py) instead of hashing them (0.8 s).
AGGREGATE_WORK_MEM = "64MB"


@contextmanager
def aggregate_memory():
    """Give the month's aggregates enough memory to hash, for this transaction only."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true)", [AGGREGATE_WORK_MEM])
        yield


def _grouped(queryset, prefix: str) -> dict:
    counts: dict = {}
    with aggregate_memory():
        rows = list(grouped_counts(queryset, prefix))
    for row in rows:
        counters = counts.setdefault(row["unit_id"], dict.fromkeys(COUNTERS, 0))
        tally(counters, {name: row[f"{prefix}{name}"] for name in ANSWER_COLUMNS}, row["n"])
    return counts


def _lead_counts(period: Period, as_of: datetime) -> tuple[dict, dict]:
    """({unit_id or None: counters}, {unit_id: counters of exempt follow-ups})."""
    month = FollowUp.objects.filter(_in_period(period))
    exempt = month.filter(exempted(as_of=as_of))
    return _grouped(month, ""), _grouped(exempt, "")


def _assist_counts(period: Period, as_of: datetime) -> tuple[dict, dict]:
    through = FollowUp.assist_units.through.objects.filter(_in_period(period, "followup__"))
    exempt = through.filter(exempted(as_of=as_of, prefix="followup__"))
    return _grouped(through, "followup__"), _grouped(exempt, "followup__")


def event_rows(period: Period):
    """Per unit and kind: the red lights' tickets, the reopenings and the district's presses of
    the period."""
    return (
        TicketEvent.objects.filter(
            # Spelled out as an OR, not kind IN (…): PostgreSQL cannot match "kind = ANY(…)"
            # with the partial index's own IN list (event_red_reopen_month) and would read the
            # whole timeline table instead.
            Q(kind=EventKind.LIGHT_RED) | Q(kind=EventKind.REOPENED) | Q(kind=EventKind.PRESSED),
            created_at__gte=period.start,
            created_at__lt=period.end,
            unit__isnull=False,
        )
        .values("unit_id", "kind")
        .annotate(
            tickets=Count("ticket_id", distinct=True),
            events=Count("ticket_id"),
        )
        .order_by()
    )


def event_counts(period: Period) -> dict[int, dict[str, int]]:
    """{unit_id: {"red_lights": tickets that went red, "reopens": reopenings, "presses": the
    district's presses}} in the period."""
    counts: dict[int, dict[str, int]] = defaultdict(
        lambda: {"red_lights": 0, "reopens": 0, "presses": 0}
    )
    for row in event_rows(period):
        if row["kind"] == EventKind.LIGHT_RED:
            counts[row["unit_id"]]["red_lights"] = row["tickets"]
        elif row["kind"] == EventKind.PRESSED:
            counts[row["unit_id"]]["presses"] = row["events"]
        else:
            counts[row["unit_id"]]["reopens"] = row["events"]
    return counts


def proactive_counts(period: Period) -> dict[int, int]:
    """{unit_id: proactive work orders resolved in the period with the unit as lead}.

    From the tickets (partial index ticket_proactive_resolved: only proactive ones), not from
    the follow-ups: a proactive order has none. resolved_at stays set once it is closed."""
    rows = (
        Ticket.objects.filter(
            channel=Channel.PROACTIVE,
            resolved_at__gte=period.start,
            resolved_at__lt=period.end,
            assignments__active=True,
            assignments__role=Assignment.Role.LEAD,
        )
        .values("assignments__unit_id")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    return {row["assignments__unit_id"]: row["n"] for row in rows}


def volume_rows(period: Period):
    """Per region: the requests registered in it in the period (invalid ones left out)."""
    return (
        Ticket.objects.filter(
            registered_at__gte=period.start, registered_at__lt=period.end, region__isnull=False
        )
        .exclude(status=Status.INVALID)
        .values("region_id")
        # COUNT(*), not COUNT(id): the id is not in the month's index (ticket_month_region, on
        # PostgreSQL), which then answers alone.
        .annotate(n=Count("*"))
        .order_by()
    )


def region_volumes(period: Period) -> dict[int, int]:
    """{region_id: requests registered in the period in that region or any region below it}."""
    parent = dict(Region.objects.values_list("pk", "parent_id"))
    totals: dict[int, int] = defaultdict(int)
    # Proactive work orders are the center's, not citizens' requests: taken out afterwards (a
    # handful of rows) so that the month's count stays an index-only scan (ticket_month_region).
    rows = [(row["region_id"], row["n"]) for row in volume_rows(period)]
    rows += [(row["region_id"], -row["n"]) for row in proactive_volume_rows(period)]
    for region_id, n in rows:
        node, seen = region_id, set()
        while node is not None and node not in seen:  # a cycle would be bad data, not a hang
            seen.add(node)
            totals[node] += n
            node = parent.get(node)
    return totals


def proactive_volume_rows(period: Period):
    """Per region: the proactive work orders among ``volume_rows``."""
    return (
        Ticket.objects.filter(
            channel=Channel.PROACTIVE,
            registered_at__gte=period.start,
            registered_at__lt=period.end,
            region__isnull=False,
        )
        .exclude(status=Status.INVALID)
        .values("region_id")
        .annotate(n=Count("*"))
        .order_by()
    )


def _percent(numerator: Decimal, denominator: int) -> Decimal:
    return numerator * HUNDRED / denominator


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def apply_rates(figures: UnitFigures, rule: EvaluationRule) -> None:
    if not figures.valid:
        figures.response_rate = figures.resolution_rate = None
        figures.satisfaction_rate = figures.composite = None
        return
    responded = figures.responded_on_time if rule.response_on_time else figures.responded
    response = _percent(Decimal(responded), figures.valid)
    resolution = _percent(Decimal(figures.solved), figures.valid)
    satisfaction = _percent(
        Decimal(figures.satisfied) + Decimal(rule.basic_factor) * figures.basically_satisfied,
        figures.valid,
    )
    composite = (
        rule.weight_response * response
        + rule.weight_resolution * resolution
        + rule.weight_satisfaction * satisfaction
    ) / HUNDRED
    figures.response_rate = _round(response)
    figures.resolution_rate = _round(resolution)
    figures.satisfaction_rate = _round(satisfaction)
    figures.composite = _round(composite)


def rank_within_kinds(units: list[UnitFigures]) -> None:
    """Competition ranking by composite within each kind; unranked without valid follow-ups."""
    by_kind: dict[str, list[UnitFigures]] = defaultdict(list)
    for figures in units:
        figures.rank = None
        if figures.composite is not None:
            by_kind[figures.kind].append(figures)
    for rows in by_kind.values():
        rows.sort(key=ranking_key)
        for index, figures in enumerate(rows):
            same = index and rows[index - 1].composite == figures.composite
            figures.rank = rows[index - 1].rank if same else index + 1


def ranking_key(figures: UnitFigures):
    """Ranked first, best composite first; ties shown by resolution, satisfaction, then name."""
    missing = figures.composite is None
    zero = Decimal(0)
    return (
        missing,
        -(figures.composite or zero),
        -(figures.resolution_rate or zero),
        -(figures.satisfaction_rate or zero),
        figures.unit_name,
    )


def flag_governance(units: list[UnitFigures], top_n: int) -> None:
    """The streets/towns with the most requests: the top ``top_n``, ties at the edge included."""
    streets = sorted(
        (f for f in units if f.kind == Unit.Kind.STREET and f.volume),
        key=lambda f: -f.volume,
    )
    if not streets or top_n <= 0:
        return
    threshold = streets[min(top_n, len(streets)) - 1].volume
    for figures in streets:
        figures.governance = figures.volume >= threshold


def _add(target: UnitFigures | dict, counters: dict, sign: int = 1) -> None:
    for name in COUNTERS:
        value = counters.get(name, 0) * sign
        if isinstance(target, dict):
            target[name] = target.get(name, 0) + value
        else:
            setattr(target, name, getattr(target, name) + value)


def compute_month(
    period: Period,
    *,
    as_of: datetime | None = None,
    previous_ranks: dict[int, int] | None = None,
) -> MonthFigures:
    """Every unit's figures for ``period`` under its rule, as the data stands at ``as_of``."""
    as_of = as_of or timezone.now()
    rule = period.rule
    lead, lead_exempt = _lead_counts(period, as_of)
    parts = [(lead, lead_exempt)]
    if rule.assist_scoring == AssistScoring.SHARED:
        parts.append(_assist_counts(period, as_of))
    events = event_counts(period)
    proactive = proactive_counts(period)
    volumes = region_volumes(period)

    seen = {unit_id for counts, _ in parts for unit_id in counts if unit_id is not None}
    seen |= set(events) | set(proactive)
    unit_rows = (
        Unit.objects.filter(Q(is_active=True) | Q(pk__in=seen))
        .values("pk", "name", "kind", "region_id")
        .order_by("kind", "name")
    )
    totals: dict = {name: 0 for name in COUNTERS}
    totals["exempt"] = 0
    totals["proactive"] = sum(proactive.values())
    units = []
    for row in unit_rows:
        figures = UnitFigures(unit_id=row["pk"], unit_name=row["name"], kind=row["kind"])
        for counts, exempt in parts:
            _add(figures, counts.get(row["pk"], {}))
            _add(figures, exempt.get(row["pk"], {}), -1)
            figures.exempt += exempt.get(row["pk"], {}).get("finished", 0)
        if rule.response_on_time:
            # The contacts that count are the timely ones: pages and exports show that number.
            figures.responded = figures.responded_on_time
        event = events.get(row["pk"], {})
        figures.red_lights = event.get("red_lights", 0)
        figures.reopens = event.get("reopens", 0)
        figures.proactive = proactive.get(row["pk"], 0)
        figures.presses = event.get("presses", 0)
        if row["kind"] in TERRITORIAL_KINDS and row["region_id"]:
            figures.volume = volumes.get(row["region_id"], 0)
        apply_rates(figures, rule)
        if previous_ranks is not None:
            figures.previous_rank = previous_ranks.get(row["pk"])
        units.append(figures)
    rank_within_kinds(units)
    flag_governance(units, rule.governance_top_n)

    # City-wide: every follow-up of the month once (by its lead unit, or none for a direct
    # answer), exemptions left out, so the totals agree with the tables.
    for unit_id, counters in lead.items():
        _add(totals, counters)
        if unit_id is not None:
            _add(totals, lead_exempt.get(unit_id, {}), -1)
            totals["exempt"] += lead_exempt.get(unit_id, {}).get("finished", 0)
    city = UnitFigures(unit_id=0, unit_name="全市", kind="")
    _add(city, totals)
    if rule.response_on_time:
        totals["responded"] = totals["responded_on_time"]
    apply_rates(city, rule)
    totals.update(
        {
            name: str(getattr(city, name)) if getattr(city, name) is not None else None
            for name in ("response_rate", "resolution_rate", "satisfaction_rate", "composite")
        }
    )
    return MonthFigures(period=period, as_of=as_of, units=units, totals=totals)


def figures_from_row(row) -> UnitFigures:
    """UnitFigures from a frozen UnitMonthScore (or anything with the same attributes)."""
    values = {}
    for item in fields(UnitFigures):
        if item.name == "responded_on_time":
            values[item.name] = getattr(row, "responded", 0)
        else:
            values[item.name] = getattr(row, item.name, item.default)
    return UnitFigures(**values)
