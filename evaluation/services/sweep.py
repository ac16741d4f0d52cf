"""The follow-up sweep (every 5 minutes, CELERY_BEAT_SCHEDULE; also ``manage.py
sweep_follow_ups``): open the rounds whose survey task was lost (broker outage at resolution),
close tickets whose follow-up window ended ("回访期满"), and finish rounds some other path left
pending. Each step works in batches and one transaction per follow-up.
"""

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluation.models import Decision, FollowUp, FollowUpResult
from evaluation.services.follow_up import follow_up_locked, follow_up_open, record_decision
from hotline.lib.errors import DomainError
from workorders import services as ticket_services
from workorders.models import Status, Ticket

logger = logging.getLogger(__name__)

R = FollowUpResult
# A ticket in follow-up without its round this long is one whose task was lost: the sweep opens it.
OPEN_GRACE = timedelta(minutes=2)
# Tickets per sweep step: enough for a day of Beijing's resolutions in a few runs, small enough
# that one run never holds the database for long.
SWEEP_BATCH = 500


@dataclass
class SweepResult:
    opened: int = 0
    expired: int = 0
    closed_undecided: int = 0
    orphans: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def _missing_rounds(now: datetime, grace: timedelta = OPEN_GRACE):
    has_round = FollowUp.objects.filter(ticket=OuterRef("pk"), round=OuterRef("reopen_count") + 1)
    return (
        Ticket.objects.filter(status=Status.FOLLOW_UP, status_changed_at__lt=now - grace)
        .filter(~Exists(has_round))
        .order_by("status_changed_at")
        .values_list("pk", flat=True)
    )


def _expired_pending(now: datetime):
    return (
        FollowUp.objects.filter(result=R.PENDING, due_at__lte=now)
        .order_by("due_at", "id")
        .values_list("pk", flat=True)
    )


def _expired_undecided(now: datetime):
    return (
        FollowUp.objects.filter(result=R.ANSWERED, solved=False, decision="", due_at__lte=now)
        .order_by("due_at", "id")
        .values_list("pk", flat=True)
    )


def _orphans():
    """Pending rounds whose ticket left follow-up without a verdict (closed or reopened by a
    path that did not record one)."""
    return (
        FollowUp.objects.filter(result=R.PENDING)
        .filter(~Q(ticket__status=Status.FOLLOW_UP) | ~Q(round=F("ticket__reopen_count") + 1))
        .order_by("id")
        .values_list("pk", flat=True)
    )


def _expire(follow_up_id: int, now: datetime) -> bool:
    """The window ended: an unanswered round counts as unreachable; the ticket is closed."""
    with transaction.atomic():
        follow_up = follow_up_locked(follow_up_id)  # the ticket first, then the round
        if follow_up is None or follow_up.decision:
            return False
        ticket = follow_up.ticket
        current = ticket.status == Status.FOLLOW_UP and follow_up.round == ticket.reopen_count + 1
        if follow_up.result == R.PENDING:
            follow_up.result, follow_up.finished_at = R.UNREACHABLE, now
            follow_up.next_call_at = None
            note = _("回访期满：未能联系到市民")
        elif follow_up.result == R.ANSWERED and follow_up.solved is False:
            note = _("回访期满：市民表示未解决，未重办")
        else:
            return False
        follow_up.save()
        if current:
            ticket_services.ticket_close(ticket_id=ticket.pk, actor=None, note=note)
            record_decision(follow_up, Decision.CLOSED, now)
    return True


def _finish_orphan(follow_up_id: int, now: datetime) -> bool:
    with transaction.atomic():
        updated = FollowUp.objects.filter(pk=follow_up_id, result=R.PENDING).update(
            result=R.UNREACHABLE, finished_at=now, next_call_at=None
        )
    return bool(updated)


def sweep_follow_ups(
    *, now: datetime | None = None, dry_run: bool = False, batch_size: int = SWEEP_BATCH
) -> SweepResult:
    """Open the rounds a lost task missed, and close tickets whose follow-up window ended
    ("回访期满"); with ``dry_run`` only count what would be done."""
    now = now or timezone.now()
    result = SweepResult()
    missing = list(_missing_rounds(now)[:batch_size])
    pending = list(_expired_pending(now)[:batch_size])
    undecided = list(_expired_undecided(now)[:batch_size])
    orphans = list(_orphans()[:batch_size])
    if dry_run:
        return SweepResult(len(missing), len(pending), len(undecided), len(orphans))
    result.opened = len(_open_rounds(missing, now))
    for follow_up_id in orphans:
        result.orphans += _finish_orphan(follow_up_id, now)
    for follow_up_id in pending:
        result.expired += _expire(follow_up_id, now)
    for follow_up_id in undecided:
        result.closed_undecided += _expire(follow_up_id, now)
    return result


def _open_rounds(ticket_ids: list[int], now: datetime) -> list[int]:
    """Open each ticket's round (idempotent); return the tickets handled without an error."""
    done = []
    for ticket_id in ticket_ids:
        try:
            if follow_up_open(ticket_id=ticket_id, now=now) is not None:
                done.append(ticket_id)
        except DomainError:
            logger.warning("follow-up sweep: could not open ticket %s", ticket_id, exc_info=True)
    return done


def open_failed_surveys(*, now: datetime | None = None, batch_size: int = SWEEP_BATCH) -> int:
    """Open the rounds whose survey task could not be sent (the broker was down when the ticket
    was resolved). Every few seconds: one query on a partial index, empty unless a send failed."""
    now = now or timezone.now()
    ids = list(
        Ticket.objects.filter(status=Status.FOLLOW_UP, enqueue_failed_at__isnull=False)
        .order_by("status_changed_at")
        .values_list("pk", flat=True)[:batch_size]
    )
    opened = _open_rounds(ids, now)
    Ticket.objects.filter(pk__in=opened).update(enqueue_failed_at=None)
    return len(opened)


def open_missing_rounds_on_worker_start(*, now: datetime | None = None) -> int:
    """Open every missing round at once when a worker starts: a worker killed with kill -9 takes
    the survey messages it had reserved with it until the broker's visibility timeout."""
    now = now or timezone.now()
    return len(_open_rounds(list(_missing_rounds(now, grace=timedelta(0))[:SWEEP_BATCH]), now))
