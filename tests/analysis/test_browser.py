"""Proactive work and 每月一题 in Chromium (desktop and phone): a dispatcher raises an order from
a cluster's link, the order's page lists its sources; a leader looks at a topic's page.
Screenshots land in var/screenshots/."""

import pytest

from analysis.models import ProactiveLink
from analysis.topics.services import problem_add, topic_create
from tests.analysis.test_proactive import dispatched_request
from tests.test_browser import VIEWPORTS, shot, sign_in
from workorders.models import Channel, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_a_dispatcher_raises_a_proactive_order_from_a_cluster(
    live_server, browser, city, dispatcher, device
):
    sources = [dispatched_request(city, dispatcher) for _ in range(3)]
    numbers = ",".join(t.number for t in sources)
    page = browser.new_page(viewport=VIEWPORTS[device], locale="zh-CN")
    sign_in(page, live_server.url, dispatcher.username)

    page.goto(f"{live_server.url}/analysis/proactive/new/?tickets={numbers}")
    assert page.locator(".source-list li").count() == 3
    assert "路灯" in page.input_value("#id_title")
    shot(page, f"{device}-proactive-new")
    page.click("main form button[type=submit]")

    order = Ticket.objects.get(channel=Channel.PROACTIVE)
    page.wait_for_url(f"{live_server.url}/tickets/{order.pk}/")
    assert page.locator("#proactive-sources li").count() == 3
    shot(page, f"{device}-proactive-ticket")
    assert ProactiveLink.objects.filter(proactive=order).count() == 3

    page.goto(f"{live_server.url}/analysis/proactive/")
    assert page.locator(".proactive-card").count() == 1
    shot(page, f"{device}-proactive-list")


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_a_leader_reads_the_topic_page(live_server, browser, city, leader, device):
    from django.utils import timezone

    topic = topic_create(
        actor=leader,
        month=f"{timezone.localdate():%Y-%m}",
        title="背街小巷路灯照明",
        categories=[city.street_light.pk],
        keywords=["路灯"],
        lead_unit=city.urban_management.pk,
        assist_units=[city.zhongguancun_office.pk],
        goal="主要路段全部亮灯",
        target_reduction=30,
    )
    problem_add(
        actor=leader, topic_id=topic.pk, title="灯杆缺失", owner_unit=city.urban_management.pk
    )
    page = browser.new_page(viewport=VIEWPORTS[device], locale="zh-CN")
    sign_in(page, live_server.url, leader.username)

    page.goto(f"{live_server.url}/analysis/topics/")
    page.click(f"a[href='/analysis/topics/{topic.pk}/']")
    page.wait_for_url(f"{live_server.url}/analysis/topics/{topic.pk}/")
    assert page.locator(".topic-weeks tbody tr").count() >= 8
    assert page.locator(".problem").count() == 1
    shot(page, f"{device}-topic")
