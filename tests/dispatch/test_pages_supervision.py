"""Supervision (督办) and pauses of the clock, through the pages.

The dispatcher's /dispatch/supervision/ lists red tickets most overdue first and supervises them;
the unit sees the notice on its workbench and on the ticket page and answers it; the unit asks to
pause the clock, a dispatcher decides on /dispatch/approvals/, and the clock resumes. Then who may
do each of these, persona by persona.

Tickets: street lights dispatched to 市城市管理委员会 on Monday 2026-03-02 (accept due two working
hours later); the pages are looked at 12:30 that day unless a test says otherwise.
"""

import pytest
import time_machine
from django.utils import timezone

from tests.conftest import make_user
from tests.workorders.deadline_helpers import at, dispatch_at, fresh, register
from workorders import services
from workorders.models import EventKind, Notification, PauseStatus, Role, Supervision, Ticket
from workorders.services import notifications as outbox
from workorders.workdays import sync_calendar_from_library

NOW = at(2026, 3, 2, 12, 30)


@pytest.fixture(autouse=True)
def calendar_2026(db):
    sync_calendar_from_library([2026])


@pytest.fixture(autouse=True)
def broker(monkeypatch):
    # Notifications are stored in the outbox; no broker in these tests.
    monkeypatch.setattr(outbox.celery_app, "send_task", lambda name, args: None)


def request(client, method: str, url: str, data=None, moment=NOW, **kwargs):
    with time_machine.travel(moment, tick=False):
        return getattr(client, method)(url, data or {}, **kwargs)


def html_of(client, url: str, moment=NOW, status: int = 200) -> str:
    response = request(client, "get", url, moment=moment)
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def in_progress_at(moment, city, dispatcher, unit_staff, *, assisted: bool = False):
    """In progress at 市城市管理委员会; ``assisted``: with 中关村街道办事处 assisting."""
    if assisted:
        with time_machine.travel(moment, tick=False):
            ticket = register()
            services.ticket_dispatch(
                ticket_id=ticket.pk,
                actor=dispatcher,
                lead_unit=city.urban_management,
                assist_units=[city.zhongguancun_office],
                category=city.street_light,
                region=city.zhongguancun,
            )
    else:
        ticket = dispatch_at(moment, city, dispatcher)
    with time_machine.travel(moment, tick=False):
        services.ticket_accept(ticket_id=ticket.pk, actor=unit_staff)
        services.ticket_contact(ticket_id=ticket.pk, actor=unit_staff, note="已电话联系市民")
    return fresh(ticket)


def kinds(ticket) -> list[str]:
    return list(ticket.events.values_list("kind", flat=True))


# --- the supervision page -------------------------------------------------------------------------


def test_the_supervision_page_lists_red_tickets_most_overdue_first(client, city, dispatcher):
    later = dispatch_at(at(2026, 3, 2, 10), city, dispatcher)  # red since 12:00
    earlier = dispatch_at(at(2026, 3, 2, 9), city, dispatcher)  # red since 11:00
    soon = dispatch_at(at(2026, 3, 2, 10, 20), city, dispatcher)  # due 13:50, yellow 11:56
    client.force_login(dispatcher)

    response = request(client, "get", "/dispatch/supervision/")

    html = response.content.decode()
    assert earlier.number in html and later.number in html and soon.number not in html
    assert html.index(earlier.number) < html.index(later.number)
    assert html.count("light-red") >= 2 and "签收超期" in html
    assert "已超期" in html  # and by how long
    assert response.context["unit_counts"] == [
        {"unit_id": city.urban_management.pk, "unit__name": "市城市管理委员会", "red": 2}
    ]
    assert f'href="/dispatch/supervision/?lead_unit={city.urban_management.pk}"' in html
    assert f'action="/tickets/{earlier.pk}/supervise/"' in html

    yellow = html_of(client, "/dispatch/supervision/?light=yellow")
    assert soon.number in yellow and earlier.number not in yellow and "距到期" in yellow


def test_the_supervision_page_filters(client, city, dispatcher):
    ticket = dispatch_at(at(2026, 3, 2, 9), city, dispatcher)
    client.force_login(dispatcher)

    assert ticket.number in html_of(client, f"/dispatch/supervision/?q={ticket.number}")
    assert ticket.number not in html_of(client, "/dispatch/supervision/?q=停水")
    lead = city.urban_management.pk
    assert ticket.number in html_of(client, f"/dispatch/supervision/?lead_unit={lead}")
    other = city.labour_bureau.pk
    assert ticket.number not in html_of(client, f"/dispatch/supervision/?lead_unit={other}")
    # Green is not a supervision list; a bad light is a message.
    assert "督办列表只有红灯和黄灯" in html_of(
        client, "/dispatch/supervision/?light=green", status=400
    )
    assert "灯色应为" in html_of(client, "/dispatch/supervision/?light=purple", status=400)


