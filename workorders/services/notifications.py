"""The notification outbox: write messages in the transaction that decided to send them, send
them afterwards from a Celery task, never twice and never lost.

- ``notify()`` renders a Chinese template (templates/notifications/<kind>.txt: first line the
  subject, the rest the body), stores one Notification row per configured backend and queues a
  task for each when the transaction commits.
- ``notification_send()`` is the task's body: claim the row (compare-and-set), deliver through
  hotline.notifications outside any transaction, record the outcome.
- ``notifications_requeue_stale()`` re-queues rows whose task was never delivered (broker down
  when the transaction committed); the deadline sweep calls it every minute.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from hotline.celery import app as celery_app
from hotline.notifications import (
    Message,
    NotificationError,
    Recipient,
    configured_backends,
    send_notification,
)
from workorders.models import Notification, Profile, Role

logger = logging.getLogger(__name__)

SEND_TASK = "workorders.tasks.send_notification"
# A worker that claimed a row and died releases it after this long.
CLAIM_SECONDS = 120
# A row never tried this long after it was queued lost its task (broker outage): queue it again.
REQUEUE_AFTER = timedelta(minutes=5)
# At most this many re-queues per sweep, so a long outage drains over a few minutes.
REQUEUE_BATCH = 500


# --- who ---------------------------------------------------------------------------------------


def _recipient(profile: Profile) -> dict:
    user = profile.user
    return Recipient(
        name=profile.display_name or user.get_username(),
        email=user.email or "",
        phone=profile.mobile or "",
    ).as_dict()


def unit_recipients(unit_ids: Iterable[int], *, heads_only: bool = False) -> dict[int, list]:
    """Active staff of each unit (only its heads when ``heads_only``; all staff if it has none)."""
    profiles = (
        Profile.objects.filter(
            unit_id__in=set(unit_ids), role=Role.UNIT_STAFF, user__is_active=True
        )
        .select_related("user")
        .order_by("pk")
    )
    staff: dict[int, list] = {}
    heads: dict[int, list] = {}
    for profile in profiles:
        staff.setdefault(profile.unit_id, []).append(_recipient(profile))
        if profile.is_unit_head:
            heads.setdefault(profile.unit_id, []).append(_recipient(profile))
    if not heads_only:
        return staff
    return {unit_id: heads.get(unit_id) or people for unit_id, people in staff.items()}


def dispatcher_recipients() -> list[dict]:
    """The center's dispatchers, who supervise red tickets."""
    profiles = Profile.objects.filter(role=Role.DISPATCHER, user__is_active=True).select_related(
        "user"
    )
    return [_recipient(profile) for profile in profiles.order_by("pk")]


# --- writing the outbox -------------------------------------------------------------------------


def render(kind: str, context: dict) -> tuple[str, str]:
    text = render_to_string(f"notifications/{kind}.txt", context).strip()
    subject, _, body = text.partition("\n")
    return subject.strip(), body.strip()


def build_notifications(
    *,
    kind: str,
    context: dict,
    recipients: list[dict],
    ticket_ids: Iterable[int] = (),
    now: datetime | None = None,
) -> list[Notification]:
    """Unsaved outbox rows for one message, one per configured backend (none without
    recipients)."""
    if not recipients:
        return []
    now = now or timezone.now()
    subject, body = render(kind, context)
    return [
        Notification(
            backend=backend,
            kind=kind,
            subject=subject[:200],
            body=body,
            recipients=recipients,
            ticket_ids=list(ticket_ids),
            created_at=now,
            queued_at=now,
        )
        for backend in configured_backends()
    ]


def store_notifications(rows: list[Notification]) -> list[Notification]:
    """Insert the rows (one statement) and queue their tasks when the transaction commits. Must
    run inside the transaction that records why they are sent, so both happen or neither does."""
    if not rows:
        return []
    rows = Notification.objects.bulk_create(rows, batch_size=500)
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: enqueue_notifications(ids))
    return rows


def notify(**kwargs) -> list[Notification]:
    """Render, store and (on commit) queue one message; see build_notifications."""
    return store_notifications(build_notifications(**kwargs))


def enqueue_notifications(ids: list[int]) -> int:
    """Queue the send tasks; never raise (the rows are stored, the outbox sweep retries)."""
    queued = 0
    for pk in ids:
        try:
            celery_app.send_task(SEND_TASK, args=[pk])
            queued += 1
        except Exception:
            logger.warning("broker unavailable: notification %s waits for the sweep", pk)
            break  # the broker is down: the rest would fail the same way
    return queued


# --- sending ------------------------------------------------------------------------------------


def notification_send(*, notification_id: int, final_attempt: bool) -> str:
    """Deliver one outbox row: "sent", "skipped" (already sent, failed or being sent),
    "retry" (failed, try again later) or "failed" (failed for the last time)."""
    now = timezone.now()
    claimed = Notification.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        pk=notification_id,
        sent_at__isnull=True,
        failed_at__isnull=True,
    ).update(claimed_until=now + timedelta(seconds=CLAIM_SECONDS), attempts=F("attempts") + 1)
    if claimed != 1:
        return "skipped"
    row = Notification.objects.get(pk=notification_id)
    message = Message(
        subject=row.subject,
        body=row.body,
        recipients=tuple(Recipient.from_dict(r) for r in row.recipients),
        kind=row.kind,
    )
    try:
        send_notification(backend=row.backend, message=message)
    except NotificationError as exc:
        error = str(exc)[:1000]
        done = {"failed_at": timezone.now()} if final_attempt else {}
        Notification.objects.filter(pk=row.pk).update(claimed_until=None, last_error=error, **done)
        logger.warning("notification %s via %s failed: %s", row.pk, row.backend, error)
        return "failed" if final_attempt else "retry"
    Notification.objects.filter(pk=row.pk).update(
        sent_at=timezone.now(), claimed_until=None, last_error=""
    )
    return "sent"


def notifications_requeue_stale(*, now: datetime | None = None) -> int:
    """Queue again the rows whose task never arrived (broker down at commit time)."""
    now = now or timezone.now()
    ids = list(
        Notification.objects.filter(
            sent_at__isnull=True,
            failed_at__isnull=True,
            attempts=0,
            queued_at__lt=now - REQUEUE_AFTER,
        )
        .order_by("queued_at")
        .values_list("pk", flat=True)[:REQUEUE_BATCH]
    )
    if not ids:
        return 0
    queued = enqueue_notifications(ids)
    if queued:
        Notification.objects.filter(pk__in=ids[:queued]).update(queued_at=now)
    return queued
