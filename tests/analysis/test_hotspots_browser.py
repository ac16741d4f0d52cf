"""The hotspots page in Chromium, desktop and phone: a surge and a cluster shown, the cluster's
ticket opened from its link, no CSP violation. Screenshots in var/screenshots/."""

import pytest

from tests import test_browser
from tests.analysis.test_hotspots import CALLS, END, baseline, ticket
from tests.test_browser import VIEWPORTS, _watch_csp, shot, sign_in

browser = test_browser.browser  # the same Chromium fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_leader_sees_hotspots_and_opens_a_cluster_ticket(
    live_server,
    browser,
    city,
    leader,
    device,
):
    baseline(city.street_light, city.keyuan)
    for _ in range(16):
        ticket(city.street_light, city.keyuan, day=END)
    same = [
        ticket(city.street_light, city.keyuan, day=END, text=text, address="科源社区5号楼")
        for text in CALLS
    ]
    page = browser.new_page(viewport=VIEWPORTS[device], locale="zh-CN")
    violations = _watch_csp(page)
    sign_in(page, live_server.url, leader.username)
    response = page.goto(
        f"{live_server.url}/analysis/hotspots/?end={END}&days=1", wait_until="networkidle"
    )
    assert response.status == 200
    assert page.locator(".hotspot-table .hotspot-surging").count() >= 1
    assert page.locator(".cluster-card").count() == 1
    proactive = page.get_attribute(".cluster-card a.button", "href")
    assert proactive.startswith("/analysis/proactive/new/?tickets=")
    shot(page, f"{device}-hotspots")
    page.click(f".cluster-card a[href='/tickets/{same[0].pk}/']")
    page.wait_for_url(f"**/tickets/{same[0].pk}/")
    assert same[0].number in page.content()
    assert violations == []
    page.close()
