"""What a schemathesis run of the OpenAPI schema found: each case answered a 500 before its fix.
Every bad input must answer a clear 4xx in the one error shape."""

import jsonschema

from analysis.models import MonthlyTopic
from tests.api import client_for, given_registered
from workorders import services

TOPICS = "/api/analysis/topics/"
TOO_BIG = 5305831845269314994176  # beyond any database integer column


def assert_error(response, status: int, field: str | None = None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    if field:
        assert field in body["fields"]
    return body


def topic_body(city, **overrides):
    body = {
        "month": "2026-12",
        "title": "拖欠工资",
        "goal": "本月内诉求量下降三成",
        "lead_unit": city.labour_bureau.pk,
        "categories": [city.wages.pk],
    }
    body.update(overrides)
    return body


def test_a_topic_with_an_id_too_big_for_the_database_is_refused(city, leader):
    client = client_for(leader)
    for field in ("categories", "regions", "assist_units"):
        response = client.post(
            TOPICS, topic_body(city, **{field: [city.wages.pk, TOO_BIG, -TOO_BIG]}), format="json"
        )
        body = assert_error(response, 400, field)
        assert "不存在" in body["fields"][field][0]
    response = client.post(TOPICS, topic_body(city, lead_unit=TOO_BIG), format="json")
    assert_error(response, 400, "lead_unit")
    assert not MonthlyTopic.objects.exists()
    assert client.post(TOPICS, topic_body(city), format="json").status_code == 201


def _openapi():
    return client_for().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def _json_schema(schema, spec):
    """An OpenAPI 3.0 schema as plain JSON Schema: $refs inlined, ``nullable`` as a null type."""
    if isinstance(schema, list):
        return [_json_schema(item, spec) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return _json_schema(spec["components"]["schemas"][name], spec)
    result = {key: _json_schema(value, spec) for key, value in schema.items() if key != "nullable"}
    if schema.get("nullable"):
        if "type" in result:
            result["type"] = [result["type"], "null"]
        else:
            result = {"anyOf": [result, {"type": "null"}]}
    return result


def assert_conforms(response, path: str, method: str = "get"):
    """The response's body is what the OpenAPI schema says it is (schemathesis's
    response_schema_conformance check)."""
    spec = _openapi()
    documented = spec["paths"][path][method]["responses"][str(response.status_code)]
    schema = _json_schema(documented["content"]["application/json"]["schema"], spec)
    jsonschema.validate(response.json(), schema, format_checker=jsonschema.FormatChecker())


def test_a_ticket_waiting_for_triage_has_no_unit_due_times_and_the_schema_says_so(city, dispatcher):
    ticket = given_registered()
    services.ticket_send_to_triage(ticket_id=ticket.pk, suggestion={}, reason="置信度低")
    client = client_for(dispatcher)
    queue = client.get("/api/triage/")
    assert queue.status_code == 200
    assert queue.json()["results"][0]["accept_due_at"] is None
    assert_conforms(queue, "/api/triage/")
    detail = client.get(f"/api/tickets/{ticket.pk}/")
    assert detail.json()["resolve_due_at"] is None
    assert_conforms(detail, "/api/tickets/{id}/")
    changed = client.post(
        f"/api/tickets/{ticket.pk}/request-type/", {"request_type": "complaint"}, format="json"
    )
    assert changed.status_code == 200, changed.content
    assert_conforms(changed, "/api/tickets/{id}/request-type/", "post")


def test_a_topic_answers_what_the_schema_says(city, leader):
    client = client_for(leader)
    created = client.post(TOPICS, topic_body(city), format="json")
    assert created.status_code == 201
    assert created.json()["month"] == "2026-12"
    assert_conforms(created, TOPICS, "post")
    assert_conforms(client.get(TOPICS), TOPICS)
