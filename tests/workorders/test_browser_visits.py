"""A field visit recorded on the ticket page in a real browser, photos included, on a phone."""

import pytest
from django.utils import timezone

from tests.pages import in_progress, png_bytes
from tests.test_browser import VIEWPORTS, browser, shot, sign_in  # noqa: F401 (the fixture)
from workorders.models import FieldVisit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_unit_records_a_visit_with_photos_from_a_phone(
    live_server,
    browser,  # noqa: F811 (the fixture imported above)
    city,
    dispatcher,
    unit_staff,
    tmp_path,
):
    city.municipal.requires_field_visit = True
    city.municipal.save()
    ticket = in_progress(city, dispatcher, unit_staff)
    photos = [tmp_path / "a.png", tmp_path / "b.png"]
    for path in photos:
        path.write_bytes(png_bytes())
    page = browser.new_page(viewport=VIEWPORTS["phone"], locale="zh-CN")
    base = live_server.url
    sign_in(page, base, unit_staff.username)

    page.goto(f"{base}/tickets/{ticket.pk}/")
    assert "须先登记上门走访，才能办结" in page.content()
    page.click("#action-field_visit summary")
    page.fill("#field_visit-visited_at", "2000-01-01T09:00")  # before the ticket: refused
    page.fill("#field_visit-visitors", "刘师傅、网格员小王")
    page.fill("#field_visit-findings", "现场查看，两盏路灯灯头损坏，已通知维修班组。")
    page.set_input_files("#field_visit-photos", [str(path) for path in photos])
    page.click("#action-field_visit button[type=submit]")
    assert "走访时间不能早于工单受理时间" in page.content()
    assert not FieldVisit.objects.exists()

    # Shown again with the text kept; the files are chosen again, as browsers require.
    # The server's local time (TIME_ZONE), as the datetime-local input is read there.
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    page.fill("#field_visit-visited_at", now)
    page.set_input_files("#field_visit-photos", [str(path) for path in photos])
    page.click("#action-field_visit button[type=submit]")
    page.wait_for_selector("#visits")
    shot(page, "phone-field-visit")

    visit = FieldVisit.objects.get()
    assert visit.photos.count() == 2 and visit.visitors == "刘师傅、网格员小王"
    assert page.locator("#visits img").count() == 2
    assert "须先登记上门走访，才能办结" not in page.content()
