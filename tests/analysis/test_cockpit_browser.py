"""The cockpit in Chromium on the demo city's map: every chart drawn (canvas), the category
drill-down and the map level switch work, no JS error and no CSP violation; screenshots of a
desktop and a phone in var/screenshots/ (cockpit-desktop.png, cockpit-phone.png)."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from demo.city import city_build
from demo.citymap import citymap_seed
from tests.conftest import make_user
from tests.pages import registered
from tests.test_browser import VIEWPORTS, _watch_csp, browser, shot, sign_in  # noqa: F401
from workorders.models import Category, Region, Role, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def demo_tickets(count: int = 1500) -> None:
    """Two years of tickets over the demo's streets, categories and channels, more in
    the busy districts, cloned from one registered ticket (the services are not under test)."""
    rng = random.Random(7)
    first = registered(content="江滩街道路灯不亮已经一周了", address="滨江区江滩街道")
    leaves = list(Category.objects.filter(children__isnull=True))
    places = list(Region.objects.filter(level__in=(2, 3)))
    weights = [4 if "滨江" in p.full_name else 2 if "东湖" in p.full_name else 1 for p in places]
    now = timezone.now()
    clones = []
    for index in range(count):
        clone = Ticket.objects.get(pk=first.pk)
        clone.pk = None
        clone.number = f"B{index:07d}"
        # A fifth in the last two days: the month so far has something to show on the 1st too.
        days = rng.uniform(0, 2) if index % 5 == 0 else rng.uniform(0, 760)
        clone.registered_at = now - timedelta(days=days, hours=rng.random())
        clone.category = rng.choice(leaves)
        clone.region = rng.choices(places, weights)[0]
        clone.channel = rng.choice(["phone", "phone", "phone", "web", "app", "api"])
        clone.status = rng.choice(["closed", "closed", "closed", "in_progress", "in_progress"])
        if clone.status == "in_progress":  # a spread of lights: some overdue, some close
            clone.resolve_due_at = now + timedelta(days=rng.uniform(-3, 6))
            clone.resolve_warn_at = clone.resolve_due_at - timedelta(days=1)
        else:
            clone.resolve_due_at = clone.resolve_warn_at = None
        clones.append(clone)
    Ticket.objects.bulk_create(clones)


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_the_cockpit_in_the_browser(live_server, browser, device):  # noqa: F811
    city_build(rng=random.Random(1))
    citymap_seed()
    demo_tickets()
    leader = make_user("leader_cockpit", Role.LEADER)
    page = browser.new_page(viewport=VIEWPORTS[device], locale="zh-CN")
    violations = _watch_csp(page)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    sign_in(page, live_server.url, leader.username)
    assert page.url.endswith("/analysis/cockpit/")  # the leader's workspace
    page.wait_for_load_state("networkidle")
    for name in ("trend", "channels", "lights", "categories", "regions"):
        page.wait_for_selector(f'[data-chart="{name}"] canvas')
    page.wait_for_timeout(600)  # the charts' entry animation
    shot(page, f"cockpit-{device}")

    # Drill down: a click on the biggest category's bar shows its sub-categories and a way back.
    page.locator('[data-chart="categories"]').scroll_into_view_if_needed()
    box = page.locator('[data-chart="categories"]').bounding_box()  # in the viewport
    x, y = page.evaluate(
        """() => {
          const chart = echarts.getInstanceByDom(document.querySelector('[data-chart="categories"]'));
          const first = chart.getOption().series[0].data[0];
          return chart.convertToPixel({seriesIndex: 0}, [first.value / 2, 0]);
        }"""
    )
    top = page.evaluate(
        """() => echarts.getInstanceByDom(document.querySelector('[data-chart="categories"]'))
             .getOption().yAxis[0].data[0]"""
    )
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_selector('[data-chart-path="categories"] button')
    assert top in page.inner_text('[data-chart-path="categories"]')
    assert page.locator('[data-chart-path="categories"] a[href*="category="]').count() == 1
    page.click('[data-chart-path="categories"] button')
    assert page.locator('[data-chart-path="categories"] button').count() == 0

    # Tooltips (drawn on the canvas: HTML ones would break the policy) on hover.
    for name in ("trend", "regions", "channels"):
        chart = page.locator(f'[data-chart="{name}"]')
        chart.scroll_into_view_if_needed()
        area = chart.bounding_box()
        page.mouse.move(area["x"] + area["width"] * 0.55, area["y"] + area["height"] * 0.45)
        page.wait_for_timeout(300)
    page.click('[data-map-level="streets"]')
    assert page.get_attribute('[data-map-level="streets"]', "aria-pressed") == "true"
    page.wait_for_timeout(600)
    page.locator("#regions").screenshot(
        path=str(shot.__globals__["SHOTS"] / f"cockpit-{device}-streets.png")
    )
    assert violations == [], violations
    assert errors == [], errors
    # A phone gets one column: the cards are as wide as the page.
    if device == "phone":
        trend = page.locator("#trend").bounding_box()
        channels = page.locator("#channels").bounding_box()
        assert channels["y"] > trend["y"] and abs(channels["width"] - trend["width"]) < 2
    page.close()
