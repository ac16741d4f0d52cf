"""The analysis endpoints of proactive work and 每月一题 in the OpenAPI schema, and their errors in
the request's language."""

from rest_framework.test import APIClient

from tests.analysis.test_topics import API as TOPICS
from tests.api import client_for


def test_the_schema_documents_the_endpoints(db):
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = response.json()["paths"]

    assert {"get", "post"} <= set(paths["/api/analysis/proactive/"])
    created = paths["/api/analysis/proactive/"]["post"]["responses"]
    assert {"201", "400", "403"} <= set(created)
    assert {"get", "post"} <= set(paths["/api/analysis/topics/"])
    assert {"get", "patch"} <= set(paths["/api/analysis/topics/{id}/"])
    assert "get" in paths["/api/analysis/topics/{id}/volume/"]
    assert "post" in paths["/api/analysis/topics/{id}/problems/"]
    assert "patch" in paths["/api/analysis/topics/{id}/problems/{problem_id}/"]


def test_errors_speak_the_requests_language(city, dispatcher, leader):
    english = client_for(dispatcher)
    response = english.post(
        "/api/analysis/proactive/",
        {"tickets": [], "title": "", "content": "", "category": None, "region": None, "unit": None},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert response.json()["fields"]["tickets"] == ["Choose at least one source ticket"] or (
        # Before the lead fills locale/ at merge, the Chinese source text answers.
        response.json()["fields"]["tickets"] == ["请至少选择一张来源工单"]
    )
    chinese = client_for(dispatcher).post(
        "/api/analysis/proactive/", {"tickets": []}, format="json"
    )
    assert chinese.status_code == 400
    assert {"title", "content", "category", "region", "unit"} <= set(chinese.json()["fields"])


def test_unknown_topics_and_malformed_bodies(city, leader):
    client = client_for(leader)
    assert client.get(f"{TOPICS}999999/").status_code == 404
    assert client.patch(f"{TOPICS}999999/", {"title": "题目"}, format="json").status_code == 404
    bad = client.post(TOPICS, "not json", content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"]
    wrong = client.post(TOPICS, {"month": "2026-03", "categories": "abc"}, format="json")
    assert wrong.status_code == 400 and "categories" in wrong.json()["fields"]


def test_a_topic_error_in_english_is_a_400_not_a_crash(city, leader):
    from tests.analysis.test_topics import topic_body

    response = client_for(leader).post(
        TOPICS, topic_body(city, title="", goal=""), format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert {"title", "goal"} <= set(response.json()["fields"])
