"""Closing a month: freeze every unit's figures and ranks into a published snapshot.

A snapshot's rows are only ever inserted. Later changes — a follow-up recorded late, an exemption
approved, new weights — never touch it; a correction is a re-close, recorded as a new version with
its reason and who did it, and the earlier version stays for the record.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluation.models import MonthlySnapshot, UnitMonthScore
from evaluation.periods import Period, add_months, current_month, period_for
from evaluation.scoring import MonthFigures, compute_month
from hotline.lib.errors import Conflict, InvalidInput
from workorders.access import require_role

# Who may close (or re-close) a month by hand; the beat task closes as the system (actor=None).
CLOSE_ROLES: tuple[str, ...] = ()  # administrators only (require_role always admits them)


def current_snapshot(month: date) -> MonthlySnapshot | None:
    return MonthlySnapshot.objects.filter(month=month, is_current=True).first()


def previous_ranks(month: date, *, now: datetime | None = None) -> dict[int, int]:
    """{unit_id: rank} of the month before ``month``: its published snapshot, or else computed
    live (a month not yet closed)."""
    previous = add_months(month, -1)
    snapshot = current_snapshot(previous)
    if snapshot is not None:
        rows = snapshot.scores.filter(rank__isnull=False).values_list("unit_id", "rank")
        return dict(rows)
    period = period_for(previous)
    if period.start >= (now or timezone.now()):
        return {}
    figures = compute_month(period, as_of=now)
    return {f.unit_id: f.rank for f in figures.units if f.rank is not None}


def month_compute(month: date, *, now: datetime | None = None) -> MonthFigures:
    """The live figures of ``month`` (not frozen), with movement against the month before."""
    now = now or timezone.now()
    period = period_for(month)
    if period.start > now:
        message = _("该考核月尚未开始")
        raise InvalidInput(message, fields={"month": [message]})
    return compute_month(period, as_of=now, previous_ranks=previous_ranks(month, now=now))


def _score_row(snapshot: MonthlySnapshot, figures, rule) -> UnitMonthScore:
    responded = figures.responded_on_time if rule.response_on_time else figures.responded
    return UnitMonthScore(
        snapshot=snapshot,
        unit_id=figures.unit_id,
        unit_name=figures.unit_name,
        kind=figures.kind,
        finished=figures.finished,
        valid=figures.valid,
        responded=responded,
        solved=figures.solved,
        satisfied=figures.satisfied,
        basically_satisfied=figures.basically_satisfied,
        dissatisfied=figures.dissatisfied,
        refused=figures.refused,
        unreachable=figures.unreachable,
        wrong_number=figures.wrong_number,
        anonymous=figures.anonymous,
        confidential=figures.confidential,
        exempt=figures.exempt,
        red_lights=figures.red_lights,
        reopens=figures.reopens,
        proactive=figures.proactive,
        presses=figures.presses,
        volume=figures.volume,
        response_rate=figures.response_rate,
        resolution_rate=figures.resolution_rate,
        satisfaction_rate=figures.satisfaction_rate,
        composite=figures.composite,
        rank=figures.rank,
        previous_rank=figures.previous_rank,
        governance=figures.governance,
    )


def month_close(
    *, month: date, actor=None, reason: str = "", now: datetime | None = None
) -> MonthlySnapshot:
    """Freeze ``month`` (version 1), or re-close it with a ``reason`` (a new version).

    ``actor=None`` is the beat task or the management command; a person must be an
    administrator. The month must have ended.
    """
    if actor is not None:
        require_role(actor, *CLOSE_ROLES)
    now = now or timezone.now()
    reason = (reason or "").strip()
    period = period_for(month)
    if period.end > now:
        message = _("%(label)s 考核月至 %(last_day)s 结束，尚不能结算") % {
            "label": period.label,
            "last_day": format(period.last_day, "%Y-%m-%d"),
        }
        raise Conflict(message, fields={"month": [message]})
    with transaction.atomic():
        existing = (
            MonthlySnapshot.objects.select_for_update().filter(month=month, is_current=True).first()
        )
        if existing is not None and len(reason) < 4:
            message = _("%(label)s 已结算发布（第 %(version)s 版）；更正须填写重新结算原因") % {
                "label": period.label,
                "version": existing.version,
            }
            raise Conflict(message, fields={"reason": [message]})
        if existing is not None:
            # Re-scored under the rule recorded with the first version: a later rule version
            # never applies to a month already published.
            period = Period(
                month=month,
                start=existing.period_start,
                end=existing.period_end,
                rule=existing.rule,
            )
        if period.rule.pk is None:
            # No rule row at all (a database emptied by hand): freeze DESIGN.md's defaults as
            # the version this month was scored under.
            period.rule.save()
        figures = compute_month(period, as_of=now, previous_ranks=previous_ranks(month, now=now))
        if existing is not None:
            MonthlySnapshot.objects.filter(pk=existing.pk).update(is_current=False)
        try:
            with transaction.atomic():
                snapshot = MonthlySnapshot.objects.create(
                    month=month,
                    version=existing.version + 1 if existing else 1,
                    period_start=period.start,
                    period_end=period.end,
                    rule=period.rule,
                    rule_values=period.rule.as_values(),
                    totals=figures.totals,
                    closed_at=now,
                    closed_by=actor if actor is not None and actor.is_authenticated else None,
                    reason=reason,
                )
        except IntegrityError:  # another close of the same month won
            raise Conflict(_("该月正在被他人结算，请刷新")) from None
        UnitMonthScore.objects.bulk_create(
            [_score_row(snapshot, f, period.rule) for f in figures.units], batch_size=1000
        )
    return snapshot


def due_month(now: datetime | None = None) -> date | None:
    """The month the beat task should close now: the last ended one, once
    EVALUATION_CLOSE_AFTER_DAYS have passed, if it is not closed yet."""
    now = now or timezone.now()
    month = add_months(current_month(now), -1)
    period = period_for(month)
    if now < period.end + timedelta(days=settings.EVALUATION_CLOSE_AFTER_DAYS):
        return None
    if MonthlySnapshot.objects.filter(month=month).exists():
        return None
    return month


def close_due_month(*, now: datetime | None = None) -> MonthlySnapshot | None:
    month = due_month(now)
    if month is None:
        return None
    try:
        return month_close(month=month, now=now)
    except Conflict:  # closed meanwhile by a person or another beat
        return None
