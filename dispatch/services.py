"""The worker's side of dispatch: classify a registered ticket, then dispatch it or send it to
triage; and the sweep that re-queues tickets the worker never saw."""

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dispatch.classification import get_classifier
from dispatch.duplicates import similar_to
from dispatch.routing import route_for
from hotline.lib.errors import Conflict
from workorders.models import EventKind, Status, Ticket, Unit
from workorders.models.places import may_lead
from workorders.services import enqueue_registered, ticket_dispatch, ticket_send_to_triage
from workorders.transitions import record_event

logger = logging.getLogger(__name__)

# The sweep touches at most this many tickets per run, so one run stays short even after a long
# outage; the next minute's run takes the rest.
REQUEUE_BATCH = 500
# Workers started within this of each other (a deploy, several nodes) re-queue a ticket once.
WORKER_START_DEDUPE = timedelta(seconds=30)
_LEARNED = re.compile(r"^learned-v(?P<number>\d+)(?P<rules>\+rules)?$")


def classifier_description(model: str) -> str:
    """What classified a ticket, for staff: "rules-v1" → 关键词规则, "learned-v3+rules" →
    按历史工单学习的分类（第 3 版）+ 关键词规则. Unknown names are shown as they are."""
    if model == "rules-v1":
        return _("关键词规则")
    match = _LEARNED.match(model or "")
    if match is None:
        return model
    learned = _("按历史工单学习的分类（第 %(number)s 版）") % {"number": match["number"]}
    if match["rules"]:
        return _("%(learned)s + 关键词规则") % {"learned": learned}
    return learned


def _percent(value: float) -> str:
    return f"{value:.0%}"


def ticket_auto_dispatch(*, ticket_id: int) -> str:
    """Classify and route; returns what happened: dispatched, triage or skipped."""
    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None or ticket.status != Status.REGISTERED:
        return "skipped"  # already handled: tasks may be delivered more than once
    prediction = get_classifier().predict(
        title=ticket.title, content=ticket.content, address=ticket.address
    )
    suggestion = prediction.as_suggestion()
    # Shown on the triage row ("可能重复") so the dispatcher merges instead of dispatching twice.
    suggestion["duplicates"] = [
        {"id": match.candidate["id"], "number": match.candidate["number"], "score": match.score}
        for match in similar_to(
            content=ticket.content,
            address=ticket.address,
            title=ticket.title,
            region=prediction.region,
            category_id=prediction.category.pk if prediction.category else None,
            exclude_id=ticket.pk,
        )
        if match.likely
    ][:3]
    urgency = ticket.urgency if ticket.suggestion.get("urgency_given") else prediction.urgency
    route = route_for(category=prediction.category, region=prediction.region)
    # Routing rules first; where none fits, the unit dispatchers chose for such tickets before.
    lead_unit, assist_units, unit_confidence, how = None, [], 0.0, ""
    if route is not None:
        lead_unit, assist_units, unit_confidence = route.lead_unit, route.assist_units, 1.0
        how = _("派单规则第 %(number)s 条") % {"number": route.rule.pk}
        suggestion["unit_source"] = "rule"
    elif prediction.units:
        # What dispatchers chose before, leaving out communities outside their duty list.
        for unit_id, confidence in prediction.units:
            unit = Unit.objects.filter(pk=unit_id, is_active=True).first()
            if unit is not None and may_lead(unit, prediction.category):
                lead_unit, unit_confidence = unit, confidence
                break
        how = _("历史上同类工单的承办单位（把握 %(confidence)s）") % {
            "confidence": _percent(unit_confidence)
        }
        suggestion["unit_source"] = "history"
    if lead_unit is not None:
        suggestion["lead_unit_id"] = lead_unit.pk
        suggestion["assist_unit_ids"] = [unit.pk for unit in assist_units]
    reasons = []
    if prediction.category is None:
        reasons.append(_("无法判断分类"))
    elif prediction.category_confidence < settings.AUTO_DISPATCH_THRESHOLD:
        reasons.append(
            _("分类置信度低（%(confidence)s）")
            % {"confidence": _percent(prediction.category_confidence)}
        )
    if lead_unit is None:
        reasons.append(_("无匹配的派单规则"))
    elif unit_confidence < settings.AUTO_DISPATCH_THRESHOLD:
        reasons.append(
            _("历史派单单位把握不大（%(confidence)s）") % {"confidence": _percent(unit_confidence)}
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
            reason=_("自动派单：%(classifier)s + %(how)s")
            % {"classifier": classifier_description(prediction.model), "how": how},
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
    if dry_run:
        return ids
    return _requeue(ids, now=now, what="stale registered")


def requeue_failed_enqueues(*, now=None, dry_run: bool = False) -> list[int]:
    """Re-queue the registered tickets whose classification could not be sent (the broker was
    down when they were saved). Runs every few seconds: one query on a partial index that is
    empty unless a send failed."""
    now = now or timezone.now()
    ids = list(
        Ticket.objects.filter(status=Status.REGISTERED, enqueue_failed_at__isnull=False)
        .order_by("registered_at")
        .values_list("pk", flat=True)[:REQUEUE_BATCH]
    )
    if dry_run:
        return ids
    return _requeue(ids, now=now, what="failed-enqueue")


def requeue_on_worker_start(*, now=None) -> list[int]:
    """Re-queue every registered ticket when a worker starts: a worker killed with kill -9
    takes the messages it had reserved with it (they come back only after the broker's
    visibility timeout), and a started worker is the moment they can be handled again. Tickets
    whose message is still in the queue get a second one, which the task skips. Tickets re-queued
    in the last WORKER_START_DEDUPE are left alone, so workers starting together re-queue once."""
    now = now or timezone.now()
    ids = list(
        Ticket.objects.filter(status=Status.REGISTERED)
        .exclude(requeued_at__gte=now - WORKER_START_DEDUPE)
        .order_by("registered_at")
        .values_list("pk", flat=True)[:REQUEUE_BATCH]
    )
    return _requeue(ids, now=now, what="registered (worker start)")


def _requeue(ids: list[int], *, now, what: str) -> list[int]:
    if not ids:
        return []
    # Sent first, recorded after: a send that fails marks the ticket again (enqueue_registered).
    requeued = [pk for pk in ids if enqueue_registered(pk)]
    with transaction.atomic():
        Ticket.objects.filter(pk__in=requeued).update(requeued_at=now, enqueue_failed_at=None)
        for ticket in Ticket.objects.filter(pk__in=requeued):
            record_event(ticket=ticket, kind=EventKind.REQUEUED, at=now)
    if requeued:
        logger.info("re-queued %d %s tickets", len(requeued), what)
    return requeued
