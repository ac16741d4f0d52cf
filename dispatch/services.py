"""The worker's side of dispatch: classify a registered ticket, then dispatch it or send it to
triage; and the sweep that re-queues tickets the worker never saw."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.classification import get_classifier
from dispatch.routing import route_for
from hotline.lib.errors import Conflict
from workorders.models import EventKind, Status, Ticket, Unit
from workorders.services import enqueue_registered, ticket_dispatch, ticket_send_to_triage
from workorders.transitions import record_event

logger = logging.getLogger(__name__)

# The sweep touches at most this many tickets per run, so one run stays short even after a long
# outage; the next minute's run takes the rest.
REQUEUE_BATCH = 500


def ticket_auto_dispatch(*, ticket_id: int) -> str:
    """Classify and route; returns what happened: dispatched, triage or skipped."""
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None or ticket.status != Status.REGISTERED:
        return "skipped"  # already handled: tasks may be delivered more than once
    prediction = get_classifier().predict(
        title=ticket.title, content=ticket.content, address=ticket.address
    )
    suggestion = prediction.as_suggestion()
    urgency = ticket.urgency if ticket.suggestion.get("urgency_given") else prediction.urgency
    route = route_for(category=prediction.category, region=prediction.region)
    # Routing rules first; where none fits, the unit dispatchers chose for such tickets before.
    lead_unit, assist_units, unit_confidence, how = None, [], 0.0, ""
    if route is not None:
        lead_unit, assist_units, unit_confidence = route.lead_unit, route.assist_units, 1.0
        how = f"rule #{route.rule.pk}"
        suggestion["unit_source"] = "rule"
    elif prediction.units:
        unit_id, unit_confidence = prediction.units[0]
        lead_unit = Unit.objects.filter(pk=unit_id, is_active=True).first()
        how = f"history {unit_confidence:.2f}"
        suggestion["unit_source"] = "history"
    if lead_unit is not None:
        suggestion["lead_unit_id"] = lead_unit.pk
        suggestion["assist_unit_ids"] = [unit.pk for unit in assist_units]
    reasons = []
    if prediction.category is None:
        reasons.append(_("无法判断分类"))
    elif prediction.category_confidence < settings.AUTO_DISPATCH_THRESHOLD:
        reasons.append(f"分类置信度低 ({prediction.category_confidence:.2f})")
    if lead_unit is None:
        reasons.append(_("无匹配的派单规则"))
    elif unit_confidence < settings.AUTO_DISPATCH_THRESHOLD:
        reasons.append(
            _("历史派单单位不确定") % {"unit_confidence": format(unit_confidence, ".2f")}
        )
    try:
        if reasons:
            ticket_send_to_triage(
                ticket_id=ticket.pk, suggestion=suggestion, reason="；".join(reasons)
            )
            return "triage"
        ticket_dispatch(
            ticket_id=ticket.pk,
            lead_unit=lead_unit,
            assist_units=assist_units,
            category=prediction.category,
            region=prediction.region,
            urgency=urgency,
            reason=_("自动派单") % {"model": prediction.model, "how": how},
            suggestion=suggestion,
        )
        return "dispatched"
    except Conflict:
        return "skipped"  # another worker or a person got there first


def requeue_stale_registered(*, now=None, dry_run: bool = False) -> list[int]:
    """Re-queue tickets still registered after STALE_REGISTERED_SECONDS (worker or broker was
    down). Each is re-queued at most once per that interval, and each re-queue is recorded."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.STALE_REGISTERED_SECONDS)
    ids = list(
        Ticket.objects.filter(status=Status.REGISTERED, registered_at__lt=cutoff)
        .exclude(requeued_at__gte=cutoff)
        .order_by("registered_at")
        .values_list("pk", flat=True)[:REQUEUE_BATCH]
    )
    if dry_run or not ids:
        return ids
    requeued = [pk for pk in ids if enqueue_registered(pk)]
    with transaction.atomic():
        Ticket.objects.filter(pk__in=requeued).update(requeued_at=now)
        for ticket in Ticket.objects.filter(pk__in=requeued):
            record_event(ticket=ticket, kind=EventKind.REQUEUED, at=now)
    if requeued:
        logger.info("re-queued %d stale registered tickets", len(requeued))
    return requeued
