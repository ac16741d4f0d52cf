"""Reads of the evaluation app: the agent's queue, a month's rankings (frozen or live), the
tickets behind a figure, trends and exemption lists. Each checks who is asking.

Who sees what:
- the agent's console: follow-up agents and dispatchers;
- every unit's figures, the rankings and exports: leaders and dispatchers;
- one unit's own figures and the tickets behind them: that unit's staff (and the above);
- exemptions: the requesting unit's staff, dispatchers (who decide) and leaders (read-only).
Administrators see everything (workorders.access.require_role admits them).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from evaluation.models import (
    Exemption,
    FollowUp,
    FollowUpResult,
    MonthlySnapshot,
    Satisfaction,
    UnitMonthScore,
)
from evaluation.periods import Period, add_months, current_month
from evaluation.scoring import (
    KIND_ORDER,
    UnitFigures,
    figures_from_row,
    ranking_key,
)
from evaluation.services.months import month_compute
from hotline.lib.errors import InvalidInput, NotAllowed, NotFound
from workorders.access import require_role, role_of, unit_of
from workorders.models import (
    Assignment,
    Channel,
    EventKind,
    Region,
    RequestStatus,
    Role,
    Status,
    Ticket,
    TicketEvent,
    Unit,
)

R = FollowUpResult
FOLLOW_UP_ROLES = (Role.FOLLOW_UP_AGENT, Role.DISPATCHER)
RANKING_ROLES = (Role.LEADER, Role.DISPATCHER)
EXEMPTION_READERS = (Role.LEADER, Role.DISPATCHER, Role.UNIT_STAFF)
KIND_LABELS = dict(Unit.Kind.choices)


# --- the agent's console ----------------------------------------------------------------------------

CONSOLE_TABS = {
    "due": _("待呼叫"),
    "undecided": _("未解决待处理"),
    "waiting": _("等待短信评价"),
    "recent": _("今日已完成"),
}


def follow_up_queue(*, user, tab: str = "due", now: datetime | None = None) -> QuerySet[FollowUp]:
    """The follow-ups of one console tab, most urgent first.

    due: pending, no answer to the SMS after FOLLOW_UP_CALL_AFTER_HOURS (or no SMS), next call
    time reached; waiting: pending, still within that time; undecided: the citizen said "not
    solved" and nobody has reopened or closed; recent: finished since midnight.
    """
    require_role(user, *FOLLOW_UP_ROLES)
    now = now or timezone.now()
    call_after = now - timedelta(hours=settings.FOLLOW_UP_CALL_AFTER_HOURS)
    pending = FollowUp.objects.filter(result=R.PENDING, ticket__status=Status.FOLLOW_UP)
    sms_unanswered = Q(survey_sent_at__isnull=True) | Q(survey_sent_at__lte=call_after)
    if tab == "due":
        queryset = pending.filter(sms_unanswered).filter(
            Q(next_call_at__isnull=True) | Q(next_call_at__lte=now)
        )
        order = ["due_at", "id"]
    elif tab == "waiting":
        queryset = pending.exclude(
            sms_unanswered & (Q(next_call_at__isnull=True) | Q(next_call_at__lte=now))
        )
        order = ["due_at", "id"]
    elif tab == "undecided":
        queryset = FollowUp.objects.filter(
            result=R.ANSWERED, solved=False, decision="", ticket__status=Status.FOLLOW_UP
        )
        order = ["finished_at", "id"]
    elif tab == "recent":
        midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        queryset = FollowUp.objects.filter(finished_at__gte=midnight)
        order = ["-finished_at", "-id"]
    else:
        raise InvalidInput(gettext("未知的分页"), fields={"tab": [tab]})
    return queryset.select_related("ticket", "unit").prefetch_related("calls").order_by(*order)


def console_counts(*, user, now: datetime | None = None) -> dict[str, int]:
    return {tab: follow_up_queue(user=user, tab=tab, now=now).count() for tab in CONSOLE_TABS}


def console_place(*, user, follow_up: FollowUp, page_size: int) -> tuple[str, int] | None:
    """The console tab and page that show ``follow_up`` now, to show a form posted from it
    again with its errors; None when no tab lists it any more."""
    for tab in CONSOLE_TABS:
        ids = list(follow_up_queue(user=user, tab=tab).values_list("pk", flat=True))
        if follow_up.pk in ids:
            return tab, ids.index(follow_up.pk) // page_size + 1
    return None


def follow_up_get(*, user, pk: int) -> FollowUp:
    require_role(user, *FOLLOW_UP_ROLES)
    follow_up = FollowUp.objects.select_related("ticket", "unit").filter(pk=pk).first()
    if follow_up is None:
        raise NotFound(gettext("回访记录不存在"))
    return follow_up


# --- a month's rankings ---------------------------------------------------------------------------


@dataclass
class MonthView:
    period: Period
    units: list[UnitFigures]
    totals: dict
    snapshot: MonthlySnapshot | None
    versions: list[MonthlySnapshot]
    computed_at: datetime

    @property
    def live(self) -> bool:
        return self.snapshot is None

    @property
    def rule_values(self) -> dict:
        if self.snapshot is not None:
            return self.snapshot.rule_values
        return self.period.rule.as_values()

    def tables(self) -> list[dict]:
        """One ranking table per kind of unit, in KIND_ORDER, best first."""
        by_kind: dict[str, list[UnitFigures]] = {}
        for figures in self.units:
            by_kind.setdefault(figures.kind, []).append(figures)
        tables = []
        for kind in KIND_ORDER:
            if kind not in by_kind:
                continue
            rows = sorted(by_kind[kind], key=ranking_key)
            tables.append(
                {
                    "kind": kind,
                    "label": KIND_LABELS.get(kind, kind),
                    "rows": rows,
                    "ranked": [f for f in rows if f.rank is not None],
                    # No valid follow-up this month: listed apart, with their other counts.
                    "unranked": [f for f in rows if f.rank is None],
                }
            )
        return tables

    def unit(self, unit_id: int) -> UnitFigures | None:
        return next((f for f in self.units if f.unit_id == unit_id), None)


def _frozen(snapshot: MonthlySnapshot) -> MonthView:
    rows = snapshot.scores.order_by("kind", "rank", "unit_name")
    period = Period(
        month=snapshot.month,
        start=snapshot.period_start,
        end=snapshot.period_end,
        rule=snapshot.rule,
    )
    return MonthView(
        period=period,
        units=[figures_from_row(row) for row in rows],
        totals=snapshot.totals,
        snapshot=snapshot,
        versions=list(MonthlySnapshot.objects.filter(month=snapshot.month).order_by("version")),
        computed_at=snapshot.closed_at,
    )


def month_view_for(month: date, *, now: datetime | None = None) -> MonthView:
    """A closed month's current snapshot, or the month computed live. No access check.

    A live month costs about a second at Beijing's volume (bench/evaluation.py) and every unit's
    staff open their page, so it is computed at most once per EVALUATION_LIVE_CACHE_SECONDS
    (the page says when); 0 computes on every request.
    """
    snapshot = (
        MonthlySnapshot.objects.select_related("rule", "closed_by")
        .filter(month=month, is_current=True)
        .first()
    )
    if snapshot is not None:
        return _frozen(snapshot)
    seconds = getattr(settings, "EVALUATION_LIVE_CACHE_SECONDS", 0)
    key = f"evaluation:live:{month:%Y-%m}"
    if seconds and now is None and (cached := cache.get(key)) is not None:
        return cached
    computed_at = now or timezone.now()
    figures = month_compute(month, now=computed_at)
    view = MonthView(
        period=figures.period,
        units=figures.units,
        totals=figures.totals,
        snapshot=None,
        versions=[],
        computed_at=computed_at,
    )
    if seconds and now is None:
        cache.set(key, view, seconds)
    return view


def month_view(*, user, month: date, now: datetime | None = None) -> MonthView:
    require_role(user, *RANKING_ROLES)
    return month_view_for(month, now=now)


def snapshot_version(*, user, month: date, version: int) -> MonthView:
    """An earlier (superseded) version of a closed month, for the record."""
    require_role(user, *RANKING_ROLES)
    snapshot = MonthlySnapshot.objects.filter(month=month, version=version).first()
    if snapshot is None:
        raise NotFound(gettext("该版本不存在"))
    return _frozen(snapshot)


def may_see_unit(user, unit_id: int) -> bool:
    role = role_of(user)
    if role in (Role.ADMIN, *RANKING_ROLES):
        return True
    unit = unit_of(user)
    return role == Role.UNIT_STAFF and unit is not None and unit.pk == unit_id


def require_unit_access(user, unit_id: int) -> Unit:
    """The unit, if this user may see its figures: the center's readers, or its own staff."""
    if role_of(user) is None:
        raise NotAllowed(gettext("请先登录"))
    if not may_see_unit(user, unit_id):
        raise NotAllowed(gettext("只能查看本单位的考核情况"))
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise NotFound(gettext("单位不存在"))
    return unit


