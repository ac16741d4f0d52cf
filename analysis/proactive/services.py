"""Raising a proactive work order (主动治理工单) from the requests behind a hotspot or cluster,
and reporting its resolution back on each of them.

The order is an ordinary ticket of channel "proactive", registered and dispatched through
workorders.services in one transaction: the deadlines, lights, assignments and notices are the
normal ones. It has no citizen; on resolution it closes without a follow-up round
(evaluation.services.follow_up_open), and ``report_resolution`` (an action listener of
"resolve") puts the reply on every linked request's public timeline.
"""

from collections import Counter

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from analysis.models import ProactiveLink
from hotline.lib.errors import InvalidInput
from workorders import services as ticket_services
from workorders.access import require_role, tickets_visible_to
from workorders.models import (
    Category,
    Channel,
    EventKind,
    Region,
    Role,
    Ticket,
    Unit,
    Urgency,
)
from workorders.registry import register_action_listener
from workorders.transitions import record_event

# Who raises proactive work orders: the dispatchers (administrators may do everything).
PROACTIVE_CREATORS = (Role.DISPATCHER,)
# Who sees the list of proactive work orders.
PROACTIVE_READERS = (Role.DISPATCHER, Role.LEADER)
# One order gathers a cluster or a hotspot cell's requests, not a month of a whole category.
MAX_SOURCES = 500


