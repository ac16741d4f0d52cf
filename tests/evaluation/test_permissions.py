"""Who may see and do what in follow-up and evaluation: every role against every page and every
endpoint. Pages answer 302 (to the login page) for anonymous visitors and 403 for the wrong role;
the API answers 401 and 403. A unit sees only its own figures (403 for another unit's), and
cannot ask an exemption for a ticket it never handled (404: not even visible)."""

import pytest
import time_machine
from rest_framework.test import APIClient

from evaluation.models import Exemption
from evaluation.services import exemption_request
from tests.api import client_for
from tests.evaluation import at, link_of, record, resolved_in_follow_up

ROLES = (
    "anonymous",
    "citizen",
    "operator",
    "dispatcher",
    "unit_staff",  # 市城市管理委员会: the lead unit of the tickets below
    "other_unit_staff",  # 市人力资源和社会保障局
    "follow_up_agent",
    "leader",
    "admin_user",
)


@pytest.fixture(autouse=True)
def april():
    with time_machine.travel(at(2026, 4, 5, 10), tick=False):
        yield


@pytest.fixture
def world(request, city, dispatcher, unit_staff):
    """A pending follow-up (resolved March 2), an answered one in March, a pending exemption."""
    people = {name: request.getfixturevalue(name) for name in ROLES if name not in ("anonymous",)}
    people["anonymous"] = None
    pending = resolved_in_follow_up(city, dispatcher, unit_staff)
    finished = record(city.urban_management, at(2026, 3, 10), solved=False)
    exemption = exemption_request(
        ticket_id=finished.ticket_id,
        actor=unit_staff,
        reason="unreasonable",
        explanation="诉求超出合理范围，已向市民解释",
    )
    return {
        "people": people,
        "pending": pending,
        "ticket": finished.ticket,
        "exemption": exemption,
        "unit": city.urban_management.pk,
    }


def _page_paths(w) -> dict:
    unit = w["unit"]
    #                                              anon cit  oper disp unit ounit fup lead admin
    return {
        "/evaluation/":                               (302, 403, 403, 200, 403, 403, 200, 403, 200),
        "/evaluation/rankings/":                      (302, 403, 403, 200, 403, 403, 403, 200, 200),
        "/evaluation/rankings/2026-03/":              (302, 403, 403, 200, 403, 403, 403, 200, 200),
        "/evaluation/rankings/2026-03/export.xlsx":   (302, 403, 403, 200, 403, 403, 403, 200, 200),
        "/evaluation/rankings/2026-03/export.csv":    (302, 403, 403, 200, 403, 403, 403, 200, 200),
        f"/evaluation/rankings/2026-03/units/{unit}/":
                                                     (302, 403, 403, 200, 200, 403, 403, 200, 200),
        f"/evaluation/rankings/2026-03/units/{unit}/not_solved/":
                                                     (302, 403, 403, 200, 200, 403, 403, 200, 200),
        f"/evaluation/rankings/2026-03/units/{unit}/red_lights/":
                                                     (302, 403, 403, 200, 200, 403, 403, 200, 200),
        "/evaluation/my-unit/":                       (302, 403, 403, 403, 302, 302, 403, 403, 403),
        "/evaluation/exemptions/":                    (302, 403, 403, 200, 200, 200, 403, 200, 200),
        f"/evaluation/exemptions/new/{w['ticket'].pk}/":
                                                     (302, 403, 403, 403, 200, 404, 403, 403, 403),
    }  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_pages(role, world, client):
    person = world["people"][role]
    if person is not None:
        client.force_login(person)
    for path, expected in _page_paths(world).items():
        response = client.get(path)
        assert response.status_code == expected[ROLES.index(role)], (path, role)


@pytest.mark.parametrize("role", ROLES)
def test_the_survey_page_needs_only_the_link(role, world, client):
    person = world["people"][role]
    if person is not None:
        client.force_login(person)
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        assert client.get(link_of(world["pending"])).status_code == 200


