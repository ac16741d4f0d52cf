"""Two dispatchers dispatching the same ticket at once: the one who dispatched against a state
that no longer holds is told (409, with the current lead unit), not silently overwritten."""

from django.test import Client

from tests.api import client_for
from tests.conftest import make_user
from tests.pages import registered
from workorders.models import Assignment, Role, Status


def second_dispatcher():
    return make_user("dispatcher_qian", Role.DISPATCHER, name="钱派单")


def lead_of(ticket):
    return ticket.assignments.get(active=True, role=Assignment.Role.LEAD).unit


def test_the_api_refuses_a_dispatch_against_a_stale_version(city, dispatcher):
    ticket = registered()
    other = second_dispatcher()
    # Both open the ticket and see the same state.
    seen = client_for(dispatcher).get(f"/api/tickets/{ticket.pk}/").json()["version"]
    assert client_for(other).get(f"/api/tickets/{ticket.pk}/").json()["version"] == seen

    first = client_for(dispatcher).post(
        f"/api/tickets/{ticket.pk}/dispatch/",
        {"lead_unit": city.urban_management.pk, "version": seen},
        format="json",
    )
    second = client_for(other).post(
        f"/api/tickets/{ticket.pk}/dispatch/",
        {"lead_unit": city.water_company.pk, "version": seen},
        format="json",
    )

    assert first.status_code == 200 and first.json()["version"] != seen
    assert second.status_code == 409
    body = second.json()
    assert body["code"] == "conflict" and "市城市管理委员会" in body["message"]
    assert "version" in body["fields"]
    assert lead_of(ticket) == city.urban_management


def test_a_dispatch_without_a_version_still_works(city, dispatcher):
    ticket = registered()
    for unit in (city.urban_management, city.water_company):
        response = client_for(dispatcher).post(
            f"/api/tickets/{ticket.pk}/dispatch/", {"lead_unit": unit.pk}, format="json"
        )
        assert response.status_code == 200
    assert lead_of(ticket) == city.water_company


def test_the_page_sends_the_version_and_shows_the_current_lead_unit(city, dispatcher):
    ticket = registered()
    page = Client()
    page.force_login(dispatcher)
    url = f"/dispatch/tickets/{ticket.pk}/dispatch/"
    form = page.get(url).context["form"]
    seen = form["version"].value()
    assert seen and 'name="version"' in page.get(url).content.decode()

    # Meanwhile another dispatcher sends it to 市城市管理委员会.
    other = Client()
    other.force_login(second_dispatcher())
    other_form = other.get(url).context["form"]
    other.post(
        url,
        {
            "urgency": "normal",
            "lead_unit": city.urban_management.pk,
            "version": other_form["version"].value(),
        },
    )

    response = page.post(
        url, {"urgency": "normal", "lead_unit": city.water_company.pk, "version": seen}
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "已被他人改动" in html and "市城市管理委员会" in html
    assert lead_of(ticket) == city.urban_management
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED
    # Dispatching again now is a decision taken knowing the current state: it goes through.
    fresh = response.context["form"]["version"].value()
    assert fresh == ticket.version
    again = page.post(
        url, {"urgency": "normal", "lead_unit": city.water_company.pk, "version": fresh}
    )
    assert again.status_code == 302
    assert lead_of(ticket) == city.water_company
