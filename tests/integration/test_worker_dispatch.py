"""A ticket posted to the real web server is classified and dispatched by the real worker."""

import re

import pytest

from tests.servers import post_json, wait_for

pytestmark = pytest.mark.integration

# The worker has this long to pick a ticket up; it usually takes well under a second.
DISPATCH_TIMEOUT = 20


def test_posted_ticket_is_dispatched_by_the_worker(stack, pg, make_payload):
    # Given a citizen reporting a broken street light in 中关村
    status, body = post_json(stack.web_url, "/api/tickets/", make_payload())

    # Then the web server registers it at once and answers with a number and a query code
    assert status == 201, body
    assert re.fullmatch(r"\d{8}-\d{6}", body["number"])
    assert body["query_code"]
    assert body["status"] == "registered"

    # And the worker dispatches it to the street-light unit, assisted by the street office
    wait_for(
        lambda: pg.status(body["number"]) == "dispatched",
        timeout=DISPATCH_TIMEOUT,
        what=f"ticket {body['number']} to be dispatched (worker log: {stack.worker.log})",
    )
    assert pg.assignments(body["number"]) == [
        ("市城市管理委员会", "lead"),
        ("中关村街道办事处", "assist"),
    ]
    kinds = pg.event_kinds(body["number"])
    assert kinds[0] == "registered"
    assert kinds.count("dispatched") == 1, kinds
    # And both units find it in their inbox, written with the dispatch event
    assert pg.all(
        "SELECT u.name, i.kind FROM workorders_inboxitem i"
        " JOIN workorders_ticket t ON t.id = i.ticket_id JOIN workorders_unit u ON u.id = i.unit_id"
        " WHERE t.number = %s ORDER BY u.name",
        (body["number"],),
    ) == [("中关村街道办事处", "dispatched"), ("市城市管理委员会", "dispatched")]


def test_unclear_request_goes_to_triage(stack, pg, make_payload):
    # Given a request the keyword rules cannot place
    payload = make_payload(
        title="反映情况", content="我想反映一个情况，希望有关部门尽快处理，谢谢。", address=""
    )
    status, body = post_json(stack.web_url, "/api/tickets/", payload)
    assert status == 201, body

    # Then the worker sends it to a dispatcher instead of guessing
    wait_for(
        lambda: pg.status(body["number"]) == "triage",
        timeout=DISPATCH_TIMEOUT,
        what=f"ticket {body['number']} to reach triage",
    )
    assert pg.assignments(body["number"]) == []
    kinds = pg.event_kinds(body["number"])
    assert kinds[0] == "registered"
    assert kinds.count("triaged") == 1, kinds
    assert "dispatched" not in kinds
