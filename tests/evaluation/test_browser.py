"""The citizen's survey and the leaders' dashboard in Chromium (desktop and phone).

Screenshots land in var/screenshots/ beside the other browser tests'. The survey link is signed
now (live server, real clock), so it is fresh.
"""

import re

import pytest

from evaluation.services import month_close
from tests.evaluation import answered, month, record
from tests.test_browser import VIEWPORTS, _watch_csp, shot, sign_in
from workorders import services
from workorders.models import Notification, Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def resolved_now(city, dispatcher, unit_staff):
    ticket = services.ticket_register(
        channel="web",
        title="路灯不亮",
        content="中关村大街路灯不亮已经一周了",
        citizen_name="李四",
        citizen_phone="13912345678",
    )
    services.ticket_dispatch(ticket_id=ticket.pk, lead_unit=city.urban_management, actor=dispatcher)
    services.ticket_accept(ticket_id=ticket.pk, actor=unit_staff)
    services.ticket_contact(ticket_id=ticket.pk, actor=unit_staff, note="已电话联系市民")
    services.ticket_resolve(
        ticket_id=ticket.pk, actor=unit_staff, reply="已更换路灯灯泡，恢复照明。"
    )
    return ticket


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_the_citizen_answers_the_survey_on_a_phone(
    live_server,
    browser,
    city,
    dispatcher,
    unit_staff,
    device,  # noqa: F811
):
    from evaluation.services import follow_up_open

    ticket = resolved_now(city, dispatcher, unit_staff)
    follow_up_open(ticket_id=ticket.pk)
    body = Notification.objects.get(kind="survey").body
    path = re.search(r"(/evaluation/survey/\S+/)", body)[1]
    page = browser.new_page(viewport=VIEWPORTS[device], locale="zh-CN")

    page.goto(f"{live_server.url}{path}")
    shot(page, f"{device}-survey")
    page.click("main form button[type=submit]")  # nothing chosen: told what is missing
    assert page.locator(".error-text").count() >= 3
    page.click("label.choice:has(input[name=contacted][value=yes])")
    page.click("label.choice:has(input[name=solved][value=yes])")
    page.click("label.choice:has(input[name=satisfaction][value=satisfied])")
    page.fill("#id_comment", "修得很快，谢谢")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/evaluation/survey/thanks/")
    shot(page, f"{device}-survey-thanks")

    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert ticket.follow_ups.get().comment == "修得很快，谢谢"


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_the_dashboard_in_the_browser(live_server, browser, city, leader, device):
    from django.utils import timezone

    from evaluation.periods import add_months, current_month, period_for

    last = add_months(current_month(), -1)
    moment = period_for(last).start + timezone.timedelta(days=3)
    answered(city.labour_bureau, moment, 3)
    answered(city.urban_management, moment, 2)
    record(city.urban_management, moment, solved=False, satisfaction="dissatisfied")
    month_close(month=last)
    assert last < month(2100, 1)
    page = browser.new_page(viewport=VIEWPORTS[device], locale="zh-CN")
    violations = _watch_csp(page)
    sign_in(page, live_server.url, leader.username)

    page.goto(f"{live_server.url}/evaluation/rankings/")
    # The trend is drawn by ECharts into its box (a canvas), from the page's JSON.
    page.wait_for_selector(".chart-card .echart canvas")
    assert page.locator(".chart-card .echart canvas").count() >= 1
    page.wait_for_timeout(800)  # the lines' entry animation
    shot(page, f"{device}-rankings")
    # Hovering shows the tooltip, drawn on the canvas: no inline style for the policy to block.
    area = page.locator(".chart-card .echart").bounding_box()
    page.mouse.move(area["x"] + area["width"] / 2, area["y"] + area["height"] / 2)
    page.wait_for_timeout(300)
    assert violations == [], violations
    assert page.locator("#kind-department tbody tr").first.inner_text().startswith("1")
    page.click("#kind-department a.drill >> nth=1")
    assert "/units/" in page.url
