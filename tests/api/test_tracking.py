"""The citizen's tracking without an account: number + query code, timeline, supplements."""

import pytest
from rest_framework.test import APIClient

from tests.api import given_registered, given_resolved, post, submit
from workorders import services
from workorders.models import EventKind, Ticket


def track(number: str, code: str):
    return APIClient().get(f"/api/public/tickets/{number}/", {"code": code})


def test_tracking_shows_status_and_public_timeline(db):
    body = submit()

    response = track(body["number"], body["query_code"].lower())  # codes are case-insensitive

    assert response.status_code == 200
    data = response.json()
    assert data["number"] == body["number"]
    assert (data["status"], data["status_label"]) == ("registered", "已受理")
    assert [event["kind"] for event in data["timeline"]] == ["registered"]
    assert data["reply"] == "" and data["merged_into"] is None
    assert "citizen_phone" not in data and "content" not in data


@pytest.mark.parametrize("code", ["", "WRONG1", "' OR 1=1 --"], ids=["none", "wrong", "sql"])
def test_wrong_or_missing_code_is_404(db, code):
    body = submit()

    response = track(body["number"], code)

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_unknown_number_is_404_like_a_wrong_code(db):
    assert track("20990101-000001", "ABCDEF").status_code == 404
    assert APIClient().get("/api/public/tickets/nope/").status_code == 404


@pytest.mark.parametrize("number", ["%00", "1" * 100])
def test_unusable_numbers_are_400(db, number):
    assert APIClient().get(f"/api/public/tickets/{number}/", {"code": "ABCDEF"}).status_code == 400
    supplement = {"code": "ABCDEF", "text": "补充信息"}
    response = APIClient().post(f"/api/public/tickets/{number}/supplements/", supplement)
    assert response.status_code == 400


def test_resolved_ticket_shows_reply_and_hides_staff(city, dispatcher, unit_staff):
    ticket = given_resolved(city, dispatcher, unit_staff)

    data = track(ticket.number, ticket.query_code).json()

    assert data["status"] == "follow_up"  # resolving enters follow-up at once
    assert data["reply"] == "路灯已修复，经现场确认恢复照明。"
    kinds = [event["kind"] for event in data["timeline"]]
    assert kinds[0] == "registered" and kinds[-2:] == ["resolved", "follow_up_started"]
    assert all(set(event) == {"kind", "label", "at", "unit", "text"} for event in data["timeline"])
    assert "城管委小刘" not in str(data)  # no staff names on the public page


def test_merged_ticket_shows_the_master_result(city, operator, dispatcher, unit_staff):
    master = given_resolved(city, dispatcher, unit_staff)
    duplicate = given_registered()
    post(operator, duplicate.pk, "merge", {"master_number": master.number, "reason": "同一路灯"})

    data = track(duplicate.number, duplicate.query_code).json()

    assert data["status"] == "merged"
    assert data["merged_into"] == {
        "number": master.number,
        "status": "follow_up",
        "status_label": "回访中",
        "reply": "路灯已修复，经现场确认恢复照明。",
    }


def test_citizen_adds_information(db):
    body = submit()

    response = APIClient().post(
        f"/api/public/tickets/{body['number']}/supplements/",
        {"code": body["query_code"], "text": "路灯在小区南门东侧第三根"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["timeline"][-1]["text"] == "路灯在小区南门东侧第三根"
    assert Ticket.objects.get(pk=body["id"]).events.filter(kind=EventKind.SUPPLEMENTED).exists()


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"code": "WRONG1", "text": "补充一点信息"}, 404, None),
        ({"text": "补充一点信息"}, 400, "code"),
        ({"text": "补"}, 400, "text"),
        ({"text": "补" * 5000}, 400, "text"),
        ({"text": ["list"]}, 400, "text"),
    ],
)
def test_bad_supplements(db, payload, status, field):
    body = submit()
    payload = {"code": body["query_code"], **payload} if field != "code" else payload

    response = APIClient().post(
        f"/api/public/tickets/{body['number']}/supplements/", payload, format="json"
    )

    assert response.status_code == status
    if field:
        assert field in response.json()["fields"]
    assert Ticket.objects.get(pk=body["id"]).events.count() == 1


def test_supplement_to_a_final_ticket_is_409(operator):
    ticket = given_registered()
    services.ticket_mark_invalid(ticket_id=ticket.pk, actor=operator, reason_code="spam")

    response = APIClient().post(
        f"/api/public/tickets/{ticket.number}/supplements/",
        {"code": ticket.query_code, "text": "还有补充"},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


# --- the query code out of the URL ---------------------------------------------------------------


def test_the_code_travels_in_a_header(db):
    body = submit()
    client = APIClient()
    url = f"/api/public/tickets/{body['number']}/"

    assert client.get(url, HTTP_X_QUERY_CODE=body["query_code"]).status_code == 200
    assert client.get(url, HTTP_X_QUERY_CODE="WRONG1").status_code == 404
    # The query string still works for a deprecation period; the header wins over it.
    assert client.get(url, {"code": body["query_code"]}).status_code == 200
    wrong_header = client.get(url, {"code": body["query_code"]}, HTTP_X_QUERY_CODE="WRONG1")
    assert wrong_header.status_code == 404


def test_the_schema_has_the_header_and_deprecates_the_query_parameter(operator):
    from tests.api import client_for

    schema = client_for(operator).get("/api/schema/?format=json").json()
    parameters = schema["paths"]["/api/public/tickets/{number}/"]["get"]["parameters"]
    by_name = {parameter["name"]: parameter for parameter in parameters}
    assert by_name["X-Query-Code"]["in"] == "header"
    assert by_name["code"]["in"] == "query" and by_name["code"]["deprecated"] is True


def test_no_log_line_carries_a_query_code(caplog):
    import logging

    from hotline.lib.redaction import RedactFilter

    redact = RedactFilter()
    lines = [
        ('"%s" %s %s', ("GET /api/public/tickets/1/?code=ABC234 HTTP/1.1", "404", "58")),
        ("%(r)s %(s)s", {"r": "GET /api/public/tickets/1/?x=1&code=ABC234 HTTP/1.1", "s": "404"}),
        ("Not Found: %s", ("/track/?query_code=ABC234&number=1",)),
    ]
    for message, args in lines:
        record = logging.LogRecord("django.server", logging.WARNING, "", 0, message, args, None)
        assert redact.filter(record)
        assert "ABC234" not in record.getMessage() and "code=" in record.getMessage()


@pytest.mark.parametrize("name", ["django.server", "gunicorn.access", "django.request", "hotline"])
def test_every_configured_handler_redacts(name):
    import logging

    logger = logging.getLogger(name)
    while not logger.handlers and logger.propagate and logger.parent:
        logger = logger.parent  # the handlers its records reach
    # The project's handlers, not the ones pytest adds to capture logs.
    handlers = [h for h in logger.handlers if not type(h).__module__.startswith("_pytest")]
    assert handlers
    for handler in handlers:
        line = "GET /api/public/tickets/1/?code=ABC234 HTTP/1.1"
        record = logging.LogRecord(name, logging.WARNING, "", 0, "%s", (line,), None)
        handler.filter(record)
        assert "ABC234" not in record.getMessage()
