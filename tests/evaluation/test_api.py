"""Follow-up and evaluation through the REST API, as phone systems and dashboards use it."""

import io

import pytest
import time_machine
from openpyxl import load_workbook

from evaluation.models import Decision
from tests.api import client_for
from tests.evaluation import answered, at, record, resolved_in_follow_up
from workorders.models import Status


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content.decode()
    return response.json()


@pytest.fixture
def pending(city, dispatcher, unit_staff):
    return resolved_in_follow_up(city, dispatcher, unit_staff)


def test_the_agent_works_the_queue_and_reopens_through_the_api(pending, follow_up_agent, settings):
    settings.FOLLOW_UP_CALL_AFTER_HOURS = 24
    agent = client_for(follow_up_agent)
    with time_machine.travel(at(2026, 3, 2, 12), tick=False):
        assert ok(agent.get("/api/follow-ups/?tab=due"))["results"] == []
        waiting = ok(agent.get("/api/follow-ups/?tab=waiting"))["results"]
        assert [f["id"] for f in waiting] == [pending.pk]
    with time_machine.travel(at(2026, 3, 3, 12), tick=False):
        due = ok(agent.get("/api/follow-ups/?tab=due"))["results"]
        assert (
            due[0]["ticket_number"] == pending.ticket.number
            and due[0]["unit"] == "市城市管理委员会"
        )
        missed = ok(
            agent.post(
                f"/api/follow-ups/{pending.pk}/calls/", {"outcome": "not_reached"}, format="json"
            )
        )
        assert (missed["attempts"], missed["result"]) == (1, "pending")
        assert ok(agent.get("/api/follow-ups/?tab=due"))["results"] == []  # retry in 4 hours
    with time_machine.travel(at(2026, 3, 3, 17), tick=False):
        answered_call = ok(
            agent.post(
                f"/api/follow-ups/{pending.pk}/calls/",
                {"outcome": "reached", "contacted": True, "solved": False,
                 "satisfaction": "dissatisfied", "comment": "路灯还是不亮"},
                format="json",
            )
        )  # fmt: skip
        assert (answered_call["result"], answered_call["decision"]) == ("answered", "")
        assert [c["outcome"] for c in answered_call["calls"]] == ["not_reached", "reached"]
        undecided = ok(agent.get("/api/follow-ups/?tab=undecided"))["results"]
        assert [f["id"] for f in undecided] == [pending.pk]
        bad = agent.post(
            f"/api/follow-ups/{pending.pk}/decision/", {"decision": "reopen"}, format="json"
        )
        assert bad.status_code == 400 and "reason" in bad.json()["fields"]
        decided = ok(
            agent.post(
                f"/api/follow-ups/{pending.pk}/decision/",
                {"decision": "reopen", "reason": "市民反映路灯仍不亮"},
                format="json",
            )
        )
    assert decided["decision"] == Decision.REOPENED
    pending.ticket.refresh_from_db()
    assert (pending.ticket.status, pending.ticket.reopen_count) == (Status.DISPATCHED, 1)


def test_bad_call_input_is_400_with_fields(pending, follow_up_agent):
    agent = client_for(follow_up_agent)

    response = agent.post(
        f"/api/follow-ups/{pending.pk}/calls/", {"outcome": "reached"}, format="json"
    )

    assert response.status_code == 400
    assert {"contacted", "solved", "satisfaction"} <= set(response.json()["fields"])