def _posts(w) -> dict:
    pending, exemption = w["pending"], w["exemption"]
    f, e = f"f{pending.pk}", f"e{exemption.pk}"
    #                                                   anon cit  oper disp unit ounit fup lead adm
    return {
        (f"/evaluation/follow-ups/{pending.pk}/call/", (f"{f}-outcome", "not_reached")):
                                                         (302, 403, 403, 302, 403, 403, 302, 403, 302),
        ("/evaluation/rankings/2026-03/close/", ("reason", "")):
                                                         (302, 403, 403, 403, 403, 403, 403, 403, 302),
        (f"/evaluation/exemptions/{exemption.pk}/decision/", (f"{e}-decision", "approve")):
                                                         (302, 403, 403, 302, 403, 403, 403, 403, 302),
    }  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_page_actions(role, world, client):
    person = world["people"][role]
    if person is not None:
        client.force_login(person)
    for (path, (name, value)), expected in _posts(world).items():
        response = client.post(path, {name: value})
        assert response.status_code == expected[ROLES.index(role)], (path, role)


def _api_reads(w) -> dict:
    unit, pending = w["unit"], w["pending"]
    #                                                  anon cit  oper disp unit ounit fup lead adm
    return {
        "/api/follow-ups/":                           (401, 403, 403, 200, 403, 403, 200, 403, 200),
        f"/api/follow-ups/{pending.pk}/":             (401, 403, 403, 200, 403, 403, 200, 403, 200),
        "/api/exemptions/":                           (401, 403, 403, 200, 200, 200, 403, 200, 200),
        "/api/rankings/2026-03/":                     (401, 403, 403, 200, 403, 403, 403, 200, 200),
        "/api/rankings/2026-03/export.xlsx":          (401, 403, 403, 200, 403, 403, 403, 200, 200),
        "/api/rankings/2026-03/export.csv":           (401, 403, 403, 200, 403, 403, 403, 200, 200),
        f"/api/rankings/2026-03/units/{unit}/":       (401, 403, 403, 200, 200, 403, 403, 200, 200),
        f"/api/rankings/2026-03/units/{unit}/valid/": (401, 403, 403, 200, 200, 403, 403, 200, 200),
    }  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_api_reads(role, world):
    client = client_for(world["people"][role])
    for path, expected in _api_reads(world).items():
        response = client.get(path)
        assert response.status_code == expected[ROLES.index(role)], (path, role)
        if response.status_code >= 400:
            assert set(response.json()) == {"code", "message", "fields"}


def _api_writes(w) -> dict:
    pending, exemption, ticket = w["pending"], w["exemption"], w["ticket"]
    call = {"outcome": "not_reached"}
    ask = {"ticket": ticket.pk, "reason": "other", "explanation": "同一事项重复申请的说明"}
    #                                                        anon cit  oper disp unit ounit fup lead adm
    return {
        (f"/api/follow-ups/{pending.pk}/calls/", "call"):  (401, 403, 403, 200, 403, 403, 200, 403, 200),
        (f"/api/exemptions/{exemption.pk}/decision/", "decide"):
                                                          (401, 403, 403, 200, 403, 403, 403, 403, 200),
        ("/api/exemptions/", "ask"):                      (401, 403, 403, 403, 409, 404, 403, 403, 403),
        ("/api/rankings/2026-03/close/", "close"):        (401, 403, 403, 403, 403, 403, 403, 403, 201),
    }, {"call": call, "decide": {"approve": True}, "ask": ask, "close": {}}  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_api_writes(role, world):
    client = client_for(world["people"][role])
    table, bodies = _api_writes(world)
    for (path, body), expected in table.items():
        response = client.post(path, bodies[body], format="json")
        assert response.status_code == expected[ROLES.index(role)], (path, role, response.json())


def test_anonymous_api_calls_get_the_token_scheme(world):
    response = APIClient().get("/api/rankings/2026-03/")

    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


def test_a_unit_cannot_see_another_units_exemptions(world, other_unit_staff, unit_staff):
    assert client_for(other_unit_staff).get("/api/exemptions/").json()["results"] == []
    mine = client_for(unit_staff).get("/api/exemptions/").json()["results"]
    assert [e["id"] for e in mine] == [world["exemption"].pk]
    assert Exemption.objects.count() == 1
