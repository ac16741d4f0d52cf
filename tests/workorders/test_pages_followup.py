"""The follow-up agent's console and the one whole journey of a ticket through the pages."""

from dispatch.services import ticket_auto_dispatch
from tests.pages import PHONE, photo, resolved
from workorders.models import EventKind, Status, Ticket


def test_followup_list_shows_resolved_tickets_with_the_citizens_phone(
    client, city, dispatcher, unit_staff, followup_agent
):
    ticket = resolved(city, dispatcher, unit_staff)
    client.force_login(followup_agent)

    html = client.get("/follow-up/").content.decode()

    assert ticket.number in html
    assert f'href="tel:{PHONE}"' in html
    assert f'action="/follow-up/tickets/{ticket.pk}/start/"' in html


def test_start_close_and_reopen(client, city, dispatcher, unit_staff, followup_agent):
    closing = resolved(city, dispatcher, unit_staff)
    reopening = resolved(city, dispatcher, unit_staff, content="学院路的路灯不亮了")
    client.force_login(followup_agent)

    for ticket in (closing, reopening):
        response = client.post(
            f"/follow-up/tickets/{ticket.pk}/start/", {"next": "/follow-up/"}, follow=True
        )
        assert "已开始回访" in response.content.decode()
    client.post(f"/follow-up/tickets/{closing.pk}/close/", {"note": "市民表示已解决，满意"})
    client.post(f"/follow-up/tickets/{reopening.pk}/reopen/", {"reason": "市民说路灯还是不亮"})

    closing.refresh_from_db()
    reopening.refresh_from_db()
    assert closing.status == Status.CLOSED
    assert (reopening.status, reopening.reopen_count) == (Status.DISPATCHED, 1)


def test_closing_before_follow_up_started_is_a_conflict(
    client, city, dispatcher, unit_staff, followup_agent
):
    ticket = resolved(city, dispatcher, unit_staff)
    client.force_login(followup_agent)

    response = client.post(f"/follow-up/tickets/{ticket.pk}/close/", {"note": "好"})

    assert response.status_code == 409
    assert "不能执行此操作" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_reopen_needs_a_reason(client, city, dispatcher, unit_staff, followup_agent):
    ticket = resolved(city, dispatcher, unit_staff)
    client.force_login(followup_agent)
    client.post(f"/follow-up/tickets/{ticket.pk}/start/")

    response = client.post(f"/follow-up/tickets/{ticket.pk}/reopen/", {"reason": ""})

    assert response.status_code == 400
    assert "请填写重办原因" in response.content.decode()


def test_unit_staff_cannot_follow_up(client, city, dispatcher, unit_staff):
    ticket = resolved(city, dispatcher, unit_staff)
    client.force_login(unit_staff)

    assert client.post(f"/follow-up/tickets/{ticket.pk}/start/").status_code == 403


def test_a_ticket_from_submission_to_closing_through_the_pages(
    client, city, unit_staff, followup_agent
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

    # The follow-up agent calls the citizen and closes it.
    agent = client.__class__()
    agent.force_login(followup_agent)
    assert number in agent.get("/follow-up/").content.decode()
    agent.post(f"/follow-up/tickets/{ticket.pk}/start/")
    agent.post(f"/follow-up/tickets/{ticket.pk}/close/", {"note": "市民确认已解决，满意"})

    # The citizen sees the reply on the tracking page.
    response = client.post("/track/", {"number": number, "query_code": code}, follow=True)
    html = response.content.decode()
    assert "已归档" in html
    assert "已更换路灯灯泡，现已恢复照明。" in html
    assert "联系诉求人" in html
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds == [
        EventKind.REGISTERED,
        EventKind.DISPATCHED,
        EventKind.ACCEPTED,
        EventKind.CONTACTED,
        EventKind.RESOLVED,
        EventKind.FOLLOW_UP_STARTED,
        EventKind.CLOSED,
    ]
