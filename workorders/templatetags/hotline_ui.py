"""Small formatting filters shared by the pages."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import ngettext, pgettext

from workorders.models import RequestType

register = template.Library()

MINUTE, HOUR, DAY = 60, 3600, 86400
# Up to this many days a length reads in days ("52 天"): staff count deadlines in days.
DAYS_ONLY_UNTIL = 60


def _alone(unit: str, count: int) -> str:
    """One unit on its own: "52 天", "3 小时"."""
    texts = {
        "year": ngettext("%(count)d 年", "%(count)d 年", count),
        "month": ngettext("%(count)d 个月", "%(count)d 个月", count),
        "day": ngettext("%(count)d 天", "%(count)d 天", count),
        "hour": ngettext("%(count)d 小时", "%(count)d 小时", count),
        "minute": ngettext("%(count)d 分钟", "%(count)d 分钟", count),
    }
    return texts[unit] % {"count": count}


def _joined(unit: str, count: int) -> str:
    """One unit inside a pair, which Chinese writes without spaces: "1个月3周"."""
    texts = {
        "year": ngettext("%(count)d年", "%(count)d年", count),
        "month": ngettext("%(count)d个月", "%(count)d个月", count),
        "week": ngettext("%(count)d周", "%(count)d周", count),
        "day": ngettext("%(count)d天", "%(count)d天", count),
        "hour": ngettext("%(count)d小时", "%(count)d小时", count),
        "minute": ngettext("%(count)d分钟", "%(count)d分钟", count),
    }
    return texts[unit] % {"count": count}


def _pair(larger: tuple[str, int], smaller: tuple[str, int]) -> str:
    if not smaller[1]:
        return _alone(*larger)
    return pgettext("a length of time", "%(larger)s%(smaller)s") % {
        "larger": _joined(*larger),
        "smaller": _joined(*smaller),
    }


def natural_duration(length: timedelta) -> str:
    """A length of time as people say it: "3 小时", "2天5小时", "52 天", "1个月3周", "1年2个月".

    Django's timesince reads "1 月，3 周" in Chinese, which looks like January.
    """
    seconds = abs(int(length.total_seconds()))
    days, rest = divmod(seconds, DAY)
    if seconds < MINUTE:
        return pgettext("a length of time", "不到 1 分钟")
    if seconds < HOUR:
        return _alone("minute", seconds // MINUTE)
    if days == 0:
        return _pair(("hour", rest // HOUR), ("minute", rest % HOUR // MINUTE))
    if days < 3:
        return _pair(("day", days), ("hour", rest // HOUR))
    if days < DAYS_ONLY_UNTIL:
        return _alone("day", days)
    if days < 365:
        return _pair(("month", days // 30), ("week", days % 30 // 7))
    return _pair(("year", days // 365), ("month", days % 365 // 30))


@register.filter
def duration(value, other=None):
    """The time between two moments, or a timedelta: {{ ticket.due_at|duration:now }}."""
    if isinstance(value, timedelta):
        return natural_duration(value)
    if not isinstance(value, datetime):
        return ""
    return natural_duration((other or timezone.now()) - value)


@register.filter
def priority_chip(ticket) -> str:
    """Why a row of a list ordered by priority is where it is ("紧急", "已超期 3 小时" …); "" on
    lists in another order."""
    if not hasattr(ticket, "priority_light"):
        return ""
    from workorders.selectors import priority_reason  # selectors use this module's durations

    return priority_reason(ticket)


@register.filter
def percent(value) -> str:
    try:
        return f"{float(value) * 100:.0f}%"
    except (TypeError, ValueError):
        return "—"


@register.filter
def request_type_label(value) -> str:
    """A RequestType value kept in an event's data, in the reader's language ("—" for none)."""
    return RequestType(value).label if value in RequestType.values else "—"


@register.filter
def isotime(value):
    """An ISO timestamp kept in an event's data, as a local datetime for the date filter."""
    parsed = parse_datetime(str(value or ""))
    if parsed is None:
        return value
    return timezone.localtime(parsed) if timezone.is_aware(parsed) else parsed
