"""Who may do what, through the API: every role against every endpoint.

404 means "not visible to you" (other units' staff, other citizens): the API never confirms that
a ticket exists to someone who may not see it. 403 means "visible, but not your job" (the
ticket's own citizen, a leader, the wrong role). 401: not signed in.
"""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from tests.api import (
    client_for,
    extension_body,
    given_accepted,
    given_dispatched,
    given_in_progress,
    given_registered,
    given_resolved,
)
from tests.conftest import make_user
from workorders import services
from workorders.models import Role

ROLES = (
    "anonymous",
    "citizen",  # the ticket's own citizen, signed in
    "other_citizen",
    "operator",
    "dispatcher",
    "unit_staff",  # 市城市管理委员会, the lead unit once dispatched
    "other_unit_staff",  # 市人力资源和社会保障局
    "follow_up_agent",
    "leader",
    "admin_user",
)

# endpoint: expected status for each role, in the order of ROLES.
#                      anon  cit  ocit  oper disp unit ounit fup  lead admin
ACTIONS = {
    "accept":           (401, 403, 404, 403, 403, 200, 404, 403, 403, 403),
    "contact":          (401, 403, 404, 403, 403, 200, 404, 403, 403, 403),
    "progress":         (401, 403, 404, 403, 403, 200, 404, 403, 403, 403),
    "return":           (401, 403, 404, 403, 403, 200, 404, 403, 403, 403),
    "return-decision":  (401, 403, 404, 403, 200, 403, 404, 403, 403, 200),
    "extension":        (401, 403, 404, 403, 403, 200, 404, 403, 403, 403),
    "extension-decision": (401, 403, 404, 403, 200, 403, 404, 403, 403, 200),
    "resolve":          (401, 403, 404, 403, 403, 200, 404, 403, 403, 403),
    "answer":           (401, 403, 404, 200, 200, 404, 404, 403, 403, 200),
    "merge":            (401, 403, 404, 200, 200, 404, 404, 403, 403, 200),
    "invalid":          (401, 403, 404, 200, 200, 404, 404, 403, 403, 200),
    "dispatch":         (401, 403, 404, 403, 200, 404, 404, 403, 403, 200),
    # Resolving enters follow-up by itself: starting it again is a conflict for those who may.
    "follow-up/start":  (401, 403, 404, 403, 409, 403, 404, 409, 403, 409),
    "close":            (401, 403, 404, 403, 200, 403, 404, 200, 403, 200),
    "reopen":           (401, 403, 404, 403, 200, 403, 404, 200, 403, 200),
    "reveal-contact":   (401, 403, 404, 403, 403, 200, 404, 403, 403, 403),
    # Only a district government over the street handling it (tests/workorders/
    # test_district_press.py has the district, the other district, the street and community).
    "press":            (401, 403, 404, 403, 403, 403, 404, 403, 403, 403),
}  # fmt: skip


@pytest.fixture
def people(request, city, citizen, dispatcher, unit_staff, follow_up_agent):
    """Every persona by role name; "anonymous" is None."""
    fixtures = [name for name in ROLES if name not in ("anonymous", "other_citizen")]
    named = {name: request.getfixturevalue(name) for name in fixtures}
    named["other_citizen"] = make_user("citizen_wu", Role.CITIZEN, name="吴市民")
    return {"anonymous": None, **named}


