"""Who may open which page: each role its own workspace, a 403 page for the others, the login page
for anonymous visitors, and a 404 for tickets outside one's unit."""

import pytest

from tests.pages import dispatched

PERSONAS = ["citizen", "operator", "dispatcher", "unit_staff", "follow_up_agent", "leader"]
ROLE_PAGES = {
    "/my/": {"citizen"},
    "/operator/": {"operator", "dispatcher"},
    "/unit/": {"unit_staff"},
    "/analysis/cockpit/": {"leader", "dispatcher"},
    "/dispatch/triage/": {"dispatcher"},
    "/dispatch/approvals/": {"dispatcher"},
    "/dispatch/tickets/": {"operator", "dispatcher", "follow_up_agent", "leader"},
    "/evaluation/": {"follow_up_agent", "dispatcher"},
}


@pytest.mark.parametrize("url", ["/", "/submit/", "/track/", "/accounts/login/"])
def test_public_pages_open_to_everyone(client, db, url):
    response = client.get(url)

    assert response.status_code == 200
    assert 'lang="zh-Hans"' in response.content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("url", "allowed"), ROLE_PAGES.items())
def test_role_pages_render_for_their_role_and_are_forbidden_to_others(
    client, request, city, url, allowed, persona
):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(url)

    if persona in allowed:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "无权" in response.content.decode()


@pytest.mark.parametrize("url", list(ROLE_PAGES) + ["/tickets/1/"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, db, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize(
    "persona",
    [
        "operator",
        "dispatcher",
        "unit_staff",
        "street_staff",
        "district_staff",
        "follow_up_agent",
        "leader",
    ],
)
def test_ticket_detail_opens_for_staff_who_may_see_the_ticket(client, request, city, persona):
    ticket = dispatched(city, request.getfixturevalue("dispatcher"))
    client.force_login(request.getfixturevalue(persona))

    response = client.get(f"/tickets/{ticket.pk}/")

    assert response.status_code == 200
    assert ticket.number in response.content.decode()


def test_ticket_detail_is_not_found_for_another_units_staff(
    client, city, dispatcher, other_unit_staff
):
    ticket = dispatched(city, dispatcher)
    client.force_login(other_unit_staff)

    for url in (f"/tickets/{ticket.pk}/", f"/tickets/{ticket.pk + 1000}/"):
        response = client.get(url)
        assert response.status_code == 404
        assert "工单不存在或无权查看" in response.content.decode()


def test_ticket_detail_is_forbidden_to_citizens(client, city, dispatcher, citizen):
    ticket = dispatched(city, dispatcher, citizen_user=citizen)
    client.force_login(citizen)

    assert client.get(f"/tickets/{ticket.pk}/").status_code == 403


def test_another_units_staff_can_act_on_nothing(client, city, dispatcher, other_unit_staff):
    ticket = dispatched(city, dispatcher)
    client.force_login(other_unit_staff)

    for action in ("accept", "reveal"):
        assert client.post(f"/tickets/{ticket.pk}/{action}/").status_code == 404
    ticket.refresh_from_db()
    assert ticket.status == "dispatched"


def test_home_links_staff_to_their_workspace(client, city, unit_staff):
    client.force_login(unit_staff)

    html = client.get("/").content.decode()

    assert 'href="/unit/"' in html
    assert "市城市管理委员会" in html


def test_sign_in_and_out(client, city, unit_staff):
    from tests.conftest import PASSWORD

    response = client.post(
        "/accounts/login/",
        {"username": unit_staff.username, "password": PASSWORD, "next": "/unit/"},
    )
    assert response["Location"] == "/unit/"
    assert client.get("/unit/").status_code == 200

    wrong = client.post("/accounts/login/", {"username": "nobody", "password": "x"})
    assert wrong.status_code == 200
    assert "用户名或密码不正确" in wrong.content.decode()

    client.post("/accounts/logout/")
    assert client.get("/unit/").status_code == 302


def test_the_language_switch_turns_the_pages_english(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)

    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Submit a request" in html and "提交诉求" not in html
