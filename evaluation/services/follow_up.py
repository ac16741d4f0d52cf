"""Follow-up (回访): asking the citizen after resolution, by SMS survey or by an agent's call.

A resolved ticket enters follow-up (workorders.services.ticket_resolve) and the task
``evaluation.tasks.send_survey`` calls ``follow_up_open``: it records the round (which units it
scores, anonymous/confidential, whether the unit's contact was on time) and sends the survey SMS
through the notification outbox. The citizen answers on the survey page (``survey_submit``), or
an agent records calls (``follow_up_record_call``). A finished round closes the ticket, except
"not solved", where the agent decides: reopen to the same lead unit, or close. The sweep
(``sweep_follow_ups``) opens what a lost task missed and closes tickets whose window ended.

Status changes go through workorders.services (ticket_close, ticket_reopen); this module keeps
the follow-up's own record and puts every step on the ticket's timeline.
"""

import logging
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluation.models import (
    CallOutcome,
    Decision,
    FollowUp,
    FollowUpCall,
    FollowUpChannel,
    FollowUpResult,
    Satisfaction,
    SurveyLink,
)
from hotline.lib.errors import Conflict, DomainError, InvalidInput, NotFound
from workorders import services as ticket_services
from workorders.access import require_role, ticket_get_for_user
from workorders.models import Assignment, Channel, EventKind, Role, Status, Ticket
from workorders.services.notifications import notify
from workorders.transitions import record_event

logger = logging.getLogger(__name__)

R = FollowUpResult
FOLLOW_UP_ROLES = (Role.FOLLOW_UP_AGENT, Role.DISPATCHER)
SURVEY_SALT = "evaluation.survey"


class LinkExpired(DomainError):
    """The survey link is authentic but too old (HTTP 410)."""

    code = "expired"
    http_status = 410


# --- answers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answers:
    contacted: bool
    solved: bool
    satisfaction: str
    comment: str = ""


def _yes_no(value, field: str, question: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in ("yes", "true", "1", "是"):
        return True
    if text in ("no", "false", "0", "否"):
        return False
    message = _("请选择：%(question)s") % {"question": question, "field": field}
    raise InvalidInput(message, fields={field: [message]})


def parse_answers(
    *, contacted, solved, satisfaction, comment: str = "", has_unit: bool = True
) -> Answers:
    """The citizen's three answers and comment, checked together so every error is reported.

    A direct answer has no unit to have contacted the citizen: the operator answered on the
    line, so "contacted" is yes unless said otherwise."""
    if not has_unit and contacted in (None, ""):
        contacted = True
    errors: dict[str, list[str]] = {}
    values = {}
    for field, value, question in (
        ("contacted", contacted, "承办单位是否联系过您"),
        ("solved", solved, "问题是否已解决"),
    ):
        try:
            values[field] = _yes_no(value, field, question)
        except InvalidInput as exc:
            errors.update(exc.fields)
    if satisfaction not in Satisfaction.values:
        errors["satisfaction"] = [_("请选择满意程度")]
    comment = (comment or "").strip()
    if len(comment) > 1000:
        errors["comment"] = [_("意见不能超过 1000 字")]
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidInput(first, fields=errors)
    return Answers(values["contacted"], values["solved"], satisfaction, comment)


def _answer_text(answers: Answers) -> str:
    return (
        f"联系：{'是' if answers.contacted else '否'}；"
        f"解决：{'是' if answers.solved else '否'}；"
        f"{Satisfaction(answers.satisfaction).label.split(' (')[0]}"
        + (f"；意见：{answers.comment}" if answers.comment else "")
    )


def _apply_answers(
    follow_up: FollowUp, answers: Answers, *, channel: str, now: datetime, actor=None
) -> None:
    follow_up.result = R.ANSWERED
    follow_up.channel = channel
    follow_up.contacted = answers.contacted
    follow_up.solved = answers.solved
    follow_up.satisfaction = answers.satisfaction
    follow_up.comment = answers.comment
    follow_up.finished_at = now
    follow_up.recorded_by = actor if actor is not None and actor.is_authenticated else None
    follow_up.next_call_at = None


# --- opening a round and the survey link -----------------------------------------------------------


def survey_token(nonce: str) -> str:
    return signing.TimestampSigner(salt=SURVEY_SALT).sign(nonce)


def survey_url(nonce: str) -> str:
    return settings.PUBLIC_BASE_URL + reverse("evaluation:survey", args=[survey_token(nonce)])


def current_round(ticket: Ticket) -> FollowUp | None:
    return FollowUp.objects.filter(ticket=ticket, round=ticket.reopen_count + 1).first()


# Lock order, in every transaction that takes both: the ticket, then its follow-up row. The
# ticket's own services (ticket_close, ticket_reopen, every ticket action) start from the ticket,
# so a service that locked the round first would wait for the ticket while another transaction,
# holding the ticket, waits for the round: a deadlock on PostgreSQL.


def follow_up_locked(follow_up_id: int) -> FollowUp | None:
    """The follow-up row locked, after its ticket (see the lock order above)."""
    # A round never changes ticket: reading ticket_id before taking any lock is safe.
    ticket_id = FollowUp.objects.filter(pk=follow_up_id).values_list("ticket_id", flat=True).first()
    if ticket_id is None:
        return None
    ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up_id)
    follow_up.ticket = ticket
    return follow_up