def test_the_navigation_links_to_supervision(client, dispatcher, leader, unit_staff):
    for person in (dispatcher, leader):
        client.force_login(person)
        assert 'href="/dispatch/supervision/"' in html_of(client, "/")
    client.force_login(unit_staff)
    assert 'href="/dispatch/supervision/"' not in html_of(client, "/")


# --- the whole 督办 flow --------------------------------------------------------------------------


def test_supervise_then_the_unit_sees_and_acknowledges(client, city, dispatcher, unit_staff):
    ticket = dispatch_at(at(2026, 3, 2, 9), city, dispatcher)

    # The dispatcher supervises from the list.
    client.force_login(dispatcher)
    response = request(
        client,
        "post",
        f"/tickets/{ticket.pk}/supervise/",
        {"note": "签收已超时，请立即签收并联系市民", "next": "/dispatch/supervision/"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/dispatch/supervision/"
    html = response.content.decode()
    assert "已督办" in html
    assert "督办待回复" in html and "上次督办" in html  # the row now says so
    notice = Supervision.objects.get(ticket=ticket)
    assert notice.unit == city.urban_management and notice.created_by == dispatcher
    assert Notification.objects.filter(kind="supervised").count() == 1

    # The unit sees it on its workbench, counted, with a form to answer.
    client.force_login(unit_staff)
    response = request(client, "get", "/unit/")
    assert response.context["lights"]["supervisions"] == 1
    html = response.content.decode()
    assert "督办通知" in html and "签收已超时，请立即签收并联系市民" in html
    assert f'action="/tickets/{ticket.pk}/acknowledge_supervision/"' in html

    # … and on the ticket page, where it answers.
    page = html_of(client, f"/tickets/{ticket.pk}/")
    assert 'id="action-acknowledge_supervision"' in page and "督办待回复" in page
    response = request(
        client,
        "post",
        f"/tickets/{ticket.pk}/acknowledge_supervision/",
        {"response": "已签收，维修队下午到场"},
        follow=True,
    )
    assert "已回复督办" in response.content.decode()
    notice.refresh_from_db()
    assert notice.acknowledged_by == unit_staff and notice.response == "已签收，维修队下午到场"
    assert kinds(ticket)[-2:] == [EventKind.SUPERVISED, EventKind.SUPERVISION_ACKNOWLEDGED]

    # Answered: gone from the workbench, shown as answered on the ticket page.
    response = request(client, "get", "/unit/")
    assert response.context["lights"]["supervisions"] == 0
    assert "督办通知" not in response.content.decode()
    client.force_login(dispatcher)
    page = html_of(client, f"/tickets/{ticket.pk}/")
    assert "已回复" in page and "已签收，维修队下午到场" in page


def test_acknowledging_from_the_workbench_returns_to_it(client, city, dispatcher, unit_staff):
    ticket = dispatch_at(at(2026, 3, 2, 9), city, dispatcher)
    services.ticket_supervise(ticket_id=ticket.pk, actor=dispatcher, note="请尽快处理")
    client.force_login(unit_staff)

    response = request(
        client,
        "post",
        f"/tickets/{ticket.pk}/acknowledge_supervision/",
        {"response": "马上处理", "next": "/unit/"},
    )

    assert response.status_code == 302 and response["Location"] == "/unit/"


def test_an_empty_note_is_a_message_and_changes_nothing(client, city, dispatcher, unit_staff):
    ticket = dispatch_at(at(2026, 3, 2, 9), city, dispatcher)
    client.force_login(dispatcher)

    response = request(client, "post", f"/tickets/{ticket.pk}/supervise/", {"note": ""})

    assert response.status_code == 400
    assert "请填写督办意见" in response.content.decode()
    assert not Supervision.objects.exists()

    services.ticket_supervise(ticket_id=ticket.pk, actor=dispatcher, note="请尽快处理")
    client.force_login(unit_staff)
    response = request(client, "post", f"/tickets/{ticket.pk}/acknowledge_supervision/", {})
    assert response.status_code == 400
    assert "请填写督办回复" in response.content.decode()
    assert Supervision.objects.get().acknowledged_at is None


# --- pauses ---------------------------------------------------------------------------------------


def test_pause_requested_approved_shown_and_resumed(client, city, dispatcher, unit_staff):
    ticket = in_progress_at(at(2026, 3, 2, 10), city, dispatcher, unit_staff)
    due = ticket.resolve_due_at
    client.force_login(unit_staff)

    # The unit asks on the ticket page.
    page = html_of(client, f"/tickets/{ticket.pk}/", at(2026, 3, 4, 10))
    assert 'id="action-request_pause"' in page
    response = request(
        client,
        "post",
        f"/tickets/{ticket.pk}/request_pause/",
        {"reason": "等待市民提供产权证明材料"},
        moment=at(2026, 3, 4, 10),
        follow=True,
    )
    html = response.content.decode()
    assert "已提交暂停计时申请" in html and "暂停计时申请待审核" in html
    assert 'id="action-request_pause"' not in html

    # The dispatcher sees it among the approvals and approves.
    client.force_login(dispatcher)
    approvals = html_of(client, "/dispatch/approvals/", at(2026, 3, 4, 11))
    assert "暂停计时申请" in approvals and "等待市民提供产权证明材料" in approvals
    assert f'action="/tickets/{ticket.pk}/decide_pause/"' in approvals
    response = request(
        client,
        "post",
        f"/tickets/{ticket.pk}/decide_pause/",
        {"approve": "true", "next": "/dispatch/approvals/"},
        moment=at(2026, 3, 4, 11),
        follow=True,
    )
    assert "暂停申请已处理" in response.content.decode()
    assert fresh(ticket).paused_at == at(2026, 3, 4, 11)

    # Paused: said on the ticket page and in the lists, and the light stays green long after
    # the original due time.
    client.force_login(unit_staff)
    page = html_of(client, f"/tickets/{ticket.pk}/", at(2026, 3, 20))
    assert "暂停计时中" in page and "等待市民提供产权证明材料" in page
    assert "light-green" in page.split('class="deadline deadline-resolve"')[1].split("</li>")[0]
    assert 'id="action-resume"' in page
    workbench = html_of(client, "/unit/?tab=in_progress", at(2026, 3, 20))
    row = workbench.split('<li class="ticket-card">')[1]
    assert "暂停计时" in row and "light-green" in row

    # The unit resumes: the resolve deadline moves by the time paused.
    response = request(
        client,
        "post",
        f"/tickets/{ticket.pk}/resume/",
        {"note": "市民已提供材料"},
        moment=at(2026, 3, 5, 11),
        follow=True,
    )
    assert "已恢复计时" in response.content.decode()
    assert fresh(ticket).paused_at is None
    assert fresh(ticket).resolve_due_at == due + (at(2026, 3, 5, 11) - at(2026, 3, 4, 11))
    assert kinds(ticket)[-3:] == [EventKind.PAUSE_REQUESTED, EventKind.PAUSED, EventKind.RESUMED]


def test_a_rejected_pause_needs_a_note(client, city, dispatcher, unit_staff):
    ticket = in_progress_at(at(2026, 3, 2, 10), city, dispatcher, unit_staff)
    services.ticket_request_pause(ticket_id=ticket.pk, actor=unit_staff, reason="等待市民补充材料")
    client.force_login(dispatcher)

    page = html_of(client, f"/tickets/{ticket.pk}/")
    assert 'id="action-decide_pause"' in page
    response = request(client, "post", f"/tickets/{ticket.pk}/decide_pause/", {"approve": "false"})
    assert response.status_code == 400 and "请填写驳回理由" in response.content.decode()
    request(
        client,
        "post",
        f"/tickets/{ticket.pk}/decide_pause/",
        {"approve": "false", "note": "材料可由单位自行调取"},
    )
    assert ticket.pauses.get().status == PauseStatus.REJECTED
    assert fresh(ticket).paused_at is None


def test_a_dispatcher_may_end_a_pause(client, city, dispatcher, unit_staff):
    ticket = in_progress_at(at(2026, 3, 2, 10), city, dispatcher, unit_staff)
    services.ticket_request_pause(ticket_id=ticket.pk, actor=unit_staff, reason="等待市民补充材料")
    services.ticket_decide_pause(ticket_id=ticket.pk, actor=dispatcher, approve=True)
    client.force_login(dispatcher)

    assert 'id="action-resume"' in html_of(client, f"/tickets/{ticket.pk}/")
    response = request(client, "post", f"/tickets/{ticket.pk}/resume/", {"note": "暂停理由已消失"})

    assert response.status_code == 302
    assert ticket.pauses.get().status == PauseStatus.ENDED


# --- who may: every persona -----------------------------------------------------------------------

PERSONAS = (
    "anonymous",
    "citizen",
    "operator",
    "dispatcher",
    "unit_staff",  # 市城市管理委员会, the lead unit
    "street_staff",  # 中关村街道办事处, assisting
    "other_unit_staff",  # 市人力资源和社会保障局
    "follow_up_agent",
    "leader",
    "admin_user",
)
# 302 to the login page for anonymous ("login"), 302 elsewhere once done ("done"). The street
# office assists on the ticket: it sees it, but pauses are the lead unit's, and the 督办 went to
# the lead unit (409: nothing for the street office to answer). Other units do not see it (404),
# whatever the action: every action goes through the access funnel first, as in the API.
#                      anon     cit  oper disp    unit    street ounit fup  lead    admin
PAGES = {
    "supervision":    ("login", 403, 403, 200,    403,    403,   403,  403, 200,    200),
    "approvals":      ("login", 403, 403, 200,    403,    403,   403,  403, 403,    200),
    "supervise":      ("login", 403, 403, "done", 403,    403,   404,  403, "done", "done"),
    "acknowledge":    ("login", 403, 403, 403,    "done", 409,   404,  403, 403,    403),
    "request_pause":  ("login", 403, 403, 403,    "done", 403,   404,  403, 403,    403),
    "decide_pause":   ("login", 403, 403, "done", 403,    403,   404,  403, 403,    "done"),
    "resume":         ("login", 403, 403, "done", "done", 403,   404,  403, 403,    "done"),
}  # fmt: skip


@pytest.fixture
def people(request, city):
    named = {
        name: request.getfixturevalue(name)
        for name in PERSONAS
        if name not in ("anonymous", "citizen")
    }
    named["citizen"] = make_user("citizen_page", Role.CITIZEN, name="市民")
    return {"anonymous": None, **named}


def arrange(page: str, people: dict, city) -> tuple[str, str, dict]:
    """(method, url, body) with a ticket in the state the page's action needs."""
    dispatcher, staff = people["dispatcher"], people["unit_staff"]
    if page == "supervision":
        dispatch_at(at(2026, 3, 2, 9), city, dispatcher)
        return "get", "/dispatch/supervision/", {}
    if page == "approvals":
        return "get", "/dispatch/approvals/", {}
    ticket = in_progress_at(at(2026, 3, 2, 9), city, dispatcher, staff, assisted=True)
    if page == "supervise":
        return "post", f"/tickets/{ticket.pk}/supervise/", {"note": "请今日内办结"}
    if page == "acknowledge":
        services.ticket_supervise(ticket_id=ticket.pk, actor=dispatcher, note="请今日内办结")
        return "post", f"/tickets/{ticket.pk}/acknowledge_supervision/", {"response": "马上办"}
    if page == "request_pause":
        return "post", f"/tickets/{ticket.pk}/request_pause/", {"reason": "等待市民补充材料"}
    services.ticket_request_pause(ticket_id=ticket.pk, actor=staff, reason="等待市民补充材料")
    if page == "decide_pause":
        return "post", f"/tickets/{ticket.pk}/decide_pause/", {"approve": "true"}
    services.ticket_decide_pause(ticket_id=ticket.pk, actor=dispatcher, approve=True)
    return "post", f"/tickets/{ticket.pk}/resume/", {"note": "继续办理"}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may(client, city, people, page, persona):
    method, url, body = arrange(page, people, city)
    if people[persona] is not None:
        client.force_login(people[persona])
    expected = PAGES[page][PERSONAS.index(persona)]

    with time_machine.travel(timezone.now(), tick=False):
        response = getattr(client, method)(url, body)

    if expected == "login":
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    elif expected == "done":
        assert response.status_code == 302, response.content.decode()[:1500]
        assert not response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == expected, response.content.decode()[:1500]


def test_forbidden_actions_change_nothing(client, city, people):
    """The unit of another ticket, the leader and the follow-up agent try every action."""
    method, url, body = arrange("resume", people, city)
    ticket_id = int(url.split("/")[2])
    for persona in ("other_unit_staff", "street_staff", "leader", "follow_up_agent", "operator"):
        client.force_login(people[persona])
        for action, data in (
            ("resume", {"note": "x"}),
            ("request_pause", {"reason": "等待市民补充材料"}),
            ("acknowledge_supervision", {"response": "收到"}),
        ):
            response = client.post(f"/tickets/{ticket_id}/{action}/", data)
            assert response.status_code in (403, 404, 409), (persona, action)
        response = client.post(
            f"/tickets/{ticket_id}/decide_pause/", {"approve": "false", "note": "不同意"}
        )
        assert response.status_code == (404 if persona == "other_unit_staff" else 403)
    ticket = Ticket.objects.get(pk=ticket_id)
    assert ticket.paused_at is not None
    assert ticket.pauses.get().status == PauseStatus.ACTIVE
    assert not ticket.events.filter(kind=EventKind.SUPERVISION_ACKNOWLEDGED).exists()
