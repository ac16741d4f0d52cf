"""The follow-up agent's console and the one whole journey of a ticket through the pages.

Resolving a ticket enters follow-up by itself; the survey task (evaluation.tasks.send_survey) is
called directly here, standing in for the worker, to open the round and send the SMS.
"""

import re

from dispatch.services import ticket_auto_dispatch
from evaluation.models import FollowUpResult
from evaluation.services import follow_up_open
from tests.pages import PHONE, photo, resolved
from workorders.models import EventKind, Notification, Status, Ticket


def in_follow_up(city, dispatcher, unit_staff, **overrides):
    ticket = resolved(city, dispatcher, unit_staff, **overrides)
    return ticket, follow_up_open(ticket_id=ticket.pk)


def test_console_lists_calls_due_with_the_citizens_phone(
    client, city, dispatcher, unit_staff, follow_up_agent, settings
):
    settings.FOLLOW_UP_CALL_AFTER_HOURS = 0  # the SMS went unanswered: call now
    ticket, follow_up = in_follow_up(city, dispatcher, unit_staff)
    client.force_login(follow_up_agent)

    html = client.get("/evaluation/").content.decode()

    assert ticket.number in html
    assert f'href="tel:{PHONE}"' in html
    assert f'action="/evaluation/follow-ups/{follow_up.pk}/call/"' in html


def test_record_a_call_solved_closes_and_unsolved_reopens(
    client, city, dispatcher, unit_staff, follow_up_agent
):
    closing, closing_round = in_follow_up(city, dispatcher, unit_staff)
    reopening, reopening_round = in_follow_up(
        city, dispatcher, unit_staff, content="学院路的路灯不亮了"
    )
    client.force_login(follow_up_agent)
    answers = {"outcome": "reached", "contacted": "yes", "satisfaction": "satisfied"}

    response = client.post(
        f"/evaluation/follow-ups/{closing_round.pk}/call/",
        {f"f{closing_round.pk}-{k}": v for k, v in {**answers, "solved": "yes"}.items()},
        follow=True,
    )
    assert "已记录回访电话" in response.content.decode()
    client.post(
        f"/evaluation/follow-ups/{reopening_round.pk}/call/",
        {
            f"f{reopening_round.pk}-{k}": v
            for k, v in {
                **answers,
                "solved": "no",
                "satisfaction": "dissatisfied",
                "decision": "reopen",
                "reason": "市民说路灯还是不亮",
            }.items()
        },
    )

    closing.refresh_from_db()
    reopening.refresh_from_db()
    assert closing.status == Status.CLOSED
    assert (reopening.status, reopening.reopen_count) == (Status.DISPATCHED, 1)


def test_closing_before_the_outcome_is_recorded_is_a_conflict(
    client, city, dispatcher, unit_staff, follow_up_agent
):
    ticket, _ = in_follow_up(city, dispatcher, unit_staff)
    client.force_login(follow_up_agent)

    response = client.post(f"/tickets/{ticket.pk}/close/", {"note": "好"})

    assert response.status_code == 409
    assert "请先在回访台记录回访结果" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.FOLLOW_UP


def test_reopen_needs_a_reason(client, city, dispatcher, unit_staff, follow_up_agent):
    ticket = resolved(city, dispatcher, unit_staff)  # no round opened: the plain ticket action
    client.force_login(follow_up_agent)

    response = client.post(f"/tickets/{ticket.pk}/reopen/", {"reason": ""})

    assert response.status_code == 400
    assert "请填写重办原因" in response.content.decode()


def test_unit_staff_cannot_follow_up(client, city, dispatcher, unit_staff):
    ticket, follow_up = in_follow_up(city, dispatcher, unit_staff)
    client.force_login(unit_staff)

    assert client.post(f"/tickets/{ticket.pk}/close/").status_code == 403
    assert client.post(f"/evaluation/follow-ups/{follow_up.pk}/call/").status_code == 403


def test_a_ticket_from_submission_to_the_citizens_verdict_through_the_pages(
    client, city, unit_staff
):
    # The citizen submits on the web form.
    client.post(
        "/submit/",
        {
            "content": "中关村大街路灯不亮已经一周了，晚上很危险",
            "address": "海淀区中关村街道中关村大街1号",
            "citizen_name": "李四",
            "citizen_phone": PHONE,
            "attachments": [photo()],
        },
    )
    ticket = Ticket.objects.get()
    number, code = ticket.number, ticket.query_code
    assert number in client.get("/submit/done/").content.decode()

    # The worker classifies and dispatches it (called directly, standing in for Celery).
    assert ticket_auto_dispatch(ticket_id=ticket.pk) == "dispatched"

    # The unit accepts, contacts the citizen and resolves it.
    staff = client.__class__()
    staff.force_login(unit_staff)
    assert number in staff.get("/unit/").content.decode()
    assert "已签收" in staff.post(f"/tickets/{ticket.pk}/accept/", follow=True).content.decode()
    staff.post(f"/tickets/{ticket.pk}/contact/", {"note": "已电话联系市民，约定明天维修"})
    staff.post(f"/tickets/{ticket.pk}/resolve/", {"reply": "已更换路灯灯泡，现已恢复照明。"})

    # The survey task sends the SMS with its link; the citizen answers on the phone.
    follow_up_open(ticket_id=ticket.pk)
    sms = Notification.objects.get(kind="survey")
    assert sms.recipients[0]["phone"] == PHONE
    link = re.search(r"https?://[^/\s]+(/evaluation/survey/\S+/)", sms.body)[1]
    assert "中关村大街路灯不亮" in client.get(link).content.decode()
    response = client.post(
        link, {"contacted": "yes", "solved": "yes", "satisfaction": "satisfied"}, follow=True
    )
    assert "感谢您的评价" in response.content.decode()

    # The citizen sees the result on the tracking page.
    response = client.post("/track/", {"number": number, "query_code": code}, follow=True)
    html = response.content.decode()
    assert "已归档" in html
    assert "已更换路灯灯泡，现已恢复照明。" in html
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert ticket.follow_ups.get().result == FollowUpResult.ANSWERED
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds == [
        EventKind.REGISTERED,
        EventKind.DISPATCHED,
        EventKind.ACCEPTED,
        EventKind.CONTACTED,
        EventKind.RESOLVED,
        EventKind.FOLLOW_UP_STARTED,
        EventKind.SURVEY_SENT,
        EventKind.FOLLOW_UP_ANSWERED,
        EventKind.CLOSED,
    ]
