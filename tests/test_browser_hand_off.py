"""The hand-off to a community in a real browser: the street office hands a ticket down, the
community accepts, contacts the citizen and reports, the street resolves with the report.
Screenshots in var/screenshots/ (hand-off-*)."""

import pytest

from tests.conftest import make_user
from tests.test_browser import VIEWPORTS, browser, shot, sign_in  # noqa: F401 (fixture)
from tests.workorders.test_hand_offs import REPORT, street_ticket
from workorders.models import HandOff, HandOffStatus, Role, Status, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_street_hands_off_and_the_community_reports(
    live_server,
    browser,  # noqa: F811 (the fixture imported above)
    city,
    dispatcher,
    street_staff,
    device,  # noqa: F811
):
    community_staff = make_user(
        "staff_keyuan", Role.UNIT_STAFF, unit=city.keyuan_community, name="社区小林"
    )
    assert community_staff.pk
    ticket = street_ticket(city, dispatcher, street_staff)
    base = live_server.url

    street = browser.new_context(viewport=VIEWPORTS[device], locale="zh-CN").new_page()
    sign_in(street, base, "staff_zgc")
    street.goto(f"{base}/tickets/{ticket.pk}/")
    street.click("#action-hand_off summary")
    street.select_option("#hand_off-unit", label="科源社区居委会")
    street.fill("#hand_off-note", "请社区上门核实路灯情况并联系市民")
    shot(street, f"{device}-hand-off-street")
    street.click("#action-hand_off button[type=submit]")
    street.wait_for_selector("#hand-off")
    assert "待社区签收" in street.inner_text("#hand-off")

    community = browser.new_context(viewport=VIEWPORTS[device], locale="zh-CN").new_page()
    sign_in(community, base, "staff_keyuan")
    community.goto(f"{base}/unit/")
    community.click(f"text={ticket.number}")
    community.click("#action-accept button")
    community.wait_for_selector("#action-hand_off_report")
    community.fill("#contact-note", "社区已电话联系市民")
    community.click("#action-contact button[type=submit]")
    community.wait_for_selector("#action-hand_off_report")
    community.fill("#hand_off_report-report", REPORT)
    shot(community, f"{device}-hand-off-community")
    community.click("#action-hand_off_report button[type=submit]")
    community.wait_for_selector("#hand-off .hand-off-report")

    street.goto(f"{base}/tickets/{ticket.pk}/")
    assert REPORT in street.inner_text("#hand-off")
    assert street.input_value("#resolve-reply") == REPORT  # prefilled with the report
    shot(street, f"{device}-hand-off-review")
    street.click("#action-resolve button[type=submit]")
    street.wait_for_selector(".messages, .notice")
    assert Ticket.objects.get(pk=ticket.pk).status == Status.FOLLOW_UP
    assert HandOff.objects.get(ticket=ticket).status == HandOffStatus.CLOSED
