"""The light on the pages: every staff list and workbench shows each ticket's light, filters and
sorts by it, and the ticket page shows 签收 / 联系 / 办结 with their due times and lights.

Three street-light tickets dispatched to 市城市管理委员会 on Monday 2026-03-02 and looked at
11:40 that morning: dispatched at 09:00 (accept due 11:00: red), at 10:00 (accept due 12:00,
yellow since 11:36) and at 11:30 (green).
"""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.workorders.deadline_helpers import at, dispatch_at, register
from workorders import services
from workorders.workdays import sync_calendar_from_library

NOW = at(2026, 3, 2, 11, 40)


@pytest.fixture(autouse=True)
def calendar_2026(db):
    sync_calendar_from_library([2026])


@pytest.fixture
def trio(city, dispatcher):
    red = dispatch_at(at(2026, 3, 2, 9), city, dispatcher)
    yellow = dispatch_at(at(2026, 3, 2, 10), city, dispatcher)
    green = dispatch_at(at(2026, 3, 2, 11, 30), city, dispatcher)
    return red, yellow, green


def get(client, url: str, moment=NOW):
    with time_machine.travel(moment, tick=False):
        return client.get(url)


def html_of(client, url: str, moment=NOW, status: int = 200) -> str:
    response = get(client, url, moment)
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def card(html: str, ticket) -> str:
    """One ticket's card in a list page."""
    for chunk in html.split('<li class="ticket-card">')[1:]:
        if ticket.number in chunk:
            return chunk
    raise AssertionError(f"{ticket.number} is not listed")


def listed(html: str, *tickets) -> list[bool]:
    return [ticket.number in html for ticket in tickets]


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%m-%d %H:%M")


# --- lights on the lists ----------------------------------------------------------------------


def test_the_unit_workbench_shows_each_tickets_light(client, unit_staff, trio):
    red, yellow, green = trio
    client.force_login(unit_staff)

    html = html_of(client, "/unit/")

    assert "light-red" in card(html, red) and "签收超期" in card(html, red)
    assert "light-yellow" in card(html, yellow) and "签收将到期" in card(html, yellow)
    assert "light-green" in card(html, green) and "正常" in card(html, green)
    # The row says which deadline it waits on, with its due time.
    assert "签收时限" in card(html, red) and local(red.accept_due_at) in card(html, red)


def test_the_workbench_counts_red_and_yellow_tickets_and_links_to_them(client, unit_staff, trio):
    red, yellow, green = trio
    client.force_login(unit_staff)

    response = get(client, "/unit/")

    assert response.context["lights"] == {"red": 1, "yellow": 1, "supervisions": 0}
    html = response.content.decode()
    unit = unit_staff.profile.unit_id
    link = f"?tab=all&amp;unit={unit}&amp;light=red&amp;ordering=light"
    assert link in html
    assert listed(html_of(client, "/unit/" + link.replace("&amp;", "&")), red, yellow, green) == [
        True,
        False,
        False,
    ]


def test_the_assisting_unit_sees_the_lights_too(client, street_staff, city, dispatcher):
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        ticket = register()
        services.ticket_dispatch(
            ticket_id=ticket.pk,
            actor=dispatcher,
            lead_unit=city.urban_management,
            assist_units=[city.zhongguancun_office],
            category=city.street_light,
            region=city.zhongguancun,
        )
    client.force_login(street_staff)

    assert "light-red" in card(html_of(client, "/unit/"), ticket)


def test_all_tickets_list_shows_lights_and_filters_by_light(client, dispatcher, trio):
    red, yellow, green = trio
    client.force_login(dispatcher)

    html = html_of(client, "/dispatch/tickets/")
    assert "light-red" in card(html, red)
    assert "light-yellow" in card(html, yellow)
    assert "light-green" in card(html, green)

    assert listed(html_of(client, "/dispatch/tickets/?light=red"), *trio) == [True, False, False]
    assert listed(html_of(client, "/dispatch/tickets/?light=yellow"), *trio) == [
        False,
        True,
        False,
    ]
    assert listed(html_of(client, "/dispatch/tickets/?light=green"), *trio) == [
        False,
        False,
        True,
    ]


def test_the_filter_is_right_between_sweeps(client, dispatcher, trio):
    """No sweep ran at all: the light comes from the due times at the moment of the request."""
    red, yellow, green = trio
    client.force_login(dispatcher)

    later = at(2026, 3, 2, 12, 5)  # the 10:00 ticket's accept deadline passed at 12:00

    assert listed(html_of(client, "/dispatch/tickets/?light=red", later), *trio) == [
        True,
        True,
        False,
    ]


def test_most_overdue_first(client, dispatcher, unit_staff, trio):
    red, yellow, green = trio
    client.force_login(dispatcher)

    newest_first = html_of(client, "/dispatch/tickets/")
    urgent_first = html_of(client, "/dispatch/tickets/?ordering=light")

    def order(html):
        return sorted(trio, key=lambda ticket: html.index(ticket.number))

    assert order(newest_first) == [green, yellow, red]
    assert order(urgent_first) == [red, yellow, green]
    client.force_login(unit_staff)
    assert order(html_of(client, "/unit/?tab=new&ordering=light")) == [red, yellow, green]


def test_the_filter_form_offers_light_and_sort(client, dispatcher, unit_staff, trio):
    client.force_login(dispatcher)
    html = html_of(client, "/dispatch/tickets/?light=red")
    assert 'name="light"' in html and 'name="ordering"' in html
    assert '<option value="red" selected>' in html
    client.force_login(unit_staff)
    html = html_of(client, "/unit/?tab=in_progress&light=yellow")
    assert 'name="light"' in html and 'name="ordering"' in html
    assert '<input type="hidden" name="tab" value="in_progress"' in html


