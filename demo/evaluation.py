"""The follow-ups the demo city's finished tickets would have had, and its published months.

``demo.tickets`` plays each ticket's history through the workorders and dispatch services, which
write no follow-up record: this module writes one per round — the citizen's verdict at the moment
the round ended (the reopening, or the closing) — with a realistic mix of outcomes, asks and
decides a few exemptions, and closes every ended month. It only adds evaluation records; no ticket
changes.
"""

import random

from django.utils import timezone

from evaluation.models import (
    Decision,
    Exemption,
    ExemptionReason,
    FollowUp,
    FollowUpChannel,
    FollowUpResult,
    MonthlySnapshot,
    Satisfaction,
)
from evaluation.periods import add_months, current_month, month_of, period_for
from evaluation.services import month_close
from workorders.models import Assignment, EventKind, RequestStatus, Status, Ticket, TicketEvent

R = FollowUpResult
# Share of rounds by outcome (the rest are answered): roughly what hotlines report.
OUTCOMES = [(R.UNREACHABLE, 0.07), (R.WRONG_NUMBER, 0.02), (R.REFUSED, 0.03)]


def follow_ups_create(*, rng: random.Random) -> int:
    """One follow-up per round of every closed ticket that has none; returns the round count."""
    tickets = (
        Ticket.objects.filter(status=Status.CLOSED)
        .exclude(follow_ups__isnull=False)
        .prefetch_related("assignments__unit")
        .order_by("pk")
    )
    count = 0
    for ticket in tickets:
        ends = list(
            TicketEvent.objects.filter(
                ticket=ticket, kind__in=[EventKind.REOPENED, EventKind.CLOSED]
            ).order_by("created_at", "pk")
        )
        for number, end in enumerate(ends, start=1):
            _round(ticket, number, end, rng=rng)
            count += 1
    return count


def _round(ticket: Ticket, number: int, end: TicketEvent, *, rng: random.Random) -> None:
    lead = next(
        (a for a in ticket.assignments.all() if a.active and a.role == Assignment.Role.LEAD),
        None,
    )
    reopened = end.kind == EventKind.REOPENED
    fields = {
        "ticket": ticket,
        "round": number,
        "unit": lead.unit if lead else None,
        "anonymous": not ticket.citizen_phone,
        "confidential": ticket.confidential,
        "contacted_on_time": rng.random() < 0.9 if lead else None,
        "opened_at": end.created_at,
        "finished_at": end.created_at,
        "decision": Decision.REOPENED if reopened else Decision.CLOSED,
        "decided_at": end.created_at,
    }
    if fields["anonymous"]:
        fields["result"] = R.ANONYMOUS
    elif not reopened and (result := _lost(rng)) is not None:
        fields["result"] = result
    else:
        solved = not reopened and rng.random() < 0.9
        fields.update(
            result=R.ANSWERED,
            channel=rng.choice([FollowUpChannel.SMS, FollowUpChannel.CALL]),
            contacted=rng.random() < 0.95,
            solved=solved,
            satisfaction=_satisfaction(solved, rng),
        )
    follow_up = FollowUp.objects.create(**fields)
    assists = [a.unit for a in ticket.assignments.all() if a.role == Assignment.Role.ASSIST]
    follow_up.assist_units.set(assists)


def _lost(rng: random.Random) -> str | None:
    draw = rng.random()
    for result, share in OUTCOMES:
        if draw < share:
            return result
        draw -= share
    return None


def _satisfaction(solved: bool, rng: random.Random) -> str:
    weights = [80, 17, 3] if solved else [5, 35, 60]
    return rng.choices(
        [
            Satisfaction.SATISFIED,
            Satisfaction.BASICALLY_SATISFIED,
            Satisfaction.DISSATISFIED,
        ],
        weights=weights,
    )[0]


def exemptions_create() -> int:
    """A few exemptions asked for unhappy answers: some decided, the rest pending."""
    unhappy = list(
        FollowUp.objects.filter(result=R.ANSWERED, solved=False, unit__isnull=False)
        .select_related("ticket", "unit")
        .order_by("pk")[:6]
    )
    reasons = [
        (ExemptionReason.UNREASONABLE, "市民要求赔偿其自行装修造成的损失，超出合理诉求范围。"),
        (ExemptionReason.MALICIOUS_REPETITION, "同一市民一月内就同一已办结事项反复来电 9 次。"),
        (ExemptionReason.OUTSIDE_POWERS, "涉及已进入法院诉讼程序的合同纠纷，非行政职权范围。"),
    ]
    decisions = [RequestStatus.APPROVED, RequestStatus.APPROVED, RequestStatus.REJECTED]
    created = 0
    for index, follow_up in enumerate(unhappy):
        reason, text = reasons[index % len(reasons)]
        status = decisions[index] if index < len(decisions) else RequestStatus.PENDING
        asked = follow_up.finished_at + timezone.timedelta(hours=20)
        Exemption.objects.create(
            ticket=follow_up.ticket,
            unit=follow_up.unit,
            reason=reason,
            explanation=text,
            status=status,
            requested_at=asked,
            decided_at=asked + timezone.timedelta(hours=5) if status != "pending" else None,
            decision_note="" if status != RequestStatus.REJECTED else "诉求合理，应予解决。",
        )
        created += 1
    return created


def ended_months_close() -> int:
    """Publish every month of the demo's history that has ended; returns how many."""
    first = FollowUp.objects.order_by("finished_at").values_list("finished_at", flat=True)
    first = first.filter(finished_at__isnull=False).first()
    if first is None:
        return 0
    now = timezone.now()
    month, latest, closed = month_of(first), current_month(now), 0
    while month < latest:
        if (
            period_for(month).end <= now
            and not MonthlySnapshot.objects.filter(month=month).exists()
        ):
            month_close(month=month, now=now)
            closed += 1
        month = add_months(month, 1)
    return closed
