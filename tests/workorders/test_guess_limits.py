"""Guessing limits: failed sign-ins and failed ticket look-ups are counted per client and refused
(429, Chinese message) past the limit, right answers included, until the window ends."""

import time
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from rest_framework.test import APIClient

from hotline.lib import attempts
from tests.conftest import PASSWORD, make_user
from tests.pages import registered
from workorders.models import EventKind, Role, TicketEvent

LIMITS = {"GUESS_WINDOW_MINUTES": 15, "TRACKING_FAILURE_LIMIT": 3, "LOGIN_FAILURE_LIMIT": 2}
TOO_MANY = "失败次数过多，请 15 分钟后再试"
pytestmark = pytest.mark.usefixtures("_limits")


@pytest.fixture
def _limits():
    with override_settings(**LIMITS, TRUSTED_PROXIES=0):
        yield


def client_from(address: str, cls=Client):
    return cls(REMOTE_ADDR=address)


def expire_window():
    # The counters' window is their cache expiry; dropping them is what its end looks like.
    cache.clear()


# --- tracking page -------------------------------------------------------------------------------


def test_tracking_page_refuses_after_the_limit_even_the_right_code(db):
    ticket = registered()
    browser = client_from("203.0.113.7")
    for _ in range(3):
        response = browser.post("/track/", {"number": ticket.number, "query_code": "WRONG1"})
        assert response.status_code == 404

    right = {"number": ticket.number, "query_code": ticket.query_code}
    response = browser.post("/track/", right)

    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    assert "tracking" not in browser.session
    # Another address is not affected, and the window's end lets this one in again.
    assert client_from("203.0.113.8").post("/track/", right).status_code == 302
    expire_window()
    assert browser.post("/track/", right).status_code == 302


def test_right_codes_do_not_count(db):
    ticket = registered()
    browser = client_from("203.0.113.7")
    right = {"number": ticket.number, "query_code": ticket.query_code}
    for _ in range(10):
        assert browser.post("/track/", right).status_code == 302


def test_form_errors_do_not_count_as_guesses(db):
    browser = client_from("203.0.113.7")
    for _ in range(5):
        assert browser.post("/track/", {"number": "", "query_code": ""}).status_code == 400
    ticket = registered()
    right = {"number": ticket.number, "query_code": ticket.query_code}
    assert browser.post("/track/", right).status_code == 302


# --- tracking API --------------------------------------------------------------------------------


def test_tracking_api_and_page_share_the_count(db):
    ticket = registered()
    api = client_from("198.51.100.1", APIClient)
    for _ in range(2):
        response = api.get(f"/api/public/tickets/{ticket.number}/", {"code": "WRONG1"})
        assert response.status_code == 404
    client_from("198.51.100.1").post("/track/", {"number": ticket.number, "query_code": "X1X1X1"})

    response = api.get(f"/api/public/tickets/{ticket.number}/", {"code": ticket.query_code})

    assert response.status_code == 429
    assert response.json()["code"] == "too_many_attempts"
    assert response.json()["message"].startswith(TOO_MANY)


