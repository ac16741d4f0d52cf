"""Tests of follow-up and evaluation. Helpers shared by the modules of this package live here.

Two ways to get data:
- ``resolved_in_follow_up``: a real ticket through the services (register, dispatch, accept,
  contact, resolve) and its follow-up round opened as the survey task would;
- ``record``: a follow-up row written directly, for the arithmetic of the rates, where hundreds of
  service calls would only hide the numbers. The ticket behind it is a plain row too.
"""

import itertools
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine

from evaluation.models import FollowUp, FollowUpResult
from evaluation.services import follow_up_open
from workorders import services
from workorders.models import Assignment, Notification, Status, Ticket, TicketEvent, Unit

SHANGHAI = ZoneInfo("Asia/Shanghai")
PHONE = "13812345678"
_numbers = itertools.count(1)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment in Beijing time."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def month(year: int, number: int) -> date:
    return date(year, number, 1)


# --- real tickets through the services ----------------------------------------------------------------


def resolved_in_follow_up(city, dispatcher, unit_staff, *, when=None, **overrides) -> FollowUp:
    """A street-light ticket handled by 市城市管理委员会 (assisted by 中关村街道 when it is in
    中关村), resolved, and its follow-up round opened (the survey SMS is in the outbox)."""
    fields = {
        "channel": "web",
        "title": "路灯不亮",
        "content": "中关村街道科源社区门口路灯不亮",
        "citizen_name": "李明",
        "citizen_phone": PHONE,
        **overrides,
    }
    assists = fields.pop("assist_units", [])
    with time_machine.travel(when or at(2026, 3, 2, 9), tick=False):
        ticket = services.ticket_register(**fields)
        services.ticket_dispatch(
            ticket_id=ticket.pk,
            lead_unit=city.urban_management,
            assist_units=assists,
            category=city.street_light,
            region=city.keyuan,
            actor=dispatcher,
        )
        services.ticket_accept(ticket_id=ticket.pk, actor=unit_staff)
        services.ticket_contact(ticket_id=ticket.pk, actor=unit_staff, note="已电话联系市民")
        services.ticket_resolve(
            ticket_id=ticket.pk, actor=unit_staff, reply="已更换路灯灯泡，恢复照明。"
        )
        return follow_up_open(ticket_id=ticket.pk)


def link_of(follow_up: FollowUp) -> str:
    """The survey link the SMS carried (signed when it was sent), as a path."""
    sms = Notification.objects.get(kind="survey", ticket_ids=[follow_up.ticket_id])
    return re.search(r"http://127\.0\.0\.1:8000(/evaluation/survey/\S+/)", sms.body)[1]


# --- plain rows for the arithmetic ---------------------------------------------------------------------


def plain_ticket(*, unit: Unit | None = None, region=None, registered_at=None, **fields) -> Ticket:
    moment = registered_at or at(2026, 3, 1, 8)
    number = next(_numbers)
    ticket = Ticket.objects.create(
        number=f"T{number:09d}",
        query_code="ABCDEF",
        channel="phone",
        title=fields.pop("title", f"诉求{number}"),
        content="内容",
        citizen_phone=fields.pop("citizen_phone", PHONE),
        status=fields.pop("status", Status.CLOSED),
        registered_at=moment,
        status_changed_at=moment,
        region=region,
        **fields,
    )
    if unit is not None:
        Assignment.objects.create(
            ticket=ticket, unit=unit, role=Assignment.Role.LEAD, dispatched_at=moment
        )
    return ticket


def record(
    unit: Unit | None,
    finished_at: datetime,
    *,
    result: str = FollowUpResult.ANSWERED,
    contacted: bool = True,
    solved: bool = True,
    satisfaction: str = "satisfied",
    on_time: bool | None = True,
    assists: tuple = (),
    ticket: Ticket | None = None,
    confidential: bool = False,
    round: int = 1,
) -> FollowUp:
    """One finished follow-up that scores ``unit``."""
    ticket = ticket or plain_ticket(unit=unit, confidential=confidential)
    for assist in assists:
        Assignment.objects.get_or_create(
            ticket=ticket,
            unit=assist,
            defaults={"role": Assignment.Role.ASSIST, "dispatched_at": finished_at},
        )
    answered = result == FollowUpResult.ANSWERED
    follow_up = FollowUp.objects.create(
        ticket=ticket,
        round=round,
        unit=unit,
        anonymous=result == FollowUpResult.ANONYMOUS,
        confidential=confidential,
        contacted_on_time=on_time,
        opened_at=finished_at,
        result=result,
        channel="call" if answered else "",
        contacted=contacted if answered else None,
        solved=solved if answered else None,
        satisfaction=satisfaction if answered else "",
        finished_at=finished_at,
    )
    follow_up.assist_units.set(assists)
    return follow_up


def answered(unit, finished_at, count: int, **answers) -> list[FollowUp]:
    return [record(unit, finished_at, **answers) for _ in range(count)]


def event(ticket: Ticket, kind: str, unit: Unit, moment: datetime) -> TicketEvent:
    return TicketEvent.objects.create(ticket=ticket, kind=kind, unit=unit, created_at=moment)