def arrange(endpoint: str, p: dict, city) -> tuple[int, dict]:
    """A ticket of ``p["citizen"]`` in the state the endpoint needs, and a valid body."""
    d, unit, cit = p["dispatcher"], p["unit_staff"], p["citizen"]
    if endpoint in ("accept", "return", "reveal-contact"):
        return given_dispatched(city, d, cit).pk, {"reason": "不属于本单位的职责范围"}
    if endpoint == "press":
        return given_dispatched(city, d, cit).pk, {"note": "请尽快办理"}
    if endpoint in ("contact", "progress"):
        return given_accepted(city, d, unit, cit).pk, {"note": "已电话联系市民", "public": True}
    if endpoint == "extension":
        ticket = given_accepted(city, d, unit, cit)
        return ticket.pk, extension_body(ticket)
    if endpoint == "resolve":
        ticket = given_in_progress(city, d, unit, cit)
        return ticket.pk, {"reply": "路灯已修复，经现场确认恢复照明。"}
    if endpoint == "return-decision":
        ticket = given_dispatched(city, d, cit)
        services.ticket_request_return(ticket_id=ticket.pk, actor=unit, reason="不属于本单位职责")
        return ticket.pk, {"approve": True}
    if endpoint == "extension-decision":
        ticket = given_accepted(city, d, unit, cit)
        services.ticket_request_extension(
            ticket_id=ticket.pk,
            actor=unit,
            reason="需要采购配件，周期较长",
            requested_due_at=ticket.resolve_due_at + timedelta(days=3),
        )
        return ticket.pk, {"approve": True}
    if endpoint in ("answer", "merge", "invalid", "dispatch"):
        ticket = given_registered(cit)
        master = given_registered(title="同一路灯")
        return ticket.pk, {
            "reply": "您好，此问题已为您解答。",
            "master_number": master.number,
            "reason_code": "spam",
            "lead_unit": city.urban_management.pk,
        }
    ticket = given_resolved(city, d, unit, cit)  # in follow-up
    return ticket.pk, {"note": "市民满意", "reason": "市民反映路灯仍然不亮"}


@pytest.mark.parametrize("endpoint", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_action_permissions(endpoint, role, people, city):
    ticket_id, body = arrange(endpoint, people, city)
    expected = ACTIONS[endpoint][ROLES.index(role)]

    response = client_for(people[role]).post(
        f"/api/tickets/{ticket_id}/{endpoint}/", body, format="json"
    )

    assert response.status_code == expected, response.content.decode()
    if expected == 200 and endpoint == "reveal-contact":
        assert response.json() == {"name": "张三", "phone": "13812345678"}
    elif expected == 200:
        assert response.json()["id"] == ticket_id
    else:
        assert set(response.json()) == {"code", "message", "fields"}


# Reading one ticket (dispatched to 市城市管理委员会, submitted by "citizen").
#               anon  cit  ocit  oper disp unit ounit fup  lead admin
READ_TICKET = (401, 200, 404, 200, 200, 200, 404, 200, 200, 200)  # fmt: skip


@pytest.mark.parametrize("suffix", ["", "events/"])
@pytest.mark.parametrize("role", ROLES)
def test_ticket_read_permissions(suffix, role, people, city):
    ticket = given_dispatched(city, people["dispatcher"], people["citizen"])

    response = client_for(people[role]).get(f"/api/tickets/{ticket.pk}/{suffix}")

    assert response.status_code == READ_TICKET[ROLES.index(role)]


# The queues and lists.
#                      anon  cit  ocit  oper disp unit ounit fup  lead admin
LISTS = {
    "tickets/":         (401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "triage/":          (401, 403, 403, 403, 200, 403, 403, 403, 403, 200),
    "triage/returns/":  (401, 403, 403, 403, 200, 403, 403, 403, 403, 200),
    "triage/extensions/": (401, 403, 403, 403, 200, 403, 403, 403, 403, 200),
    "unit/tickets/":    (401, 403, 403, 403, 403, 200, 200, 403, 403, 403),
    "follow-up/":       (401, 403, 403, 403, 200, 403, 403, 200, 403, 200),
    "units/":           (401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "categories/":      (401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "regions/":         (401, 200, 200, 200, 200, 200, 200, 200, 200, 200),
}  # fmt: skip


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("role", ROLES)
def test_list_permissions(path, role, people):
    response = client_for(people[role]).get(f"/api/{path}")

    assert response.status_code == LISTS[path][ROLES.index(role)], response.content.decode()


def test_anonymous_gets_401_with_the_token_scheme(db):
    response = APIClient().get("/api/tickets/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


def test_an_invalid_token_is_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert client.get("/api/tickets/").status_code == 401
    # Intake stays open, but a wrong token is still an error rather than silent anonymity.
    assert client.post("/api/tickets/", {}, format="json").status_code == 401


@pytest.mark.parametrize(
    "path", ["/api/tickets/0/", "/api/tickets/99999999999999999999999/events/"]
)
def test_unknown_ticket_ids_are_404(dispatcher, path):
    assert client_for(dispatcher).get(path).status_code == 404
    assert client_for(dispatcher).post(path.replace("events/", "") + "accept/").status_code == 404