def test_supplement_api_counts_wrong_codes_and_stores_nothing_when_refused(db):
    ticket = registered()
    api = client_from("198.51.100.2", APIClient)
    url = f"/api/public/tickets/{ticket.number}/supplements/"
    for _ in range(3):
        response = api.post(url, {"code": "WRONG1", "text": "路灯在公交站旁边"}, format="json")
        assert response.status_code == 404

    response = api.post(url, {"code": ticket.query_code, "text": "路灯在公交站旁边"}, format="json")

    assert response.status_code == 429
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.SUPPLEMENTED).exists()


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(db):
    ticket = registered()
    wrong = {"code": "WRONG1"}
    url = f"/api/public/tickets/{ticket.number}/"
    api = client_from("10.0.0.2", APIClient)
    # Untrusted header: every request counts against the proxy's own address, whatever it says.
    for index in range(3):
        api.get(url, wrong, HTTP_X_FORWARDED_FOR=f"192.0.2.{index}")
    right = {"code": ticket.query_code}
    assert api.get(url, right, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429

    expire_window()
    with override_settings(TRUSTED_PROXIES=1):
        for _ in range(3):
            api.get(url, wrong, HTTP_X_FORWARDED_FOR="spoofed, 192.0.2.1")
        assert api.get(url, right, HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 429
        # The proxy appends the real address: a spoofed first entry changes nothing.
        assert api.get(url, right, HTTP_X_FORWARDED_FOR="192.0.2.1, 192.0.2.2").status_code == 200


@pytest.mark.parametrize("known", [True, False], ids=["existing-number", "unknown-number"])
def test_non_ascii_codes_are_wrong_codes_everywhere_and_count(db, known):
    ticket = registered()
    number = ticket.number if known else "20990101-000001"
    api = client_from("198.51.100.3", APIClient)
    response = api.get(f"/api/public/tickets/{number}/?code=%C3%A9")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = api.post(
        f"/api/public/tickets/{number}/supplements/",
        {"code": "é码", "text": "路灯在公交站旁边"},
        format="json",
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    page = client_from("198.51.100.3").post("/track/", {"number": number, "query_code": "éé"})
    assert page.status_code == 404
    # Three failures: the right code is refused now.
    response = api.get(f"/api/public/tickets/{ticket.number}/", {"code": ticket.query_code})
    assert response.status_code == 429


# --- sign-in -------------------------------------------------------------------------------------


def test_sign_in_page_locks_the_account_on_this_client_only(db):
    make_user("op1", Role.OPERATOR)
    make_user("op2", Role.OPERATOR)
    office = client_from("192.0.2.10")
    for _ in range(2):
        response = office.post("/accounts/login/", {"username": "op1", "password": "wrong"})
        assert response.status_code == 200
        assert "用户名或密码不正确" in response.content.decode()

    response = office.post("/accounts/login/", {"username": "op1", "password": PASSWORD})

    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    assert "_auth_user_id" not in office.session
    # A colleague at the same office address signs in; op1 from home does too.
    colleague = client_from("192.0.2.10")
    assert (
        colleague.post("/accounts/login/", {"username": "op2", "password": PASSWORD}).status_code
        == 302
    )
    home = client_from("192.0.2.99")
    assert home.post("/accounts/login/", {"username": "OP1 ", "password": "x"}).status_code == 200
    assert (
        home.post("/accounts/login/", {"username": "op1", "password": PASSWORD}).status_code == 302
    )


def test_successful_sign_in_resets_the_account_count(db):
    make_user("op1", Role.OPERATOR)
    browser = client_from("192.0.2.10")
    browser.post("/accounts/login/", {"username": "op1", "password": "wrong"})
    assert (
        browser.post("/accounts/login/", {"username": "op1", "password": PASSWORD}).status_code
        == 302
    )
    browser.logout()
    browser.post("/accounts/login/", {"username": "op1", "password": "wrong"})

    assert (
        browser.post("/accounts/login/", {"username": "op1", "password": PASSWORD}).status_code
        == 302
    )


def test_many_account_names_from_one_client_are_refused(db):
    make_user("op1", Role.OPERATOR)
    sprayer = client_from("192.0.2.66")
    for index in range(8):  # four accounts' worth of failures
        sprayer.post("/accounts/login/", {"username": f"user{index}", "password": "guess"})

    response = sprayer.post("/accounts/login/", {"username": "op1", "password": PASSWORD})

    assert response.status_code == 429


def test_api_token_is_limited_like_the_page(db):
    make_user("op1", Role.OPERATOR)
    api = client_from("192.0.2.20", APIClient)
    for _ in range(2):
        response = api.post("/api/auth/token/", {"username": "op1", "password": "wrong"})
        assert response.status_code == 400
    # The page and the API count together: they guess the same password.
    response = api.post("/api/auth/token/", {"username": "op1", "password": PASSWORD})

    assert response.status_code == 429
    assert response.json()["code"] == "too_many_attempts"
    assert (
        client_from("192.0.2.20")
        .post("/accounts/login/", {"username": "op1", "password": PASSWORD})
        .status_code
        == 429
    )


def test_counters_expire_with_their_window(db):
    limit = attempts.GuessLimit("test", failures=1, window_minutes=1)
    attempts.record_failure((limit, "a"))
    with pytest.raises(attempts.TooManyAttempts):
        attempts.check((limit, "a"))

    later = time.time() + 61
    with mock.patch("django.core.cache.backends.locmem.time.time", return_value=later):
        attempts.check((limit, "a"))  # the window has ended


@pytest.mark.parametrize(
    ("role", "workspace"),
    [
        (Role.OPERATOR, "/operator/"),
        (Role.DISPATCHER, "/dispatch/triage/"),
        (Role.FOLLOW_UP_AGENT, "/evaluation/"),
        (Role.LEADER, "/analysis/cockpit/"),
    ],
)
def test_sign_in_lands_on_the_workspace_unless_a_page_was_asked_for(db, role, workspace):
    make_user("someone", role)
    browser = Client()
    response = browser.post("/accounts/login/", {"username": "someone", "password": PASSWORD})
    assert response["Location"] == workspace

    browser.logout()
    asked = {"username": "someone", "password": PASSWORD, "next": "/dispatch/tickets/"}
    assert browser.post("/accounts/login/", asked)["Location"] == "/dispatch/tickets/"


def test_the_django_admin_sign_in_is_limited_too(db):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    browser = client_from("192.0.2.30")
    for _ in range(2):
        response = browser.post("/admin/login/", {"username": "root", "password": "wrong"})
        assert response.status_code == 200  # the admin's form again, with its error

    response = browser.post(
        "/admin/login/", {"username": "root", "password": PASSWORD, "next": "/admin/"}
    )

    assert response.status_code == 200 and "_auth_user_id" not in browser.session
    # The same count refuses the staff sign-in page, which says why.
    page = browser.post("/accounts/login/", {"username": "root", "password": PASSWORD})
    assert page.status_code == 429
