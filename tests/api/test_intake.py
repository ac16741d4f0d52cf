"""POST /api/tickets/: the intake of apps and phone systems, and its every way to say no."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from rest_framework.test import APIClient

from tests.api import STREET_LIGHT, client_for, png_base64, png_bytes, submit
from workorders.models import Attachment, Channel, EventKind, Ticket, TicketEvent

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_anonymous_json_intake_registers_a_ticket_from_the_app(db):
    body = submit()

    assert set(body) == {"id", "number", "query_code", "status", "registered_at"}
    assert body["status"] == "registered"
    assert re.fullmatch(r"\d{8}-\d{6}", body["number"])
    assert re.fullmatch(r"[2-9A-Z]{6}", body["query_code"])
    ticket = Ticket.objects.get(pk=body["id"])
    assert ticket.channel == Channel.APP
    assert ticket.citizen_phone == "13812345678"
    assert ticket.citizen_user is None and ticket.registered_by is None
    assert ticket.events.get().kind == EventKind.REGISTERED


def test_json_intake_with_base64_image_and_data_url(db):
    body = submit(
        attachments=[
            {"name": "light.png", "data_base64": png_base64()},
            {"name": "second.png", "data_base64": f"data:image/png;base64,{png_base64()}"},
        ]
    )

    attachments = Attachment.objects.filter(ticket_id=body["id"])
    assert [a.content_type for a in attachments] == ["image/png", "image/png"]


def test_multipart_intake_with_a_real_png(db):
    photo = _upload("light.png", png_bytes())

    response = APIClient().post(
        "/api/tickets/", {**STREET_LIGHT, "attachments": [photo]}, format="multipart"
    )

    assert response.status_code == 201, response.content
    attachment = Attachment.objects.get(ticket_id=response.json()["id"])
    assert attachment.content_type == "image/png"
    assert attachment.size == len(png_bytes())


def test_anonymous_cannot_choose_channel_type_or_urgency(db):
    body = submit(channel="phone", request_type="complaint", urgency="emergency")

    ticket = Ticket.objects.get(pk=body["id"])
    assert (ticket.channel, ticket.request_type, ticket.urgency) == ("app", "", "normal")


def test_operator_records_a_phone_call_with_type_and_urgency(operator):
    body = submit(client_for(operator), channel="phone", request_type="complaint", urgency="urgent")

    ticket = Ticket.objects.get(pk=body["id"])
    assert (ticket.channel, ticket.request_type, ticket.urgency) == ("phone", "complaint", "urgent")
    assert ticket.registered_by == operator
    assert ticket.citizen_user is None


def test_operator_without_channel_means_another_platform(operator):
    body = submit(client_for(operator))

    assert Ticket.objects.get(pk=body["id"]).channel == Channel.API


def test_signed_in_citizen_owns_the_ticket_and_finds_it_in_the_list(citizen):
    client = client_for(citizen)
    body = submit(client, channel="phone", urgency="emergency")

    ticket = Ticket.objects.get(pk=body["id"])
    assert ticket.citizen_user == citizen
    assert (ticket.channel, ticket.urgency) == ("app", "normal")
    listed = client.get("/api/tickets/").json()
    assert [t["number"] for t in listed["results"]] == [body["number"]]


def test_intake_stays_within_three_sql_statements(db, django_assert_max_num_queries):
    """The hot path: number counter, ticket, registered event; nothing for anonymous auth.

    (The two extra statements allowed are the test transaction's SAVEPOINT and RELEASE, which on
    a real request are BEGIN/COMMIT and not SQL Django logs.)
    """
    client = APIClient()
    with django_assert_max_num_queries(5) as captured:
        response = client.post("/api/tickets/", STREET_LIGHT, format="json")

    assert response.status_code == 201
    statements = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 3, statements


def test_operator_intake_adds_only_the_token_and_role_lookups(
    operator, django_assert_max_num_queries
):
    client = client_for(operator)
    with django_assert_max_num_queries(7):
        response = client.post("/api/tickets/", STREET_LIGHT, format="json")
    assert response.status_code == 201


# --- bad input: 400 with a Chinese message and the field, and nothing stored ------------------

INVALID = [
    pytest.param({"content": "短"}, "content", id="content-too-short"),
    pytest.param({"content": ""}, "content", id="content-empty"),
    pytest.param({"content": "长" * 100_000}, "content", id="content-huge"),
    pytest.param({"title": "标" * 101}, "title", id="title-too-long"),
    pytest.param({"citizen_phone": "12345"}, "citizen_phone", id="bad-phone"),
    pytest.param({"citizen_name": "名" * 41}, "citizen_name", id="name-too-long"),
    pytest.param({"address": "址" * 201}, "address", id="address-too-long"),
    pytest.param({"latitude": 95, "longitude": 116.3}, "latitude", id="latitude-out-of-range"),
    pytest.param({"latitude": 39.9}, "latitude", id="latitude-without-longitude"),
    pytest.param({"latitude": "北纬", "longitude": 116.3}, "latitude", id="latitude-text"),
    pytest.param({"longitude": [1, 2], "latitude": 39.9}, "longitude", id="longitude-list"),
    pytest.param({"content": {"a": 1}}, "content", id="content-object"),
    pytest.param({"content": None}, "content", id="content-null"),
    pytest.param({"confidential": "maybe"}, "confidential", id="confidential-not-bool"),
    pytest.param({"attachments": "photo.png"}, "attachments", id="attachments-not-list"),
    pytest.param({"attachments": [42]}, "attachments", id="attachment-not-object"),
    pytest.param(
        {"attachments": [{"name": "a.png", "data_base64": "!!!not base64!!!"}]},
        "attachments",
        id="bad-base64",
    ),
    pytest.param(
        {"attachments": [{"name": "a.png", "data_base64": "5Lit5paH"}]},
        "attachments",
        id="base64-not-an-image",
    ),
    pytest.param(
        {"attachments": [{"name": "a.png", "data_base64": png_base64()}] * 7},
        "attachments",
        id="too-many-images",
    ),
]


@pytest.mark.parametrize(("overrides", "field"), INVALID)
def test_invalid_json_intake_is_400_in_chinese_and_stores_nothing(db, overrides, field):
    before = Ticket.objects.count(), TicketEvent.objects.count(), Attachment.objects.count()

    response = APIClient().post("/api/tickets/", {**STREET_LIGHT, **overrides}, format="json")

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_input"
    assert CHINESE.search(body["message"])
    assert field in body["fields"]
    assert all(CHINESE.search(message) for message in body["fields"][field])
    after = Ticket.objects.count(), TicketEvent.objects.count(), Attachment.objects.count()
    assert after == before


def test_operator_with_an_unknown_channel_gets_400(operator):
    response = client_for(operator).post(
        "/api/tickets/", {**STREET_LIGHT, "channel": "fax"}, format="json"
    )
    assert response.status_code == 400
    assert "channel" in response.json()["fields"]
    assert not Ticket.objects.exists()


def test_multipart_with_a_file_that_is_not_an_image(db):
    upload = _upload("notes.png", b"this is plain text, not a picture")
    response = APIClient().post(
        "/api/tickets/", {**STREET_LIGHT, "attachments": [upload]}, format="multipart"
    )

    assert response.status_code == 400
    assert "attachments" in response.json()["fields"]
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()


@override_settings(ATTACHMENT_MAX_BYTES=1024)
def test_multipart_image_over_the_size_limit(db):
    big = png_bytes((400, 400)) + b"\0" * 2048
    response = APIClient().post(
        "/api/tickets/",
        {**STREET_LIGHT, "attachments": [_upload("big.png", big)]},
        format="multipart",
    )

    assert response.status_code == 400
    assert "attachments" in response.json()["fields"]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        pytest.param(
            '{"title": "路灯'.encode(), "application/json", 400, "parse_error", id="truncated"
        ),
        pytest.param(b"\xff\xfe\x00garbage", "application/json", 400, "parse_error", id="binary"),
        pytest.param(b"[1, 2, 3]", "application/json", 400, "invalid_input", id="json-list"),
        pytest.param(b'"text"', "application/json", 400, "invalid_input", id="json-string"),
        pytest.param(b"", "application/json", 400, "invalid_input", id="empty-body"),
        pytest.param(b"NaN", "application/json", 400, "parse_error", id="nan"),
        pytest.param(b"title=x", "text/plain", 415, "unsupported_media_type", id="text-plain"),
        pytest.param(
            b"title=x",
            "application/x-www-form-urlencoded",
            415,
            "unsupported_media_type",
            id="form",
        ),
        pytest.param(
            b"--xx\r\nbroken", "multipart/form-data; boundary=xx", 400, "invalid_input", id="mp"
        ),
        pytest.param(b"--", "multipart/form-data", 400, "parse_error", id="multipart-no-boundary"),
    ],
)
def test_malformed_bodies_are_client_errors(db, body, content_type, status, code):
    response = APIClient().post("/api/tickets/", body, content_type=content_type)

    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert CHINESE.search(response.json()["message"])
    assert not Ticket.objects.exists()


def test_a_body_over_the_limit_is_413(db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    payload = {**STREET_LIGHT, "content": "长" * 200_000}

    response = APIClient().post("/api/tickets/", payload, format="json")

    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not Ticket.objects.exists()


def test_too_many_multipart_fields_is_413(db, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    payload = {**STREET_LIGHT, **{f"extra{i}": "x" for i in range(20)}}

    response = APIClient().post("/api/tickets/", payload, format="multipart")

    assert response.status_code == 413
    assert not Ticket.objects.exists()


def _upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")
