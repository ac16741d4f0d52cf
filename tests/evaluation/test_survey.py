"""The SMS survey: resolving queues it, the task opens the round and writes the SMS to the outbox,
and the citizen answers once through a signed link that expires.

The helper resolves the ticket on Monday 2026-03-02 09:00; links work for 7 days.
"""

import pytest
import time_machine
from rest_framework.test import APIClient

from evaluation.models import Decision, FollowUp, FollowUpResult, SurveyLink
from evaluation.services import (
    follow_up_open,
    open_failed_surveys,
    open_missing_rounds_on_worker_start,
    survey_token,
)
from evaluation.tasks import send_survey
from tests.evaluation import PHONE, at, link_of, resolved_in_follow_up
from workorders import services
from workorders.models import EventKind, Notification, Status

SOLVED = {"contacted": "yes", "solved": "yes", "satisfaction": "satisfied", "comment": "很及时"}
UNSOLVED = {"contacted": "yes", "solved": "no", "satisfaction": "dissatisfied"}


@pytest.fixture
def follow_up(city, dispatcher, unit_staff):
    return resolved_in_follow_up(city, dispatcher, unit_staff)


def test_resolving_queues_the_survey_task_by_name_after_commit(
    city, dispatcher, unit_staff, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(
        "workorders.services.follow_up.celery_app.send_task",
        lambda name, args: sent.append((name, *args)),
    )
    with django_capture_on_commit_callbacks(execute=True):
        follow_up = resolved_in_follow_up(city, dispatcher, unit_staff)

    assert ("evaluation.tasks.send_survey", follow_up.ticket_id) in sent


def test_a_broker_outage_at_resolution_is_not_an_error(
    city, dispatcher, unit_staff, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(name, args):
        raise OSError("broker down")

    monkeypatch.setattr("workorders.services.follow_up.celery_app.send_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        follow_up = resolved_in_follow_up(city, dispatcher, unit_staff)

    assert follow_up.ticket.status == Status.FOLLOW_UP  # the sweep opens missed rounds


def test_a_survey_the_broker_missed_is_opened_seconds_later(
    city, dispatcher, unit_staff, monkeypatch, django_capture_on_commit_callbacks
):
    # Given the broker was down when the unit resolved the ticket
    def broker_down(name, args):
        raise OSError("broker down")

    monkeypatch.setattr("workorders.services.follow_up.celery_app.send_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        follow_up = resolved_in_follow_up(city, dispatcher, unit_staff)
    ticket = follow_up.ticket
    FollowUp.objects.filter(pk=follow_up.pk).delete()  # the round the lost task would open
    ticket.refresh_from_db()
    assert ticket.enqueue_failed_at is not None
    sms_before = Notification.objects.filter(kind="survey").count()

    # When the short sweep runs, the round is opened and the SMS queued, once
    assert open_failed_surveys() == 1
    assert open_failed_surveys() == 0
    ticket.refresh_from_db()
    assert ticket.enqueue_failed_at is None
    assert FollowUp.objects.filter(ticket=ticket).count() == 1
    assert Notification.objects.filter(kind="survey").count() == sms_before + 1


def test_a_starting_worker_opens_every_missing_round(city, dispatcher, unit_staff):
    # Given a resolved ticket whose survey message a killed worker took with it
    follow_up = resolved_in_follow_up(city, dispatcher, unit_staff)
    ticket = follow_up.ticket
    FollowUp.objects.filter(pk=follow_up.pk).delete()

    # When a worker starts, the round is opened without waiting for the 5-minute sweep's grace
    assert open_missing_rounds_on_worker_start() == 1
    assert open_missing_rounds_on_worker_start() == 0
    assert FollowUp.objects.filter(ticket=ticket).count() == 1


def test_the_task_opens_the_round_once_and_the_sms_carries_a_working_link(city, follow_up, client):
    ticket = follow_up.ticket
    # Delivered twice (acks_late, a retry): the same round, one SMS.
    assert send_survey(ticket.pk) == FollowUpResult.PENDING
    assert follow_up_open(ticket_id=ticket.pk).pk == follow_up.pk

    sms = Notification.objects.get(kind="survey")
    assert sms.recipients == [{"name": "李明", "email": "", "phone": PHONE}]
    assert sms.ticket_ids == [ticket.pk]
    assert ticket.number in sms.body and "7 天内有效" in sms.body
    link = link_of(follow_up)
    nonce = SurveyLink.objects.get(follow_up=follow_up).nonce
    assert link.startswith(f"/evaluation/survey/{nonce}:")
    assert (follow_up.unit, follow_up.round, follow_up.contacted_on_time) == (
        city.urban_management,
        1,
        True,
    )
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        html = client.get(link).content.decode()
    assert "请评价办理结果" in html and "已更换路灯灯泡" in html
    assert ticket.events.filter(kind=EventKind.SURVEY_SENT).count() == 1


def test_solved_closes_the_ticket(follow_up, client):
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        response = client.post(link_of(follow_up), SOLVED, follow=True)

    assert "感谢您的评价" in response.content.decode()
    follow_up.refresh_from_db()
    assert (follow_up.result, follow_up.channel, follow_up.solved) == ("answered", "sms", True)
    assert (follow_up.satisfaction, follow_up.comment) == ("satisfied", "很及时")
    assert follow_up.finished_at == at(2026, 3, 3, 10)
    assert follow_up.decision == Decision.CLOSED
    ticket = follow_up.ticket
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert list(ticket.events.values_list("kind", flat=True))[-2:] == [
        EventKind.FOLLOW_UP_ANSWERED,
        EventKind.CLOSED,
    ]


def test_not_solved_waits_for_the_agent(follow_up, client):
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        response = client.post(link_of(follow_up), UNSOLVED, follow=True)

    assert "回访员将尽快与您联系" in response.content.decode()
    follow_up.refresh_from_db()
    assert (follow_up.result, follow_up.solved, follow_up.decision) == ("answered", False, "")
    assert follow_up.ticket.status == Status.FOLLOW_UP


def test_every_answer_is_required(follow_up, client):
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        response = client.post(link_of(follow_up), {"solved": "yes"})

    assert response.status_code == 400
    html = response.content.decode()
    assert html.count("请选择一项") == 2
    follow_up.refresh_from_db()
    assert follow_up.result == FollowUpResult.PENDING


def test_an_expired_link_is_refused(follow_up, client):
    link = link_of(follow_up)
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):  # 7 days and 1 hour later
        opened = client.get(link)
        posted = client.post(link, SOLVED)
        api = APIClient().post(f"/api{link.replace('/evaluation/survey/', '/public/surveys/')}", {
            "contacted": True, "solved": True, "satisfaction": "satisfied"
        }, format="json")  # fmt: skip

    assert opened.status_code == posted.status_code == 410
    assert "回访链接已过期" in opened.content.decode()
    assert api.status_code == 410 and api.json()["code"] == "expired"
    follow_up.refresh_from_db()
    assert follow_up.result == FollowUpResult.PENDING


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature
        lambda token: "X" + token,  # the nonce
        lambda token: "not-a-link",
    ],
)
def test_a_forged_link_is_refused(follow_up, client, mangle):
    token = link_of(follow_up).split("/")[-2]
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        response = client.post(f"/evaluation/survey/{mangle(token)}/", SOLVED)

    assert response.status_code == 404
    assert "回访链接无效" in response.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.result == FollowUpResult.PENDING


def test_a_signed_link_without_its_row_is_refused(follow_up, client):
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        response = client.get(f"/evaluation/survey/{survey_token('never-issued')}/")

    assert response.status_code == 404


def test_a_used_link_is_refused(follow_up, client):
    link = link_of(follow_up)
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        client.post(link, UNSOLVED)
        again = client.post(link, SOLVED)
        opened = client.get(link)

    assert again.status_code == opened.status_code == 409
    assert "您已提交过评价" in again.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.solved is False  # the first answer stands


def test_a_link_after_the_agent_finished_the_round_is_refused(follow_up, client, follow_up_agent):
    from evaluation.services import follow_up_record_call

    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        follow_up_record_call(
            follow_up_id=follow_up.pk,
            actor=follow_up_agent,
            outcome="reached",
            contacted=True,
            solved=True,
            satisfaction="satisfied",
        )
        response = client.post(link_of(follow_up), UNSOLVED)

    assert response.status_code == 409
    assert "本次回访已完成" in response.content.decode()


def test_anonymous_tickets_are_counted_and_closed_without_an_sms(city, dispatcher, unit_staff):
    follow_up = resolved_in_follow_up(
        city, dispatcher, unit_staff, citizen_name="", citizen_phone=""
    )

    assert follow_up.result == FollowUpResult.ANONYMOUS and follow_up.anonymous
    assert follow_up.finished_at is not None
    follow_up.ticket.refresh_from_db()
    assert follow_up.ticket.status == Status.CLOSED
    assert not Notification.objects.filter(kind="survey").exists()


def test_confidential_tickets_are_asked_and_marked(city, dispatcher, unit_staff):
    follow_up = resolved_in_follow_up(city, dispatcher, unit_staff, confidential=True)

    assert follow_up.confidential and follow_up.result == FollowUpResult.PENDING
    assert Notification.objects.filter(kind="survey").count() == 1


def test_direct_answers_are_followed_up_without_a_unit(city, operator):
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        ticket = services.ticket_register(
            channel="phone",
            title="社保咨询",
            content="请问灵活就业人员社保如何缴纳？",
            citizen_phone=PHONE,
            actor=operator,
        )
        services.ticket_answer_directly(
            ticket_id=ticket.pk, actor=operator, reply="可在社保网上服务平台办理。"
        )
        follow_up = follow_up_open(ticket_id=ticket.pk)

    assert follow_up.unit is None and follow_up.result == FollowUpResult.PENDING


def test_the_survey_api(follow_up):
    token = link_of(follow_up).split("/")[-2]
    client = APIClient()
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        shown = client.get(f"/api/public/surveys/{token}/")
        bad = client.post(f"/api/public/surveys/{token}/", {"solved": True}, format="json")
        done = client.post(
            f"/api/public/surveys/{token}/",
            {"contacted": True, "solved": True, "satisfaction": "basically_satisfied"},
            format="json",
        )
        again = client.post(
            f"/api/public/surveys/{token}/",
            {"contacted": True, "solved": True, "satisfaction": "satisfied"},
            format="json",
        )

    assert shown.status_code == 200 and shown.json()["unit"] == "市城市管理委员会"
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"contacted", "satisfaction"}
    assert done.status_code == 200
    assert again.status_code == 409
    follow_up.refresh_from_db()
    assert follow_up.satisfaction == "basically_satisfied"


def test_the_sms_answer_is_shown_as_the_citizens(follow_up, client, dispatcher):
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        client.post(link_of(follow_up), UNSOLVED)
    client.force_login(dispatcher)

    html = client.get(f"/tickets/{follow_up.ticket_id}/").content.decode()

    answered = html.split('class="tl-item tl-follow_up_answered', 1)[1].split("</li>", 1)[0]
    assert "市民" in answered.split('class="tl-who">', 1)[1]
    assert "系统" not in answered
