"""What a schemathesis run of the OpenAPI schema found: each case answered a 500 before its fix.
Every bad input must answer a clear 4xx in the one error shape."""

from analysis.models import MonthlyTopic
from tests.api import client_for

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