def test_exemptions_through_the_api(pending, unit_staff, dispatcher, follow_up_agent):
    with time_machine.travel(at(2026, 3, 3, 12), tick=False):
        client_for(follow_up_agent).post(
            f"/api/follow-ups/{pending.pk}/calls/",
            {"outcome": "reached", "contacted": True, "solved": False,
             "satisfaction": "dissatisfied", "decision": "close"},
            format="json",
        )  # fmt: skip
    body = {"ticket": pending.ticket_id, "reason": "unreasonable", "explanation": "诉求明显不合理"}
    asked = ok(client_for(unit_staff).post("/api/exemptions/", body, format="json"), 201)
    assert (asked["status"], asked["unit"]) == ("pending", "市城市管理委员会")

    pending_list = ok(client_for(dispatcher).get("/api/exemptions/?status=pending"))["results"]
    assert [e["id"] for e in pending_list] == [asked["id"]]
    refused = client_for(dispatcher).post(
        f"/api/exemptions/{asked['id']}/decision/", {"approve": False}, format="json"
    )
    assert refused.status_code == 400
    decided = ok(
        client_for(dispatcher).post(
            f"/api/exemptions/{asked['id']}/decision/", {"approve": True}, format="json"
        )
    )
    assert decided["status"] == "approved"
    assert client_for(dispatcher).get("/api/exemptions/?status=maybe").status_code == 400


def test_rankings_as_json(city, leader, unit_staff):
    answered(city.labour_bureau, at(2026, 3, 9), 2)
    record(city.urban_management, at(2026, 3, 9), solved=False, satisfaction="dissatisfied")
    record(city.urban_management, at(2026, 3, 9), result="unreachable")

    with time_machine.travel(at(2026, 4, 5), tick=False):
        data = ok(client_for(leader).get("/api/rankings/2026-03/"))
        unit = ok(
            client_for(unit_staff).get(f"/api/rankings/2026-03/units/{city.urban_management.pk}/")
        )
        behind = ok(
            client_for(unit_staff).get(
                f"/api/rankings/2026-03/units/{city.urban_management.pk}/not_solved/"
            )
        )
        bad_month = client_for(leader).get("/api/rankings/March/")
        tickets_figure = client_for(leader).get(
            f"/api/rankings/2026-03/units/{city.urban_management.pk}/red_lights/"
        )

    assert (data["month"], data["closed"], data["version"]) == ("2026-03", False, None)
    assert data["rule"]["weight_resolution"] == 50
    departments = next(t for t in data["tables"] if t["kind"] == "department")
    assert [(r["unit_name"], r["rank"], r["composite"]) for r in departments["rows"]] == [
        ("市人力资源和社会保障局", 1, "100.00"),
        ("市城市管理委员会", 2, "10.00"),  # contacted, unsolved, dissatisfied: 0.1 × 100
    ]
    assert (unit["valid"], unit["unreachable"], unit["finished"]) == (1, 1, 2)
    assert [f["solved"] for f in behind["results"]] == [False]
    assert bad_month.status_code == 400 and "month" in bad_month.json()["fields"]
    assert tickets_figure.status_code == 400


def test_closing_through_the_api(city, admin_user, leader):
    answered(city.labour_bureau, at(2026, 3, 9), 1)
    admin = client_for(admin_user)

    with time_machine.travel(at(2026, 4, 5), tick=False):
        closed = ok(admin.post("/api/rankings/2026-03/close/", {}, format="json"), 201)
        again = admin.post("/api/rankings/2026-03/close/", {}, format="json")
        fixed = ok(
            admin.post("/api/rankings/2026-03/close/", {"reason": "补录回访"}, format="json"), 201
        )
        early = admin.post("/api/rankings/2026-04/close/", {}, format="json")
        shown = ok(client_for(leader).get("/api/rankings/2026-03/"))
        workbook = client_for(leader).get("/api/rankings/2026-03/export.xlsx")

    assert (closed["closed"], closed["version"]) == (True, 1)
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    assert (fixed["version"], fixed["reason"]) == (2, "补录回访")
    assert early.status_code == 409
    assert shown["version"] == 2
    assert "计分规则" in load_workbook(io.BytesIO(workbook.content)).sheetnames
    assert 'filename="ranking-2026-03-v2.xlsx"' in workbook["Content-Disposition"]


def test_the_schema_describes_the_evaluation_endpoints(client):
    schema = client.get("/api/schema/").content.decode()

    for path in (
        "/api/follow-ups/{id}/calls/",
        "/api/public/surveys/{token}/",
        "/api/exemptions/",
        "/api/rankings/{month}/",
        "/api/rankings/{month}/close/",
    ):
        assert path in schema