def follow_up_open(*, ticket_id: int, now: datetime | None = None) -> FollowUp | None:
    """Record the ticket's current follow-up round and send the survey; idempotent (a second
    call returns the round already opened). None when the ticket is not in follow-up."""
    now = now or timezone.now()
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().filter(pk=ticket_id).first()
        if ticket is None or ticket.status != Status.FOLLOW_UP:
            return None
        existing = current_round(ticket)
        if existing is not None:
            return existing
        if ticket.channel == Channel.PROACTIVE:
            # A proactive work order has no citizen to ask: it closes at once, with no round,
            # so it never enters the three rates nor the anonymous count (it has its own
            # column in the unit's figures: scoring.proactive_counts).
            ticket_services.ticket_close(
                ticket_id=ticket.pk, actor=None, note=_("主动治理工单，无需回访")
            )
            return None
        assignments = list(ticket.assignments.filter(active=True).select_related("unit"))
        lead = next((a for a in assignments if a.role == Assignment.Role.LEAD), None)
        on_time = None
        if lead is not None and lead.contacted_at and ticket.contact_due_at:
            on_time = lead.contacted_at <= ticket.contact_due_at
        anonymous = not ticket.citizen_phone
        follow_up = FollowUp.objects.create(
            ticket=ticket,
            round=ticket.reopen_count + 1,
            unit=lead.unit if lead else None,
            anonymous=anonymous,
            confidential=ticket.confidential,
            contacted_on_time=on_time,
            opened_at=now,
            due_at=ticket.follow_up_due_at,
            result=R.ANONYMOUS if anonymous else R.PENDING,
            finished_at=now if anonymous else None,
        )
        follow_up.assist_units.set(
            [a.unit for a in assignments if a.role == Assignment.Role.ASSIST]
        )
        if anonymous:
            # Nobody to ask: counted as anonymous, and the follow-up is complete.
            ticket_services.ticket_close(
                ticket_id=ticket.pk,
                actor=None,
                note=_("匿名诉求，无法回访"),
            )
            record_decision(follow_up, Decision.CLOSED, now)
        else:
            _send_survey(follow_up, ticket, now)
    return follow_up


def _send_survey(follow_up: FollowUp, ticket: Ticket, now: datetime) -> None:
    """A single-use link in the notification outbox (sent by SMS after the commit)."""
    nonce = secrets.token_urlsafe(12)
    SurveyLink.objects.create(follow_up=follow_up, nonce=nonce, sent_at=now)
    notify(
        kind="survey",
        context={
            "ticket": ticket,
            "url": survey_url(nonce),
            "days": settings.SURVEY_LINK_MAX_AGE_DAYS,
        },
        recipients=[{"name": ticket.citizen_name, "email": "", "phone": ticket.citizen_phone}],
        ticket_ids=[ticket.pk],
        now=now,
    )
    follow_up.survey_sent_at = now
    follow_up.save(update_fields=["survey_sent_at"])
    record_event(
        ticket=ticket,
        kind=EventKind.SURVEY_SENT,
        reason=_("已向市民发送回访短信"),
        data={"follow_up": follow_up.pk, "round": follow_up.round},
        at=now,
    )


