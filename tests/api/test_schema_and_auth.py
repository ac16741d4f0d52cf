"""The OpenAPI description, its documentation pages (local assets only) and signing in."""

import re

import pytest
from rest_framework.test import APIClient

from tests.api import STREET_LIGHT, client_for, given_registered
from tests.conftest import PASSWORD

EXTERNAL = re.compile(r"cdn|unpkg|jsdelivr|googleapis|gstatic|https?://(?!testserver)", re.I)


def test_schema_describes_every_endpoint(db):
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    assert "post" in paths["/api/tickets/"] and "get" in paths["/api/tickets/"]
    assert "/api/tickets/{id}/follow-up/start/" in paths
    assert "/api/public/tickets/{number}/" in paths
    assert set(schema["components"]["securitySchemes"]) == {"tokenAuth", "cookieAuth"}
    assert "Authorization: Token" in schema["info"]["description"]
    intake = paths["/api/tickets/"]["post"]["requestBody"]["content"]
    assert set(intake) == {"application/json", "multipart/form-data"}


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_documentation_pages_use_local_assets_only(db, path):
    response = APIClient().get(path, HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert not EXTERNAL.search(html), EXTERNAL.search(html)


def test_token_sign_in(citizen):
    client = APIClient()

    response = client.post(
        "/api/auth/token/", {"username": "citizen_li", "password": PASSWORD}, format="json"
    )
    wrong = client.post(
        "/api/auth/token/", {"username": "citizen_li", "password": "nope"}, format="json"
    )

    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/tickets/").status_code == 200
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_input"


def test_session_sign_in_needs_csrf_for_writes(city, operator):
    ticket = given_registered()
    browser = APIClient(enforce_csrf_checks=True)
    browser.login(username="operator_wang", password=PASSWORD)

    read = browser.get(f"/api/tickets/{ticket.pk}/")
    write = browser.post(
        f"/api/tickets/{ticket.pk}/invalid/", {"reason_code": "spam"}, format="json"
    )

    assert read.status_code == 200
    assert write.status_code == 403
    assert write.json()["code"] == "permission_denied"


def test_anonymous_intake_needs_no_csrf_even_for_browsers(db):
    browser = APIClient(enforce_csrf_checks=True)

    assert browser.post("/api/tickets/", STREET_LIGHT, format="json").status_code == 201


def test_staff_token_still_works_for_intake(operator):
    assert (
        client_for(operator).post("/api/tickets/", STREET_LIGHT, format="json").status_code == 201
    )
