"""Evaluation months (考核月) and the rule valid for each.

A month is named by its first day (``date(2026, 3, 1)`` is "2026-03"). With the rule's cut-off day
1 it is the calendar month; with cut-off day 19 the month named March runs from February 19,
00:00 to March 19, 00:00 (the 19th to the 18th, as some districts count). Each month ends where
its own rule puts it and starts where the previous month ended, so a change of cut-off day
between two rule versions leaves neither a gap nor an overlap. Times are local (TIME_ZONE).
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time

from django.utils import timezone
from django.utils.translation import gettext

from evaluation.models import EvaluationRule
from hotline.lib.errors import InvalidInput

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    month: date  # the first day of the month it is named after
    start: datetime  # inclusive, aware
    end: datetime  # exclusive, aware
    rule: EvaluationRule

    @property
    def label(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def last_day(self) -> date:
        """The last calendar day inside the period (for "2 月 19 日至 3 月 18 日")."""
        return date.fromordinal(timezone.localtime(self.end).date().toordinal() - 1)

    @property
    def first_day(self) -> date:
        return timezone.localtime(self.start).date()


# The months anyone may ask for. The bounds keep every neighbouring month the pages and
# selectors compute (the year before, the month after) inside what ``date`` can hold.
FIRST_MONTH = date(2000, 1, 1)
LAST_MONTH = date(2099, 12, 1)


def parse_month(value: str) -> date:
    match = MONTH_PATTERN.match((value or "").strip())
    if match is None or not 1 <= int(match[2]) <= 12:
        message = gettext("月份格式应为 YYYY-MM，例如 2026-03")
        raise InvalidInput(message, fields={"month": [message]})
    month = date(max(int(match[1]), 1), int(match[2]), 1)
    if not FIRST_MONTH <= month <= LAST_MONTH:
        message = gettext("月份应在 %(first)s 至 %(last)s 之间") % {
            "first": f"{FIRST_MONTH:%Y-%m}",
            "last": f"{LAST_MONTH:%Y-%m}",
        }
        raise InvalidInput(message, fields={"month": [message]})
    return month


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def rule_for(month: date) -> EvaluationRule:
    """The rule version valid for ``month``: the latest one starting on or before it. Without
    any row (a database before migration 0002) DESIGN.md's defaults, unsaved."""
    rule = EvaluationRule.objects.filter(valid_from__lte=month).order_by("-valid_from").first()
    return rule or EvaluationRule(valid_from=date(2000, 1, 1))


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _end_date(month: date, cutoff_day: int) -> date:
    """The day (exclusive) the month named ``month`` ends under a rule with ``cutoff_day``."""
    if cutoff_day <= 1:
        return add_months(month, 1)
    return month.replace(day=cutoff_day)


def period_for(month: date) -> Period:
    month = month.replace(day=1)
    rule = rule_for(month)
    previous = add_months(month, -1)
    start = _end_date(previous, rule_for(previous).cutoff_day)
    end = _end_date(month, rule.cutoff_day)
    return Period(month=month, start=_midnight(start), end=_midnight(max(start, end)), rule=rule)


def month_of(moment: datetime) -> date:
    """The month whose period contains ``moment``."""
    local = timezone.localtime(moment).date()
    month = local.replace(day=1)
    for _ in range(3):
        period = period_for(month)
        if moment < period.start:
            month = add_months(month, -1)
        elif moment >= period.end:
            month = add_months(month, 1)
        else:
            return month
    return month


def current_month(now: datetime | None = None) -> date:
    return month_of(now or timezone.now())