def record_decision(follow_up: FollowUp, decision: str, now: datetime) -> None:
    follow_up.decision, follow_up.decided_at = decision, now
    follow_up.save()


# --- the citizen's survey --------------------------------------------------------------------------


def _nonce(token: str) -> str:
    try:
        return signing.TimestampSigner(salt=SURVEY_SALT).unsign(
            token or "", max_age=timedelta(days=settings.SURVEY_LINK_MAX_AGE_DAYS)
        )
    except signing.SignatureExpired:
        raise LinkExpired(_("回访链接已过期，如需评价请拨打 12345")) from None
    except signing.BadSignature:
        raise NotFound(_("回访链接无效，请核对短信中的链接")) from None


def _open_link(link: SurveyLink) -> FollowUp:
    if link.used_at is not None:
        raise Conflict(_("您已提交过评价，感谢您的反馈"))
    follow_up = link.follow_up
    if follow_up.result != R.PENDING:
        raise Conflict(_("本次回访已完成，感谢您的反馈"))
    ticket = follow_up.ticket
    if ticket.status != Status.FOLLOW_UP or follow_up.round != ticket.reopen_count + 1:
        raise Conflict(_("本次回访已结束"))
    return follow_up


def survey_get(*, token: str) -> FollowUp:
    """The follow-up a survey link opens, if the link may still be used."""
    link = (
        SurveyLink.objects.select_related("follow_up__ticket", "follow_up__unit")
        .filter(nonce=_nonce(token))
        .first()
    )
    if link is None:
        raise NotFound(_("回访链接无效，请核对短信中的链接"))
    return _open_link(link)


def survey_submit(
    *, token: str, contacted, solved, satisfaction: str, comment: str = "", now=None
) -> FollowUp:
    """The citizen's answers from the survey page; the link is used up. "Solved" closes the
    ticket; "not solved" waits for an agent's decision (reopen or close)."""
    nonce = _nonce(token)
    now = now or timezone.now()
    with transaction.atomic():
        link = SurveyLink.objects.filter(nonce=nonce).first()
        if link is None:
            raise NotFound(_("回访链接无效，请核对短信中的链接"))
        # The ticket, the round, then the link (only this service locks links).
        follow_up = follow_up_locked(link.follow_up_id)
        link = SurveyLink.objects.select_for_update().get(pk=link.pk)
        link.follow_up = follow_up
        _open_link(link)
        answers = parse_answers(
            contacted=contacted,
            solved=solved,
            satisfaction=satisfaction,
            comment=comment,
            has_unit=follow_up.unit_id is not None,
        )
        _apply_answers(follow_up, answers, channel=FollowUpChannel.SMS, now=now)
        follow_up.save()
        link.used_at = now
        link.save(update_fields=["used_at"])
        ticket = follow_up.ticket
        record_event(
            ticket=ticket,
            kind=EventKind.FOLLOW_UP_ANSWERED,
            reason=_("市民短信评价：%(answers)s") % {"answers": _answer_text(answers)},
            data={"follow_up": follow_up.pk, **asdict(answers), "channel": "sms"},
            at=now,
        )
        if answers.solved:
            ticket_services.ticket_close(
                ticket_id=ticket.pk,
                actor=None,
                note=_("回访完成：市民评价已解决"),
            )
            record_decision(follow_up, Decision.CLOSED, now)
    return follow_up


# --- the agent's calls ---------------------------------------------------------------------------


def _locked_pending(follow_up_id: int) -> FollowUp:
    follow_up = follow_up_locked(follow_up_id)
    if follow_up is None:
        raise NotFound(_("回访记录不存在"))
    if follow_up.result != R.PENDING:
        raise Conflict(_("该回访已完成"))
    ticket = follow_up.ticket
    if ticket.status != Status.FOLLOW_UP or follow_up.round != ticket.reopen_count + 1:
        raise Conflict(_("工单已不在回访中"))
    return follow_up


