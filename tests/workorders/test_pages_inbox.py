"""The inbox page (/inbox/) and the unread count in the menu, for unit staff and dispatchers."""

import re

from tests.pages import dispatched
from workorders import services
from workorders.inbox_selectors import inbox_items_for, inbox_unread_count


def badge(html: str) -> str | None:
    match = re.search(r'<span class="nav-badge"[^>]*>(\d+)</span>', html)
    return match.group(1) if match else None


def test_the_menu_shows_the_unread_count_on_every_page(client, city, dispatcher, unit_staff):
    client.force_login(unit_staff)
    assert badge(client.get("/unit/").content.decode()) is None
    dispatched(city, dispatcher)
    dispatched(city, dispatcher)
    html = client.get("/unit/").content.decode()
    assert badge(html) == "2" and 'href="/inbox/"' in html


def test_the_page_lists_links_and_marks_read(client, city, dispatcher, unit_staff):
    ticket = dispatched(city, dispatcher)
    other = dispatched(city, dispatcher)
    client.force_login(unit_staff)
    html = client.get("/inbox/").content.decode()
    assert ticket.number in html and other.number in html and "全部标为已读" in html
    item = inbox_items_for(user=unit_staff).get(ticket=ticket)

    # "查看工单": read, and on to the ticket.
    response = client.post(f"/inbox/{item.pk}/read/", {"next": f"/tickets/{ticket.pk}/"})
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"
    assert inbox_unread_count(user=unit_staff) == 1
    html = client.get("/inbox/?unread=1").content.decode()
    assert other.number in html and ticket.number not in html

    # Somewhere else entirely is not where "next" may lead.
    response = client.post(f"/inbox/{item.pk}/read/", {"next": "https://evil.example/"})
    assert response["Location"] == "/inbox/"

    response = client.post("/inbox/read-all/", {"next": "/inbox/"})
    assert response.status_code == 302 and inbox_unread_count(user=unit_staff) == 0
    assert badge(client.get("/inbox/").content.decode()) is None
    assert "没有未读消息" in client.get("/inbox/?unread=1").content.decode()


def test_another_units_notice_is_404_and_others_may_not_enter(
    client, city, dispatcher, unit_staff, other_unit_staff, citizen
):
    dispatched(city, dispatcher)
    (item,) = inbox_items_for(user=unit_staff)
    client.force_login(other_unit_staff)
    assert client.post(f"/inbox/{item.pk}/read/").status_code == 404
    assert client.get("/inbox/").status_code == 200
    assert "还没有消息" in client.get("/inbox/").content.decode()
    assert client.get(f"/inbox/{item.pk}/read/").status_code == 405
    client.force_login(citizen)
    assert client.get("/inbox/").status_code == 403
    client.logout()
    assert client.get("/inbox/").status_code == 302  # to the sign-in page


def test_a_dispatcher_sees_requests_waiting_for_a_decision(client, city, dispatcher, unit_staff):
    ticket = dispatched(city, dispatcher)
    services.ticket_request_return(ticket_id=ticket.pk, actor=unit_staff, reason="不属于本单位职责")
    client.force_login(dispatcher)
    html = client.get("/inbox/").content.decode()
    assert "申请退单" in html and "不属于本单位职责" in html and ticket.number in html
    assert badge(html) == "1"
