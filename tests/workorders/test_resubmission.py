"""Going back after submitting and submitting again stores nothing new: the form carries a
one-time submission token, the API an optional Idempotency-Key; a repeat answers the first
ticket."""

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.api import STREET_LIGHT, client_for
from tests.pages import PHONE
from workorders import services
from workorders.models import Ticket

VALID = {
    "content": "中关村大街路灯不亮已经一周了，晚上很危险",
    "address": "海淀区中关村大街1号",
    "citizen_name": "李四",
    "citizen_phone": PHONE,
}


def token_of(html: str) -> str:
    match = re.search(r'name="submission_token" value="([^"]+)"', html)
    assert match, "the form carries no submission token"
    return match[1]


def test_the_citizen_form_resubmitted_shows_the_first_ticket(db):
    browser = Client()
    token = token_of(browser.get("/submit/").content.decode())
    first = browser.post("/submit/", {**VALID, "submission_token": token})
    assert first["Location"] == "/submit/done/"
    ticket = Ticket.objects.get()

    # Back, and the same form again (from another tab, or with the session gone).
    again = Client().post("/submit/", {**VALID, "submission_token": token}, follow=True)

    assert Ticket.objects.count() == 1
    page = again.content.decode()
    assert ticket.number in page and ticket.query_code in page


def test_each_form_gets_its_own_token_and_a_failed_post_keeps_it(db):
    browser = Client()
    one = token_of(browser.get("/submit/").content.decode())
    two = token_of(browser.get("/submit/").content.decode())
    assert one != two

    invalid = browser.post("/submit/", {**VALID, "content": "", "submission_token": one})
    assert invalid.status_code == 400 and token_of(invalid.content.decode()) == one
    browser.post("/submit/", {**VALID, "submission_token": one})
    browser.post("/submit/", {**VALID, "submission_token": two})
    assert Ticket.objects.count() == 2


def test_the_phone_intake_form_resubmitted_opens_the_first_ticket(operator):
    desk = Client()
    desk.force_login(operator)
    token = token_of(desk.get("/operator/").content.decode())
    first = desk.post("/operator/", {**VALID, "submission_token": token})
    ticket = Ticket.objects.get()
    assert first["Location"] == f"/tickets/{ticket.pk}/"

    again = desk.post("/operator/", {**VALID, "submission_token": token}, follow=True)

    assert Ticket.objects.count() == 1
    assert again.redirect_chain[0][0] == f"/tickets/{ticket.pk}/"
    assert ticket.number in again.content.decode()


def test_the_api_answers_the_first_ticket_for_a_repeated_key(db):
    app = APIClient(REMOTE_ADDR="198.51.100.9")
    key = {"HTTP_IDEMPOTENCY_KEY": "3f1c5a0e-7d0b-4f4e-9a55-0d6f3f1f2b11"}
    first = app.post("/api/tickets/", STREET_LIGHT, format="json", **key)
    again = app.post("/api/tickets/", STREET_LIGHT, format="json", **key)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Ticket.objects.count() == 1
    # No key, or another key: a new ticket each time.
    app.post("/api/tickets/", STREET_LIGHT, format="json")
    app.post("/api/tickets/", STREET_LIGHT, format="json", HTTP_IDEMPOTENCY_KEY="other")
    assert Ticket.objects.count() == 3


def test_the_same_key_from_another_client_is_another_ticket(operator, dispatcher):
    key = {"HTTP_IDEMPOTENCY_KEY": "call-0001"}
    mine = client_for(operator).post("/api/tickets/", STREET_LIGHT, format="json", **key)
    theirs = client_for(dispatcher).post("/api/tickets/", STREET_LIGHT, format="json", **key)
    stranger = APIClient(REMOTE_ADDR="203.0.113.50")
    anonymous = stranger.post("/api/tickets/", STREET_LIGHT, format="json", **key)

    numbers = {response.json()["number"] for response in (mine, theirs, anonymous)}
    assert len(numbers) == 3  # never another client's ticket (its query code is a secret)


def test_an_unusable_key_is_400(db):
    response = APIClient().post(
        "/api/tickets/", STREET_LIGHT, format="json", HTTP_IDEMPOTENCY_KEY="x" * 300
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["fields"]
    assert not Ticket.objects.exists()


def test_keys_expire(db, settings):
    settings.SUBMISSION_KEY_HOURS = 0
    fields = {**STREET_LIGHT, "channel": "web"}
    first = services.ticket_register(submission_key="k", **fields)
    second = services.ticket_register(submission_key="k", **fields)
    assert first.pk != second.pk


@pytest.mark.parametrize("path", ["/api/schema/"])
def test_the_schema_documents_the_key(operator, path):
    schema = client_for(operator).get(path, HTTP_ACCEPT="application/json").content.decode()
    assert "Idempotency-Key" in schema