def unit_month(*, user, month: date, unit_id: int, now=None) -> tuple[MonthView, UnitFigures]:
    unit = require_unit_access(user, unit_id)
    view = month_view_for(month, now=now)
    figures = view.unit(unit.pk) or UnitFigures(
        unit_id=unit.pk, unit_name=unit.name, kind=unit.kind
    )
    return view, figures


def recent_months(*, count: int = 12, now: datetime | None = None) -> list[date]:
    latest = current_month(now)
    return [add_months(latest, -offset) for offset in range(count)]


def city_trend(*, user, months: int = 12, live: MonthView | None = None) -> list[dict]:
    """City-wide rates per closed month (oldest first), plus ``live`` when given."""
    require_role(user, *RANKING_ROLES)
    snapshots = list(MonthlySnapshot.objects.filter(is_current=True).order_by("-month")[:months])
    points = [{"month": s.month, **s.totals, "live": False} for s in reversed(snapshots)]
    if live is not None and live.live:
        points = [p for p in points if p["month"] != live.period.month]
        points.append({"month": live.period.month, **live.totals, "live": True})
        points = points[-months:]
    return points


def unit_trend(*, user, unit_id: int, months: int = 12) -> list[dict]:
    require_unit_access(user, unit_id)
    rows = (
        UnitMonthScore.objects.filter(unit_id=unit_id, snapshot__is_current=True)
        .select_related("snapshot")
        .order_by("-snapshot__month")[:months]
    )
    return [
        {
            "month": row.snapshot.month,
            "response_rate": row.response_rate,
            "resolution_rate": row.resolution_rate,
            "satisfaction_rate": row.satisfaction_rate,
            "composite": row.composite,
            "rank": row.rank,
        }
        for row in reversed(list(rows))
    ]


