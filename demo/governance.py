"""The demo's proactive work and 每月一题, made through the analysis services like everything
else: a proactive work order raised from a cluster of the demo's requests (several open
tickets of one category in one street) and resolved, one still being handled, and a monthly
topic for the current month on the demo's most frequent problem, with its problem list."""

from collections import Counter, defaultdict

from django.utils import timezone

from analysis.proactive.services import proactive_create
from analysis.topics.services import problem_add, problem_update, topic_create
from demo.city import City
from evaluation.services import follow_up_open
from workorders import registry
from workorders.models import Assignment, Channel, Region, Ticket
from workorders.services.visits import ticket_record_field_visit


def _clusters() -> list[list[Ticket]]:
    """Groups of tickets about one category in one street (or below), biggest first: what the
    hotspots part calls a cluster, made simple for the demo."""
    regions = dict(Region.objects.values_list("pk", "parent_id"))
    levels = dict(Region.objects.values_list("pk", "level"))

    def street(region_id):
        node = region_id
        while node is not None and levels.get(node, 0) > Region.Level.STREET:
            node = regions.get(node)
        return node if levels.get(node) == Region.Level.STREET else None

    groups: dict[tuple, list[Ticket]] = defaultdict(list)
    tickets = (
        Ticket.objects.exclude(channel=Channel.PROACTIVE)
        .filter(category__isnull=False, region__isnull=False)
        .exclude(status__in=["invalid", "merged", "registered", "triage"])
        .order_by("-registered_at")
    )
    for ticket in tickets:
        place = street(ticket.region_id)
        if place is not None:
            groups[(ticket.category_id, place)].append(ticket)
    return sorted((g for g in groups.values() if len(g) >= 2), key=len, reverse=True)


def _lead_unit(tickets: list[Ticket]):
    leads = Counter(
        a.unit
        for a in Assignment.objects.filter(
            ticket__in=tickets, active=True, role=Assignment.Role.LEAD
        ).select_related("unit")
    )
    return leads.most_common(1)[0][0] if leads else None


def _resolve(ticket: Ticket, staff) -> None:
    """Through the registered actions, as the unit's page does: the resolution's listener puts
    the reply on every linked request's timeline."""
    for name, data in (
        ("accept", {}),
        ("contact", {"note": "已到现场核查，确认问题点位"}),
        (
            "resolve",
            {"reply": "已对该片区集中排查整治，问题点位全部处理完毕，并建立定期巡查机制。"},
        ),
    ):
        if name == "resolve":
            # Some categories are resolved only after a field visit; a proactive order is
            # worked on the spot anyway.
            ticket_record_field_visit(
                ticket_id=ticket.pk,
                actor=staff,
                visited_at=timezone.now(),
                visitors="片区网格员",
                findings="现场逐一核查了市民反映的问题点位，并拍照留存。",
            )
        action = registry.ticket_action(name)
        registry.run_action_service(action, ticket_id=ticket.pk, actor=staff, data=data, raw=data)


def governance_seed(*, city: City) -> str:
    dispatcher, leader = city.users["dispatcher"], city.users["leader"]
    clusters = _clusters()
    orders = 0
    for index, cluster in enumerate(clusters[:2]):
        sources = cluster[:8]
        lead = _lead_unit(sources)
        if lead is None:
            continue
        sample = sources[0]
        order = proactive_create(
            actor=dispatcher,
            tickets=[t.number for t in sources],
            title=f"主动治理：{sample.region.parent.name if sample.region.parent else sample.region.name}"
            f"{sample.category.name}集中整治"[:100],
            content=f"{len(sources)} 件诉求反映同一问题，请对该片区主动排查，从根本上解决。",
            category=sample.category_id,
            region=sample.region_id,
            unit=lead.pk,
            address=sample.address,
        )
        orders += 1
        staff = city.staff.get(lead.pk)
        if index == 0 and staff is not None:
            _resolve(order, staff)
            follow_up_open(ticket_id=order.pk)  # what the survey task does: it closes
    topic_count = 0
    top = Counter(
        Ticket.objects.exclude(channel=Channel.PROACTIVE)
        .filter(category__isnull=False)
        .values_list("category_id", flat=True)
    ).most_common(1)
    if top:
        category_id = top[0][0]
        tickets = list(Ticket.objects.filter(category_id=category_id)[:50])
        lead = _lead_unit(tickets)
        if lead is not None:
            today = timezone.localdate()
            others = [u for u in {_lead_unit([t]) for t in tickets} if u and u.pk != lead.pk]
            topic = topic_create(
                actor=leader,
                month=f"{today:%Y-%m}",
                title=f"每月一题：{tickets[0].category.name}",
                description="本月群众反映最集中的问题，由牵头单位会同配合单位从根本上解决。",
                categories=[category_id],
                lead_unit=lead.pk,
                assist_units=[u.pk for u in others[:3]],
                goal="本月内完成问题清单，相关诉求量较此前下降三成。",
                target_reduction=30,
            )
            first = problem_add(
                actor=leader,
                topic_id=topic.pk,
                title="摸排全部问题点位，建立台账",
                owner_unit=lead.pk,
            )
            problem_update(
                actor=leader,
                topic_id=topic.pk,
                problem_id=first.pk,
                status="in_progress",
                note="已完成一半点位摸排",
            )
            owner = others[0] if others else lead
            problem_add(
                actor=leader,
                topic_id=topic.pk,
                title="建立长效巡查机制",
                owner_unit=owner.pk,
            )
            topic_count = 1
    return f"{orders} proactive work orders, {topic_count} monthly topic"