def _reason(reason: str, *, field: str = "reason", closing: bool = False) -> str:
    reason = (reason or "").strip()
    if len(reason) < 2:
        if closing:
            # The citizen said it is not solved: archiving anyway is a decision someone answers
            # for, so its reason goes on the timeline.
            message = _("市民表示未解决，归档须填写原因（至少 2 字）")
        else:
            message = _("请填写重办原因（至少 2 字）")
        raise InvalidInput(message, fields={field: [message]})
    return reason


def follow_up_record_call(
    *,
    follow_up_id: int,
    actor,
    outcome: str,
    contacted=None,
    solved=None,
    satisfaction: str = "",
    comment: str = "",
    note: str = "",
    decision: str = "",
    reason: str = "",
    now: datetime | None = None,
) -> FollowUp:
    """One call attempt. Reached: the citizen's answers, then "solved" closes the ticket and
    "not solved" reopens it (decision="reopen", with a reason), closes it (decision="close") or
    waits for a later decision (decision=""). Refused, wrong number, and the last unanswered
    attempt (FOLLOW_UP_MAX_ATTEMPTS) finish the follow-up and close the ticket; an earlier
    unanswered attempt schedules the next call."""
    require_role(actor, *FOLLOW_UP_ROLES)
    if outcome not in CallOutcome.values:
        message = _("请选择呼叫结果")
        raise InvalidInput(message, fields={"outcome": [message]})
    if decision not in ("", "reopen", "close"):
        raise InvalidInput(_("处理方式无效"), fields={"decision": []})
    note = (note or "").strip()[:1000]
    now = now or timezone.now()
    with transaction.atomic():
        follow_up = _locked_pending(follow_up_id)
        ticket = follow_up.ticket
        answers = None
        if outcome == CallOutcome.REACHED:
            answers = parse_answers(
                contacted=contacted,
                solved=solved,
                satisfaction=satisfaction,
                comment=comment,
                has_unit=follow_up.unit_id is not None,
            )
        if decision == "reopen":
            if answers is None or answers.solved:
                message = _("仅在市民表示未解决时可以重办")
                raise InvalidInput(message, fields={"decision": [message]})
            reason = _reason(reason)
        elif decision == "close" and answers is not None and not answers.solved:
            reason = _reason(reason, closing=True)
        FollowUpCall.objects.create(
            follow_up=follow_up, outcome=outcome, note=note, agent=actor, called_at=now
        )
        follow_up.attempts += 1
        if answers is not None:
            _apply_answers(follow_up, answers, channel=FollowUpChannel.CALL, now=now, actor=actor)
        elif outcome == CallOutcome.NOT_REACHED:
            if follow_up.attempts >= settings.FOLLOW_UP_MAX_ATTEMPTS:
                follow_up.result, follow_up.finished_at = R.UNREACHABLE, now
            else:
                follow_up.next_call_at = now + timedelta(hours=settings.FOLLOW_UP_RETRY_HOURS)
        else:  # refused, wrong number
            follow_up.result, follow_up.finished_at = outcome, now
        if follow_up.result != R.PENDING:
            follow_up.next_call_at = None
            follow_up.recorded_by = actor
        follow_up.save()
        label = CallOutcome(outcome).label
        text = f"第 {follow_up.attempts} 次回访电话：{label}"
        if answers is not None:
            text += f"。{_answer_text(answers)}"
        if note:
            text += f"。备注：{note}"
        record_event(
            ticket=ticket,
            kind=EventKind.FOLLOW_UP_CALL,
            actor=actor,
            reason=text,
            data={
                "follow_up": follow_up.pk,
                "outcome": outcome,
                "attempt": follow_up.attempts,
                **(asdict(answers) if answers else {}),
            },
            at=now,
        )
        if follow_up.result == R.PENDING:
            return follow_up
        if answers is not None and not answers.solved:
            if decision == "reopen":
                ticket_services.ticket_reopen(ticket_id=ticket.pk, actor=actor, reason=reason)
                record_decision(follow_up, Decision.REOPENED, now)
            elif decision == "close":
                _close(ticket, actor, "回访完成：市民表示未解决，不予重办", now, follow_up, reason)
            return follow_up
        closing = {
            R.ANSWERED: _("回访完成：市民表示已解决"),
            R.REFUSED: _("回访完成：市民拒绝评价"),
            R.WRONG_NUMBER: _("回访完成：号码错误，无法回访"),
            R.UNREACHABLE: _("回访完成：多次呼叫未接通"),
        }[follow_up.result]
        _close(ticket, actor, closing, now, follow_up)
    return follow_up