# --- the tickets behind a figure ------------------------------------------------------------------

# figure → (label, what it lists)
FIGURES = {
    "finished": _("完成回访"),
    "valid": _("有效回访"),
    "responded": _("已联系"),
    "not_responded": _("未联系"),
    "solved": _("已解决"),
    "not_solved": _("未解决"),
    "satisfied": _("满意"),
    "basically_satisfied": _("基本满意"),
    "dissatisfied": _("不满意"),
    "not_satisfied": _("基本满意和不满意"),
    "lost_points": _("失分工单"),
    "unreached": _("未联系上"),
    "refused": _("拒绝评价"),
    "unreachable": _("联系不上"),
    "wrong_number": _("号码错误"),
    "anonymous": _("匿名"),
    "confidential": _("保密"),
    "exempt": _("免考核"),
    "red_lights": _("红灯工单"),
    "reopens": _("重办"),
    "proactive": _("主动治理"),
    "presses": _("区政府督促"),
    "volume": _("诉求量"),
}
TICKET_FIGURES = {"red_lights", "reopens", "proactive", "presses", "volume"}
TICKET_FIGURE_EVENTS = {
    "red_lights": EventKind.LIGHT_RED,
    "reopens": EventKind.REOPENED,
    "presses": EventKind.PRESSED,
}


def _figure_filter(figure: str, rule_values: dict) -> Q:
    answered = Q(result=R.ANSWERED)
    contacted = Q(contacted=True)
    if rule_values.get("response_on_time"):
        contacted &= Q(contacted_on_time=True)
    return {
        "finished": Q(),
        "valid": answered,
        "responded": answered & contacted,
        "not_responded": answered & ~contacted,
        "solved": answered & Q(solved=True),
        "not_solved": answered & Q(solved=False),
        "satisfied": answered & Q(satisfaction=Satisfaction.SATISFIED),
        "basically_satisfied": answered & Q(satisfaction=Satisfaction.BASICALLY_SATISFIED),
        "dissatisfied": answered & Q(satisfaction=Satisfaction.DISSATISFIED),
        "not_satisfied": answered & ~Q(satisfaction=Satisfaction.SATISFIED),
        "lost_points": answered & (~contacted | Q(solved=False) | ~Q(satisfaction="satisfied")),
        "unreached": Q(result__in=[R.UNREACHABLE, R.WRONG_NUMBER]),
        "refused": Q(result=R.REFUSED),
        "unreachable": Q(result=R.UNREACHABLE),
        "wrong_number": Q(result=R.WRONG_NUMBER),
        "anonymous": Q(result=R.ANONYMOUS),
        "confidential": Q(confidential=True),
        "exempt": Q(),
    }[figure]


@dataclass
class DrillDown:
    view: MonthView
    unit: Unit
    figure: str
    label: str
    follow_ups: QuerySet | None = None
    tickets: QuerySet | None = None