def parse_numbers(value) -> list[str]:
    """Ticket numbers from a list, or a comma-separated string (the page's ?tickets=)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple):
        return []
    numbers = []
    for item in value:
        number = str(item).strip()
        if number and number not in numbers:
            numbers.append(number)
    return numbers


def _sources(actor, numbers: list[str], errors: dict) -> list[Ticket]:
    if not numbers:
        errors["tickets"] = [_("请至少选择一张来源工单")]
        return []
    if len(numbers) > MAX_SOURCES:
        errors["tickets"] = [_("来源工单不能超过 %(max)s 张") % {"max": MAX_SOURCES}]
        return []
    found = {t.number: t for t in tickets_visible_to(actor).filter(number__in=numbers)}
    # Unknown and invisible numbers get the same message: the form must not reveal tickets.
    missing = [number for number in numbers if number not in found]
    if missing:
        errors["tickets"] = [
            _("工单不存在或无权查看：%(numbers)s") % {"numbers": "、".join(missing[:20])}
        ]
        return []
    proactive = [n for n in numbers if found[n].channel == Channel.PROACTIVE]
    if proactive:
        errors["tickets"] = [
            _("主动治理工单不能作为来源：%(numbers)s") % {"numbers": "、".join(proactive)}
        ]
        return []
    return [found[number] for number in numbers]


def _by_id(model, value, field: str, errors: dict, *, label: str, required: bool = True):
    if value in (None, ""):
        if required:
            errors[field] = [_("请选择%(label)s") % {"label": label}]
        return None
    try:
        found = model.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        found = None
    if found is None or (hasattr(found, "is_active") and not found.is_active):
        errors[field] = [_("%(label)s不存在或已停用") % {"label": label}]
        return None
    return found


def _text(value, field: str, errors: dict, *, label: str, minimum: int, maximum: int) -> str:
    value = str(value or "").strip()
    if not minimum <= len(value) <= maximum:
        errors[field] = [
            _("请填写%(label)s（%(minimum)s 到 %(maximum)s 字）")
            % {"label": label, "minimum": minimum, "maximum": maximum, "field": field}
        ]
    return value


def proactive_create(
    *,
    actor,
    tickets,
    title: str,
    content: str,
    category,
    region,
    unit,
    assist_units=(),
    urgency: str = "",
    address: str = "",
) -> Ticket:
    """Raise a proactive work order from ``tickets`` (numbers) and dispatch it to ``unit`` (ids
    for category, region, unit and assist_units, as the API and the form send them).

    Every input is checked first and all errors are reported together; then registration,
    dispatch, the links and the timeline events are one transaction: nothing half-written.
    """
    require_role(actor, *PROACTIVE_CREATORS)
    errors: dict[str, list[str]] = {}
    sources = _sources(actor, parse_numbers(tickets), errors)
    title = _text(title, "title", errors, label=_("标题"), minimum=2, maximum=100)
    content = _text(content, "content", errors, label=_("工作内容"), minimum=5, maximum=5000)
    address = _text(address, "address", errors, label=_("地址"), minimum=0, maximum=200)
    category = _by_id(Category, category, "category", errors, label=_("诉求分类"))
    region = _by_id(Region, region, "region", errors, label=_("区域"))
    lead = _by_id(Unit, unit, "unit", errors, label=_("主办单位"))
    assists = []
    for value in assist_units or ():
        found = _by_id(Unit, value, "assist_units", errors, label=_("协办单位"))
        if found is not None and (lead is None or found.pk != lead.pk):
            assists.append(found)
    if urgency and urgency not in Urgency.values:
        errors["urgency"] = [_("紧急程度无效")]
    if errors:
        raise InvalidInput(_("提交的内容有误，请检查后重试"), fields=errors)

    with transaction.atomic():
        ticket = ticket_services.ticket_register(
            channel=Channel.PROACTIVE,
            title=title,
            content=content,
            address=address,
            urgency=urgency or Urgency.NORMAL,
            actor=actor,
        )
        ticket_services.ticket_dispatch(
            ticket_id=ticket.pk,
            actor=actor,
            lead_unit=lead,
            assist_units=assists,
            category=category,
            region=region,
            urgency=urgency or Urgency.NORMAL,
            reason=_("主动治理：由 %(count)s 件诉求发起") % {"count": len(sources)},
        )
        now = timezone.now()
        ProactiveLink.objects.bulk_create(
            [
                ProactiveLink(proactive=ticket, source=source, created_at=now, created_by=actor)
                for source in sources
            ]
        )
        record_event(
            ticket=ticket,
            kind=EventKind.PROACTIVE_LINKED,
            actor=actor,
            data={"sources": [source.number for source in sources]},
            at=now,
        )
        for source in sources:
            # Public: the citizen learns that the problem is being handled at the root.
            record_event(
                ticket=source,
                kind=EventKind.PROACTIVE_LINKED,
                actor=actor,
                unit=lead,
                reason=_("您反映的问题已纳入主动治理，由%(unit)s统一办理") % {"unit": lead.name},
                data={"proactive": ticket.number},
                public=True,
                at=now,
            )
    ticket.refresh_from_db()
    return ticket


def report_resolution(*, ticket_id: int, actor, data=None) -> None:
    """Listener of the "resolve" action: a resolved proactive order's reply goes on every linked
    request's public timeline, in the resolution's transaction."""
    ticket = Ticket.objects.filter(pk=ticket_id, channel=Channel.PROACTIVE).first()
    if ticket is None:
        return
    lead = ticket.lead_assignment
    now = timezone.now()
    links = ProactiveLink.objects.filter(proactive=ticket).select_related("source")
    for link in links:
        record_event(
            ticket=link.source,
            kind=EventKind.PROACTIVE_RESOLVED,
            actor=actor,
            unit=lead.unit if lead else None,
            reason=ticket.reply,
            data={"proactive": ticket.number},
            public=True,
            at=now,
        )


def prefill(*, actor, numbers: list[str]) -> dict:
    """What the new-order form starts with, from the requests behind it: the most frequent
    category and region, a title naming them, and the lead unit the tickets went to most."""
    require_role(actor, *PROACTIVE_CREATORS)
    sources = list(
        tickets_visible_to(actor)
        .filter(number__in=numbers)
        .exclude(channel=Channel.PROACTIVE)
        .select_related("category", "region")
        .prefetch_related("assignments")
    )
    if not sources:
        return {"sources": []}
    categories = Counter(t.category for t in sources if t.category)
    regions = Counter(t.region for t in sources if t.region)
    units = Counter(
        a.unit_id for t in sources for a in t.assignments.all() if a.active and a.role == "lead"
    )
    category = categories.most_common(1)[0][0] if categories else None
    region = regions.most_common(1)[0][0] if regions else None
    words = " ".join(str(part.name) for part in (region, category) if part is not None)
    title = _("主动治理：%(what)s") % {"what": words or sources[0].title}
    content = _("%(count)s 件诉求反映同一问题，请主动排查、从根本上解决：") % {
        "count": len(sources)
    } + "；".join(t.title for t in sources[:10])
    addresses = Counter(t.address for t in sources if t.address)
    return {
        "sources": sources,
        "title": title[:100],
        "content": content[:5000],
        "category": category.pk if category else None,
        "region": region.pk if region else None,
        "unit": units.most_common(1)[0][0] if units else None,
        "address": addresses.most_common(1)[0][0] if addresses else "",
    }


def register() -> None:
    register_action_listener("resolve", report_resolution)