def _close(ticket, actor, text: str, now, follow_up: FollowUp, note: str = "") -> None:
    ticket_services.ticket_close(
        ticket_id=ticket.pk, actor=actor, note=f"{text}。{note}" if note else text
    )
    record_decision(follow_up, Decision.CLOSED, now)


def follow_up_decide(
    *, follow_up_id: int, actor, decision: str, reason: str = "", now=None
) -> FollowUp:
    """After "not solved" (by SMS, or a call left undecided): reopen to the same lead unit, or
    close (the citizen's verdict stays in the rates either way)."""
    require_role(actor, *FOLLOW_UP_ROLES)
    if decision not in ("reopen", "close"):
        message = _("请选择重办或归档")
        raise InvalidInput(message, fields={"decision": [message]})
    reason = _reason(reason, closing=decision == "close")[:1000]
    now = now or timezone.now()
    with transaction.atomic():
        follow_up = follow_up_locked(follow_up_id)
        if follow_up is None:
            raise NotFound(_("回访记录不存在"))
        ticket = follow_up.ticket
        undecided = (
            follow_up.result == R.ANSWERED and follow_up.solved is False and not follow_up.decision
        )
        if not undecided or ticket.status != Status.FOLLOW_UP:
            raise Conflict(_("该回访无需再处理"))
        if decision == "reopen":
            ticket_services.ticket_reopen(ticket_id=ticket.pk, actor=actor, reason=reason)
            record_decision(follow_up, Decision.REOPENED, now)
        else:
            _close(ticket, actor, "回访完成：市民表示未解决，不予重办", now, follow_up, reason)
    return follow_up


# --- the ticket-level actions (ticket page, API) --------------------------------------------------


def _round_for_ticket_action(ticket_id: int, actor) -> FollowUp | None:
    """The ticket's current round, locked after the ticket (the lock order above)."""
    ticket = ticket_get_for_user(user=actor, pk=ticket_id, for_update=True)
    follow_up = (
        FollowUp.objects.select_for_update()
        .filter(ticket=ticket, round=ticket.reopen_count + 1)
        .first()
    )
    if follow_up is not None and follow_up.result == R.PENDING:
        raise Conflict(_("请先在回访台记录回访结果"))
    return follow_up


def follow_up_close_ticket(*, ticket_id: int, actor, note: str = "") -> Ticket:
    """Close from the ticket page or the API: only once the round's outcome is recorded (or for a
    ticket whose round was never opened: resolved before follow-ups were recorded)."""
    require_role(actor, *FOLLOW_UP_ROLES)
    with transaction.atomic():
        follow_up = _round_for_ticket_action(ticket_id, actor)
        if follow_up is not None and follow_up.is_valid and follow_up.solved is False:
            note = _reason(note, field="note", closing=True)
        ticket = ticket_services.ticket_close(ticket_id=ticket_id, actor=actor, note=note)
        if follow_up is not None and not follow_up.decision:
            record_decision(follow_up, Decision.CLOSED, timezone.now())
    return ticket


def follow_up_reopen_ticket(*, ticket_id: int, actor, reason: str) -> Ticket:
    """Reopen from the ticket page or the API: when the citizen said it is not solved."""
    require_role(actor, *FOLLOW_UP_ROLES)
    with transaction.atomic():
        follow_up = _round_for_ticket_action(ticket_id, actor)
        if follow_up is not None and follow_up.solved:
            raise Conflict(_("市民已表示问题解决，不能重办"))
        ticket = ticket_services.ticket_reopen(ticket_id=ticket_id, actor=actor, reason=reason)
        if follow_up is not None:
            record_decision(follow_up, Decision.REOPENED, timezone.now())
    return ticket