def drill_down(*, user, month: date, unit_id: int, figure: str, now=None) -> DrillDown:
    """The follow-ups (or tickets) behind one figure of one unit in one month, as they were
    counted: a closed month uses its snapshot's period, rule and closing time for exemptions."""
    unit = require_unit_access(user, unit_id)
    if figure not in FIGURES:
        raise NotFound(gettext("没有这项指标"))
    view = month_view_for(month, now=now)
    period, rules = view.period, view.rule_values
    as_of = view.snapshot.closed_at if view.snapshot else view.computed_at
    result = DrillDown(view=view, unit=unit, figure=figure, label=FIGURES[figure])
    if figure in TICKET_FIGURES:
        result.tickets = _ticket_figure(figure, unit, period)
        return result
    scores = Q(unit_id=unit.pk)
    if rules.get("assist_scoring") == "shared":
        scores |= Q(assist_units=unit)
    queryset = FollowUp.objects.filter(
        scores, finished_at__gte=period.start, finished_at__lt=period.end
    )
    exempt = Exists(
        Exemption.objects.filter(
            ticket_id=OuterRef("ticket_id"),
            unit_id=unit.pk,
            status=RequestStatus.APPROVED,
            decided_at__lte=as_of,
        )
    )
    queryset = queryset.filter(exempt) if figure == "exempt" else queryset.filter(~exempt)
    result.follow_ups = (
        queryset.filter(_figure_filter(figure, rules))
        .distinct()
        .select_related("ticket", "unit")
        .order_by("-finished_at", "-id")
    )
    return result


def _ticket_figure(figure: str, unit: Unit, period: Period) -> QuerySet[Ticket]:
    if figure == "volume":
        if unit.region_id is None:
            return Ticket.objects.none()
        regions = _region_subtree(unit.region_id)
        return (
            Ticket.objects.filter(
                region_id__in=regions,
                registered_at__gte=period.start,
                registered_at__lt=period.end,
            )
            .exclude(status=Status.INVALID)
            .exclude(channel=Channel.PROACTIVE)
            .select_related("category", "region")
            .order_by("-registered_at", "-pk")
        )
    if figure == "proactive":
        # As scoring.proactive_counts counts them.
        return (
            Ticket.objects.filter(
                channel=Channel.PROACTIVE,
                resolved_at__gte=period.start,
                resolved_at__lt=period.end,
                assignments__active=True,
                assignments__role=Assignment.Role.LEAD,
                assignments__unit_id=unit.pk,
            )
            .distinct()
            .select_related("category", "region")
            .order_by("-resolved_at", "-pk")
        )
    kind = TICKET_FIGURE_EVENTS[figure]
    events = TicketEvent.objects.filter(
        ticket_id=OuterRef("pk"),
        kind=kind,
        unit_id=unit.pk,
        created_at__gte=period.start,
        created_at__lt=period.end,
    )
    return (
        Ticket.objects.filter(Exists(events))
        .select_related("category", "region")
        .order_by("-registered_at", "-pk")
    )


def _region_subtree(region_id: int) -> list[int]:
    children: dict[int | None, list[int]] = {}
    for pk, parent in Region.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, stack = [], [region_id]
    while stack:
        node = stack.pop()
        found.append(node)
        stack.extend(children.get(node, []))
    return found


# --- exemptions ----------------------------------------------------------------------------------


def exemption_list(*, user, status: str = "") -> QuerySet[Exemption]:
    role = require_role(user, *EXEMPTION_READERS)
    queryset = Exemption.objects.select_related("ticket", "unit", "requested_by", "decided_by")
    if role == Role.UNIT_STAFF:
        queryset = queryset.filter(unit=unit_of(user))
    if status:
        if status not in RequestStatus.values:
            raise InvalidInput(gettext("状态无效"), fields={"status": [status]})
        queryset = queryset.filter(status=status)
    order = ["requested_at", "id"] if status == RequestStatus.PENDING else ["-requested_at", "-id"]
    return queryset.order_by(*order)


def exemptions_of_ticket(ticket: Ticket) -> QuerySet[Exemption]:
    return ticket.exemptions.select_related("unit", "decided_by").order_by("requested_at")


def tickets_scored_for(units: QuerySet[Unit]) -> QuerySet:
    """The tickets whose follow-ups score one of ``units`` (as lead, or assisting): registered
    with workorders.access, they stay visible in full after the unit's assignment ended, for the
    drill-down behind its figures and its exemption requests."""
    return FollowUp.objects.filter(Q(unit__in=units) | Q(assist_units__in=units)).values(
        "ticket_id"
    )


def unit_tickets_for_exemption(*, user, ticket_id: int) -> Ticket:
    """A ticket the user's unit handled (any assignment), for the exemption request form."""
    unit = unit_of(user)
    if role_of(user) != Role.UNIT_STAFF or unit is None:
        raise NotAllowed(gettext("仅承办单位可申请免考核"))
    ticket = (
        Ticket.objects.filter(pk=ticket_id)
        .filter(Exists(Assignment.objects.filter(ticket_id=OuterRef("pk"), unit=unit)))
        .first()
    )
    if ticket is None:
        raise NotFound(gettext("工单不存在或不是贵单位办理的"))
    return ticket
