"""Resolving a ticket on the real web server makes the real worker send the survey SMS (through
the notification outbox), and the citizen's answer through the link closes the ticket."""

import http.client
import json
import re
from urllib.parse import urlsplit

import pytest

from tests.servers import post_json, wait_for

pytestmark = pytest.mark.integration

TIMEOUT = 30


def call(base_url: str, method: str, path: str, body: dict | None = None, token: str = ""):
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    try:
        conn.request(method, path, body=json.dumps(body or {}).encode(), headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read().decode() or "{}")
    finally:
        conn.close()


def test_the_worker_sends_the_survey_and_the_answer_closes_the_ticket(stack, pg, make_payload):
    # Given a street-light ticket the worker dispatched to 市城市管理委员会
    status, body = post_json(stack.web_url, "/api/tickets/", make_payload())
    assert status == 201, body
    number = body["number"]
    ticket_id = body["id"]
    wait_for(lambda: pg.status(number) == "dispatched", timeout=TIMEOUT, what="dispatch")
    _, login = post_json(
        stack.web_url,
        "/api/auth/token/",
        {"username": "staff_urban", "password": "test-pass-12345"},
    )
    token = login["token"]

    # When the unit accepts, contacts the citizen and resolves it
    for action, payload in (
        ("accept", {}),
        ("contact", {"note": "已电话联系市民"}),
        ("resolve", {"reply": "已更换路灯灯泡，恢复照明，请市民确认。"}),
    ):
        status, result = call(
            stack.web_url, "POST", f"/api/tickets/{ticket_id}/{action}/", payload, token
        )
        assert status == 200, result
    assert result["status"] == "follow_up"

    # Then the worker opens the follow-up round and sends the SMS through the outbox
    sms = wait_for(
        lambda: pg.one(
            "SELECT body, sent_at FROM workorders_notification WHERE kind = 'survey'"
            " AND ticket_ids = %s::jsonb AND sent_at IS NOT NULL",
            (json.dumps([ticket_id]),),
        ),
        timeout=TIMEOUT,
        what=f"the survey SMS (worker log: {stack.worker.log})",
    )
    assert pg.one("SELECT result FROM evaluation_followup WHERE ticket_id = %s", (ticket_id,)) == (
        "pending",
    )
    link = re.search(r"/evaluation/survey/(\S+)/", sms[0])[1]

    # And the citizen's answer through the link closes the ticket
    answers = {"contacted": True, "solved": True, "satisfaction": "satisfied"}
    status, answer = call(stack.web_url, "POST", f"/api/public/surveys/{link}/", answers)
    assert status == 200, answer
    assert pg.status(number) == "closed"
    kinds = pg.event_kinds(number)
    assert kinds[-4:] == ["follow_up_started", "survey_sent", "follow_up_answered", "closed"]
    # And the link cannot be used twice
    status, again = call(stack.web_url, "POST", f"/api/public/surveys/{link}/", answers)
    assert status == 409, again
