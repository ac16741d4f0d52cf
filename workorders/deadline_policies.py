"""Due times of a ticket, from the deadline policies and the working-day calendar.

``due_times()`` is what ticket_dispatch and ticket_reopen store on the ticket: the three due times
(accept, contact, resolve) and the moment each turns yellow. The light is derived from these in
queries (workorders/lights.py). Everything here computes; nothing writes.

Which policy applies (``policy_for``): an urgency-specific policy wins over an any-urgency one,
and within each the nearest category (the ticket's, then its ancestors', then the default with no
category). Urgency comes first on purpose: an emergency (a gas leak) must keep the 2-hour
emergency rule even in a category whose any-urgency policy allows 15 days.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from workorders import workdays
from workorders.models import Category, DeadlinePolicy, TimeUnit, Urgency
from workorders.models.clock import WORKING_UNITS

U = TimeUnit


@dataclass(frozen=True)
class Rule:
    amount: Decimal
    unit: str


@dataclass(frozen=True)
class Policy:
    accept: Rule
    contact: Rule
    resolve: Rule
    follow_up: Rule
    yellow_share: Decimal | None = None
    warning_hours: Decimal | None = None
    policy_id: int | None = None


def _rule(amount, unit) -> Rule:
    return Rule(Decimal(str(amount)), unit)


# DESIGN.md's defaults; the data migration seeds the same as editable rows. These apply only when
# no active policy matches at all (e.g. an administrator deactivated the defaults).
FALLBACK: dict[str, Policy] = {
    Urgency.EMERGENCY: Policy(
        accept=_rule("0.5", U.CALENDAR_HOURS),
        contact=_rule(2, U.CALENDAR_HOURS),
        resolve=_rule(2, U.CALENDAR_HOURS),
        follow_up=_rule(1, U.WORKING_DAYS),
    ),
    Urgency.URGENT: Policy(
        accept=_rule(2, U.CALENDAR_HOURS),
        contact=_rule(12, U.CALENDAR_HOURS),
        resolve=_rule(24, U.CALENDAR_HOURS),
        follow_up=_rule(3, U.WORKING_DAYS),
    ),
    Urgency.NORMAL: Policy(
        accept=_rule(2, U.WORKING_HOURS),
        contact=_rule(24, U.CALENDAR_HOURS),
        resolve=_rule(7, U.CALENDAR_DAYS),
        follow_up=_rule(5, U.WORKING_DAYS),
    ),
}


def _from_row(row: DeadlinePolicy) -> Policy:
    return Policy(
        accept=_rule(row.accept_within, row.accept_unit),
        contact=_rule(row.contact_within, row.contact_unit),
        resolve=_rule(row.resolve_within, row.resolve_unit),
        follow_up=_rule(row.follow_up_within, row.follow_up_unit),
        yellow_share=row.yellow_share,
        warning_hours=row.warning_hours,
        policy_id=row.pk,
    )


def _category_chain(category: Category | None) -> list[int]:
    chain, node = [], category
    while node is not None:
        chain.append(node.pk)
        node = node.parent
    return chain


def policy_for(*, urgency: str, category: Category | None = None) -> Policy:
    """The most specific active policy for this category and urgency (see the module doc)."""
    chain = _category_chain(category)
    rows = DeadlinePolicy.objects.filter(is_active=True, urgency__in=[urgency, ""]).filter(
        Q(category_id__in=chain) | Q(category__isnull=True)
    )

    def precedence(row: DeadlinePolicy) -> tuple[int, int]:
        depth = chain.index(row.category_id) if row.category_id else len(chain)
        return (0 if row.urgency else 1, depth)

    best = min(rows, key=precedence, default=None)
    if best is not None:
        return _from_row(best)
    return FALLBACK.get(urgency, FALLBACK[Urgency.NORMAL])


def _due(rule: Rule, start: datetime, calendar: workdays.WorkCalendar) -> datetime:
    if rule.unit == U.CALENDAR_HOURS:
        return start + timedelta(hours=float(rule.amount))
    if rule.unit == U.CALENDAR_DAYS:
        return start + timedelta(days=int(rule.amount))
    if rule.unit == U.WORKING_HOURS:
        return calendar.add_working_seconds(start, float(rule.amount) * 3600)
    if rule.unit == U.WORKING_DAYS:
        return calendar.add_working_days(start, int(rule.amount))
    raise ValueError(f"unknown time unit {rule.unit!r}")


def _warn(
    rule: Rule, start: datetime, due: datetime, policy: Policy, calendar: workdays.WorkCalendar
) -> datetime:
    """When the light turns yellow: the share of the allowed time used, or the fixed window
    before the due time, whichever comes first; counted in the same kind of time as the rule
    (80 % of two working hours is 96 office minutes, not 80 % of a weekend)."""
    share = float(policy.yellow_share or settings.DEADLINE_YELLOW_SHARE)
    window = float(policy.warning_hours) * 3600 if policy.warning_hours else None
    if rule.unit in WORKING_UNITS:
        total = calendar.working_seconds_between(start, due)
        elapsed = total * share
        if window is not None:
            elapsed = min(elapsed, max(total - window, 0))
        return min(calendar.add_working_seconds(start, elapsed), due)
    total = (due - start).total_seconds()
    elapsed = total * share
    if window is not None:
        elapsed = min(elapsed, max(total - window, 0))
    return start + timedelta(seconds=elapsed)


def deadline(
    rule: Rule, *, start: datetime, policy: Policy, calendar: workdays.WorkCalendar | None = None
) -> tuple[datetime, datetime]:
    """(due, warn) of one rule counted from ``start``."""
    calendar = calendar or workdays.get_calendar()
    due = _due(rule, start, calendar)
    return due, _warn(rule, start, due, policy, calendar)


def due_times(*, urgency: str, start: datetime, category: Category | None = None) -> dict:
    """Ticket fields to store when the clock (re)starts at ``start``: dispatch and reopen.

    The caller also restarts the sweep's bookkeeping with
    workorders.services.deadline_sweep.light_state_restart(ticket_id=…, times=<these fields>).
    """
    policy = policy_for(urgency=urgency, category=category)
    calendar = workdays.get_calendar()
    fields: dict = {}
    for kind in ("accept", "contact", "resolve"):
        due, warn = deadline(getattr(policy, kind), start=start, policy=policy, calendar=calendar)
        fields[f"{kind}_due_at"], fields[f"{kind}_warn_at"] = due, warn
    fields["paused_at"] = None
    fields["follow_up_due_at"] = None
    return fields


def dispatch_due_times(*, urgency: str, start: datetime) -> dict:
    """Ticket fields to store when a ticket starts waiting for the center (registered, back in
    triage): the dispatch step's own deadline. Emergencies get DISPATCH_DUE_EMERGENCY_MINUTES of
    calendar time (a gas leak does not wait for office hours), everything else
    DISPATCH_DUE_WORKING_HOURS of working time; yellow at the usual share of it.

    The caller restarts the sweep's bookkeeping with
    workorders.services.deadline_sweep.light_state_dispatch(ticket_id=…, times=<these fields>).
    """
    if urgency == Urgency.EMERGENCY:
        rule = _rule(Decimal(settings.DISPATCH_DUE_EMERGENCY_MINUTES) / 60, U.CALENDAR_HOURS)
    else:
        rule = _rule(settings.DISPATCH_DUE_WORKING_HOURS, U.WORKING_HOURS)
    policy = Policy(accept=rule, contact=rule, resolve=rule, follow_up=rule)
    due, warn = deadline(rule, start=start, policy=policy)
    # A pause belongs to a unit's clock: a ticket back with the center is not paused.
    return {"dispatch_due_at": due, "dispatch_warn_at": warn, "paused_at": None}


def first_warning(times: dict) -> datetime:
    """The earliest yellow moment among due_times()' fields: when the sweep first looks."""
    return min(times[f"{kind}_warn_at"] for kind in ("accept", "contact", "resolve"))


def follow_up_due_at(*, urgency: str, start: datetime, category: Category | None = None):
    """When the follow-up call is due, counted from the resolution."""
    policy = policy_for(urgency=urgency, category=category)
    return _due(policy.follow_up, start, workdays.get_calendar())


def resolve_extended(
    *, urgency: str, category: Category | None, new_due: datetime, now: datetime
) -> dict:
    """Ticket fields for an approved extension: the new due time with its own yellow moment
    (the extension is a new span, warned like any other). The caller resets the recorded resolve
    light (light_state_recheck(…, reset=["resolve"])) so a later red is recorded again."""
    policy = policy_for(urgency=urgency, category=category)
    warn = _warn(policy.resolve, now, new_due, policy, workdays.get_calendar())
    return {"resolve_due_at": new_due, "resolve_warn_at": min(warn, new_due)}
