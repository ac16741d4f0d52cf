"""Whatever arrives, the API answers with a client error in its one shape, never a 500."""

import json

import pytest
from rest_framework.test import APIClient

from tests.api import client_for, given_dispatched
from tests.api.test_permissions import ACTIONS

ODD_BODIES = [
    pytest.param(b"[" * 50_000 + b"]" * 50_000, id="deeply-nested"),
    pytest.param(b"null", id="null"),
    pytest.param(b'"text"', id="string"),
    pytest.param(b"12", id="number"),
    pytest.param(
        json.dumps(
            {
                "note": 1,
                "reason": [],
                "reply": {},
                "approve": "perhaps",
                "requested_due_at": 5,
                "public": "y",
                "master_number": [1],
                "reason_code": {},
                "lead_unit": [],
                "assist_units": {},
                "category": "x",
                "region": 1.5,
                "urgency": 1,
            }
        ).encode(),
        id="wrong-types",
    ),
    pytest.param(b'{"approve": null, "requested_due_at": "99999-01-01T00:00:00"}', id="odd-values"),
    pytest.param(b'{"note": "\\u0000\\ud800", "reason": "\\u0000"}', id="nul-and-surrogate"),
]


@pytest.mark.parametrize("body", ODD_BODIES)
def test_no_action_fails_with_a_server_error(city, dispatcher, unit_staff, body):
    ticket = given_dispatched(city, dispatcher)
    failures = []
    for user in (dispatcher, unit_staff):
        client = client_for(user)
        for action in ACTIONS:
            response = client.post(
                f"/api/tickets/{ticket.pk}/{action}/", body, content_type="application/json"
            )
            # Actions without input (accept, reveal-contact…) never read the body: 200 is fine.
            if response.status_code >= 500:
                failures.append((user.username, action, response.status_code))
            elif response.status_code >= 400:
                assert set(response.json()) == {"code", "message", "fields"}
    assert not failures


@pytest.mark.parametrize("body", ODD_BODIES)
def test_public_endpoints_with_odd_bodies(db, body):
    client = APIClient()
    for path in ("/api/tickets/", "/api/public/tickets/X/supplements/", "/api/auth/token/"):
        response = client.post(path, body, content_type="application/json")
        assert 400 <= response.status_code < 500, (path, response.status_code)
        assert set(response.json()) == {"code", "message", "fields"}


@pytest.mark.parametrize(
    "query",
    [
        {"status": ["registered"] * 500},
        {"q": "\x00"},
        {"page_size": "-1"},
        {"page_size": "1e9"},
        {"registered_after": "2026-13-45"},
        {"category": str(10**30)},
    ],
)
def test_odd_list_queries(operator, query):
    response = client_for(operator).get("/api/tickets/", query)

    assert response.status_code < 500
