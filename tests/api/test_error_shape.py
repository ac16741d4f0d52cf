"""Under /api/ every error is {"code", "message", "fields"}, also where no DRF view answers
(unknown paths, crashes, a database outage); pages keep the HTML error pages."""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client
from rest_framework.test import APIClient

from tests.api import client_for
from tests.pages import registered

SHAPE = {"code", "message", "fields"}


def crashing_client(cls=APIClient):
    # The test client re-raises a view's exception by default; a server answers instead.
    return cls(raise_request_exception=False)


@pytest.mark.parametrize(
    "path", ["/api/nonexistent/", "/api/tickets/abc/", "/api/tickets/1/nope/", "/api/"]
)
def test_unknown_api_paths_are_json_404(operator, path):
    response = client_for(operator).get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == SHAPE and response.json()["code"] == "not_found"


def test_unknown_pages_keep_the_html_404(db):
    response = Client().get("/nonexistent/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "找不到该页面" in response.content.decode()


def test_a_crash_under_the_api_is_json_500(operator):
    client = crashing_client()
    client.force_authenticate(operator)
    with mock.patch(
        "workorders.api.views.ticket_or_stub_for_user", side_effect=RuntimeError("bug")
    ):
        response = client.get("/api/tickets/1/")

    assert response.status_code == 500
    assert set(response.json()) == SHAPE and response.json()["code"] == "error"
    assert "系统繁忙" in response.json()["message"]


def test_the_500_page_does_not_claim_the_request_was_kept(db):
    browser = crashing_client(Client)
    with mock.patch("workorders.views.citizen.services.ticket_register", side_effect=RuntimeError):
        response = browser.post("/submit/", {"content": "路灯不亮已经一周了，晚上很危险"})

    assert response.status_code == 500
    page = response.content.decode()
    assert "没有完成" in page and "不会丢失" not in page


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_database_outage_under_the_api_is_json_503_with_retry_after(db, error):
    ticket = registered()
    client = crashing_client()
    with mock.patch(
        "workorders.api.views.services.ticket_get_public", side_effect=error("server closed")
    ):
        response = client.get(f"/api/public/tickets/{ticket.number}/", {"code": ticket.query_code})

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert set(response.json()) == SHAPE and response.json()["code"] == "unavailable"


def test_a_database_outage_on_a_page_is_the_503_page(db):
    ticket = registered()
    browser = crashing_client(Client)
    with mock.patch(
        "workorders.views.citizen.services.ticket_get_public",
        side_effect=OperationalError("server closed"),
    ):
        response = browser.post("/track/", {"number": ticket.number, "query_code": "ABCDEF"})

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert "系统暂时不可用" in response.content.decode()


def test_a_database_outage_outside_the_view_is_503_too(db):
    # The session is saved by its middleware after the view: the outage shows there.
    ticket = registered()
    browser = crashing_client(Client)
    with mock.patch(
        "django.contrib.sessions.backends.db.SessionStore.save",
        side_effect=OperationalError("server closed"),
    ):
        response = browser.post(
            "/track/", {"number": ticket.number, "query_code": ticket.query_code}
        )

    assert response.status_code == 503
    assert "Retry-After" in response