@pytest.mark.parametrize("url", ["/dispatch/tickets/?light=purple", "/unit/?light=purple"])
def test_a_bad_light_is_a_message_not_a_crash(client, dispatcher, unit_staff, trio, url):
    client.force_login(unit_staff if url.startswith("/unit/") else dispatcher)

    html = html_of(client, url, status=400)

    assert "灯色应为 red、yellow 或 green" in html


def test_an_unknown_sort_is_a_message(client, dispatcher, trio):
    client.force_login(dispatcher)

    assert "未知的排序方式" in html_of(client, "/dispatch/tickets/?ordering=oldest", status=400)


def test_queues_show_the_dispatch_light_of_waiting_tickets(
    client, operator, dispatcher, city, trio
):
    """Registered and triage tickets have no unit, only the center's dispatch clock
    (workorders.lights): the triage queue shows it; the triage page points to the units' red
    tickets, which do not count the triage queue's own."""
    waiting = register()
    services.ticket_send_to_triage(ticket_id=waiting.pk, suggestion={}, reason="分类置信度低")
    client.force_login(dispatcher)
    html = html_of(client, "/dispatch/triage/")
    assert "分拨时限" in card(html, waiting)
    assert 'href="/dispatch/supervision/"' in html
    assert "红灯工单" in html and "<strong>1</strong>" in html


def test_citizens_own_list_shows_no_light(client, citizen, city, dispatcher):
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        ticket = register(citizen_user=citizen)
        services.ticket_dispatch(
            ticket_id=ticket.pk,
            actor=dispatcher,
            lead_unit=city.urban_management,
            category=city.street_light,
        )
    client.force_login(citizen)

    html = html_of(client, "/my/")

    assert ticket.number in html and "light-" not in html


# --- the ticket page ------------------------------------------------------------------------------


def deadline(html: str, name: str) -> str:
    return html.split(f'class="deadline deadline-{name}"')[1].split("</li>")[0]


def test_the_ticket_page_shows_every_deadline_with_its_light(client, unit_staff, trio):
    red, yellow, green = trio
    client.force_login(unit_staff)

    html = html_of(client, f"/tickets/{yellow.pk}/")

    accept, contact, resolve = (deadline(html, n) for n in ("accept", "contact", "resolve"))
    assert "签收时限" in accept and "light-yellow" in accept and "签收将到期" in accept
    assert timezone.localtime(yellow.accept_due_at).strftime("%Y-%m-%d %H:%M") in accept
    assert "联系时限" in contact and "light-green" in contact
    assert "预警" in contact  # a green deadline says when it turns yellow
    assert "办结时限" in resolve and "light-green" in resolve
    assert timezone.localtime(yellow.resolve_due_at).strftime("%Y-%m-%d %H:%M") in resolve
    header = html.split('class="ticket-header"')[1].split("</h1>")[0]
    assert "light-yellow" in header


def test_a_met_deadline_says_whether_it_was_met_in_time(client, unit_staff, trio):
    red, yellow, green = trio
    with time_machine.travel(at(2026, 3, 2, 11, 50), tick=False):
        services.ticket_accept(ticket_id=red.pk, actor=unit_staff)
        services.ticket_accept(ticket_id=yellow.pk, actor=unit_staff)
    client.force_login(unit_staff)

    late = deadline(html_of(client, f"/tickets/{red.pk}/", at(2026, 3, 2, 12)), "accept")
    on_time = deadline(html_of(client, f"/tickets/{yellow.pk}/", at(2026, 3, 2, 12)), "accept")

    assert "超时完成" in late and "03-02 11:50" in late and "light-" not in late
    assert "按时完成" in on_time


def test_red_tickets_offer_supervision_on_their_page(client, dispatcher, leader, trio):
    red, yellow, green = trio
    for person in (dispatcher, leader):
        client.force_login(person)
        assert 'id="action-supervise"' in html_of(client, f"/tickets/{red.pk}/")
        assert 'id="action-supervise"' in html_of(client, f"/tickets/{yellow.pk}/")
        assert 'id="action-supervise"' not in html_of(client, f"/tickets/{green.pk}/")


# --- SQL per page ---------------------------------------------------------------------------------


def make_tickets(city, dispatcher, count: int) -> None:
    """``count`` red dispatched tickets (one of them supervised) and ``count`` in triage."""
    for _ in range(count):
        dispatch_at(at(2026, 3, 2, 9), city, dispatcher)
        waiting = register()
        services.ticket_send_to_triage(ticket_id=waiting.pk, suggestion={}, reason="不确定")


PAGES = [
    ("/dispatch/tickets/", "dispatcher"),
    ("/dispatch/tickets/?light=red&ordering=light", "dispatcher"),
    ("/dispatch/triage/", "dispatcher"),
    ("/dispatch/supervision/", "dispatcher"),
    ("/operator/", "operator"),
    ("/unit/", "unit_staff"),
    ("/unit/?tab=all&light=red&ordering=light", "unit_staff"),
]


@pytest.mark.parametrize(("url", "persona"), PAGES)
def test_sql_per_page_does_not_grow_with_the_tickets(
    request, client, city, dispatcher, url, persona, django_assert_max_num_queries
):
    client.force_login(request.getfixturevalue(persona))
    make_tickets(city, dispatcher, 2)
    with CaptureQueriesContext(connection) as two:
        html_of(client, url)

    make_tickets(city, dispatcher, 18)
    with django_assert_max_num_queries(len(two.captured_queries)):
        html = html_of(client, url)

    assert html.count('<li class="ticket-card">') >= 20  # the rows were rendered, lights and all
    if "light=red" in url or url.startswith(("/unit/", "/dispatch/supervision/")):
        assert html.count("light-red") >= 20
