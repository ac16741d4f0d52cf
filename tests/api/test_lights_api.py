"""Lights, supervision (督办) and pauses through the REST API.

Three street-light tickets dispatched to 市城市管理委员会 on Monday 2026-03-02 and read at 11:40:
dispatched at 09:00 (accept due 11:00: red), 10:00 (accept due 12:00, yellow since 11:36) and
11:30 (green). Then the supervision and pause flows, and who may call each new endpoint.
"""

from datetime import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api import client_for
from tests.workorders.deadline_helpers import at, dispatch_at, fresh, register
from workorders import services
from workorders.models import EventKind, PauseStatus, Role, Supervision
from workorders.services import notifications as outbox
from workorders.workdays import sync_calendar_from_library

NOW = at(2026, 3, 2, 11, 40)


@pytest.fixture(autouse=True)
def calendar_2026(db):
    sync_calendar_from_library([2026])


@pytest.fixture(autouse=True)
def broker(monkeypatch):
    monkeypatch.setattr(outbox.celery_app, "send_task", lambda name, args: None)


@pytest.fixture
def trio(city, dispatcher):
    red = dispatch_at(at(2026, 3, 2, 9), city, dispatcher)
    yellow = dispatch_at(at(2026, 3, 2, 10), city, dispatcher)
    green = dispatch_at(at(2026, 3, 2, 11, 30), city, dispatcher)
    return red, yellow, green


def call(user, method: str, path: str, body=None, moment=NOW):
    with time_machine.travel(moment, tick=False):
        client = client_for(user)
        if method == "get":
            return client.get(path, body or {})
        return client.post(path, body or {}, format="json")


def ok(response):
    assert response.status_code == 200, response.content.decode()
    return response.json()


def by_number(rows: list[dict]) -> dict[str, dict]:
    return {row["number"]: row for row in rows}


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


# --- lights on lists and detail -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "path"),
    [("dispatcher", "/api/tickets/"), ("unit_staff", "/api/unit/tickets/?tab=new")],
)
def test_lists_carry_every_light_and_the_due_and_warning_times(request, trio, persona, path):
    red, yellow, green = trio
    rows = by_number(ok(call(request.getfixturevalue(persona), "get", path))["results"])

    assert rows[red.number]["light"] == "red"
    assert rows[red.number]["accept_light"] == "red"
    assert rows[red.number]["contact_light"] == "green"
    assert rows[red.number]["resolve_light"] == "green"
    assert rows[yellow.number]["light"] == rows[yellow.number]["accept_light"] == "yellow"
    assert rows[green.number]["light"] == "green"
    row = rows[yellow.number]
    assert when(row["accept_due_at"]) == at(2026, 3, 2, 12)
    assert when(row["accept_warn_at"]) == at(2026, 3, 2, 11, 36)
    assert when(row["contact_warn_at"]) == fresh(yellow).contact_warn_at
    assert when(row["resolve_warn_at"]) == fresh(yellow).resolve_warn_at
    assert row["paused_at"] is None


def test_a_ticket_without_a_unit_has_only_the_dispatch_light(dispatcher, city):
    ticket = register()
    services.ticket_send_to_triage(ticket_id=ticket.pk, suggestion={}, reason="置信度低")

    detail = ok(call(dispatcher, "get", f"/api/tickets/{ticket.pk}/"))

    assert [detail[k] for k in ("accept_light", "contact_light", "resolve_light")] == ["", "", ""]
    assert detail["dispatch_light"] == detail["light"] == "green"
    assert detail["dispatch_due_at"] is not None


def test_detail_and_action_responses_carry_the_lights(trio, unit_staff):
    red, yellow, green = trio

    detail = ok(call(unit_staff, "get", f"/api/tickets/{yellow.pk}/"))
    assert (detail["light"], detail["accept_light"], detail["contact_light"]) == (
        "yellow",
        "yellow",
        "green",
    )
    assert detail["supervisions"] == [] and detail["pause"] is None

    accepted = ok(call(unit_staff, "post", f"/api/tickets/{yellow.pk}/accept/"))
    assert accepted["accept_light"] == "" and accepted["light"] == "green"


def test_filter_by_light(trio, dispatcher):
    red, yellow, green = trio
    for light, expected in (("red", red), ("yellow", yellow), ("green", green), ("RED", red)):
        rows = ok(call(dispatcher, "get", "/api/tickets/", {"light": light}))["results"]
        assert [row["number"] for row in rows] == [expected.number], light


def test_order_by_light(trio, dispatcher, unit_staff):
    red, yellow, green = trio
    newest = ok(call(dispatcher, "get", "/api/tickets/"))["results"]
    urgent = ok(call(dispatcher, "get", "/api/tickets/", {"ordering": "light"}))["results"]
    assert [row["number"] for row in newest] == [green.number, yellow.number, red.number]
    assert [row["number"] for row in urgent] == [red.number, yellow.number, green.number]
    mine = ok(call(unit_staff, "get", "/api/unit/tickets/", {"tab": "new", "ordering": "light"}))
    assert [row["number"] for row in mine["results"]] == [red.number, yellow.number, green.number]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"light": "purple"}, "light", "灯色应为"),
        ({"ordering": "oldest"}, "ordering", "未知的排序方式"),
    ],
)
def test_bad_light_or_ordering_is_400_with_the_field(trio, dispatcher, query, field, message):
    response = call(dispatcher, "get", "/api/tickets/", query)

    assert response.status_code == 400
    assert message in response.json()["fields"][field][0]


LISTS = [
    ("dispatcher", "/api/tickets/"),
    ("dispatcher", "/api/tickets/?light=red&ordering=light"),
    ("dispatcher", "/api/supervision/"),
    ("dispatcher", "/api/triage/pauses/"),
    ("unit_staff", "/api/unit/tickets/?tab=all"),
    ("unit_staff", "/api/unit/supervisions/"),
]


def busy_tickets(city, dispatcher, unit_staff, count: int) -> None:
    """``count`` red tickets in progress, each supervised and with a pause asked for."""
    for _ in range(count):
        ticket = dispatch_at(at(2026, 3, 2, 9), city, dispatcher)
        with time_machine.travel(at(2026, 3, 2, 9, 30), tick=False):
            services.ticket_accept(ticket_id=ticket.pk, actor=unit_staff)
            services.ticket_contact(ticket_id=ticket.pk, actor=unit_staff, note="已电话联系")
            services.ticket_request_pause(
                ticket_id=ticket.pk, actor=unit_staff, reason="等待市民补充材料"
            )
            services.ticket_supervise(ticket_id=ticket.pk, actor=dispatcher, note="请尽快")


@pytest.mark.parametrize(("persona", "path"), LISTS)
def test_sql_per_list_does_not_grow_with_the_rows(
    request, city, dispatcher, unit_staff, persona, path, django_assert_max_num_queries
):
    user = request.getfixturevalue(persona)
    later = at(2026, 3, 20)  # every resolve deadline has passed: all red
    busy_tickets(city, dispatcher, unit_staff, 2)
    with CaptureQueriesContext(connection) as two:
        assert ok(call(user, "get", path, moment=later))["count"] == 2

    busy_tickets(city, dispatcher, unit_staff, 18)
    with django_assert_max_num_queries(len(two.captured_queries)):
        assert ok(call(user, "get", path, moment=later))["count"] == 20


# --- supervision ----------------------------------------------------------------------------------


def test_supervision_flow(city, trio, dispatcher, unit_staff, leader):
    red, yellow, green = trio

    # The dispatcher's list: red tickets only, most overdue first, with their supervision state.
    queue = ok(call(dispatcher, "get", "/api/supervision/"))["results"]
    assert [row["number"] for row in queue] == [red.number]
    assert queue[0]["light"] == "red" and queue[0]["open_supervisions"] == 0
    assert when(queue[0]["running_due_at"]) == at(2026, 3, 2, 11)
    assert queue[0]["last_supervised_at"] is None
    soon = ok(call(dispatcher, "get", "/api/supervision/", {"light": "yellow"}))["results"]
    assert [row["number"] for row in soon] == [yellow.number]
    units = ok(call(leader, "get", "/api/supervision/units/"))
    assert units == [
        {"unit": {"id": city.urban_management.pk, "name": "市城市管理委员会"}, "red": 1}
    ]

    # Supervise.
    detail = ok(
        call(dispatcher, "post", f"/api/tickets/{red.pk}/supervise/", {"note": "请立即签收"})
    )
    (notice,) = detail["supervisions"]
    assert notice["note"] == "请立即签收" and notice["created_by"] == "赵派单"
    assert notice["unit"]["name"] == "市城市管理委员会" and notice["acknowledged_at"] is None
    row = ok(call(dispatcher, "get", "/api/supervision/"))["results"][0]
    assert row["open_supervisions"] == 1 and row["last_supervised_at"]

    # The unit sees it and answers.
    assert ok(call(unit_staff, "get", "/api/unit/lights/")) == {
        "red": 1,
        "yellow": 1,
        "supervisions": 1,
    }
    (waiting,) = ok(call(unit_staff, "get", "/api/unit/supervisions/"))["results"]
    assert waiting["ticket_id"] == red.pk and waiting["ticket_number"] == red.number
    answered = ok(
        call(
            unit_staff,
            "post",
            f"/api/tickets/{red.pk}/acknowledge-supervision/",
            {"response": "已签收，今日下午到场"},
        )
    )
    (notice,) = answered["supervisions"]
    assert (
        notice["acknowledged_by"] == "城管委小刘" and notice["response"] == "已签收，今日下午到场"
    )
    assert ok(call(unit_staff, "get", "/api/unit/supervisions/"))["count"] == 0
    assert ok(call(unit_staff, "get", "/api/unit/lights/"))["supervisions"] == 0
    events = ok(call(dispatcher, "get", f"/api/tickets/{red.pk}/events/"))
    assert [e["kind"] for e in events][-2:] == ["supervised", "supervision_acknowledged"]

    # Nothing left to answer.
    again = call(
        unit_staff,
        "post",
        f"/api/tickets/{red.pk}/acknowledge-supervision/",
        {"response": "再次回复"},
    )
    assert again.status_code == 409


def test_supervision_input_errors(trio, dispatcher):
    red, yellow, green = trio

    empty = call(dispatcher, "post", f"/api/tickets/{red.pk}/supervise/", {"note": ""})
    green_list = call(dispatcher, "get", "/api/supervision/", {"light": "green"})

    assert empty.status_code == 400 and "note" in empty.json()["fields"]
    assert green_list.status_code == 400 and "light" in green_list.json()["fields"]
    assert not Supervision.objects.exists()


def test_citizens_do_not_see_supervision_or_pauses(city, dispatcher, unit_staff, citizen):
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        ticket = register(citizen_user=citizen)
        services.ticket_dispatch(
            ticket_id=ticket.pk,
            actor=dispatcher,
            lead_unit=city.urban_management,
            category=city.street_light,
        )
        services.ticket_accept(ticket_id=ticket.pk, actor=unit_staff)
        services.ticket_contact(ticket_id=ticket.pk, actor=unit_staff, note="已电话联系")
        services.ticket_request_pause(
            ticket_id=ticket.pk, actor=unit_staff, reason="等待市民补充材料"
        )
        services.ticket_supervise(ticket_id=ticket.pk, actor=dispatcher, note="内部督办意见")

    detail = ok(call(citizen, "get", f"/api/tickets/{ticket.pk}/"))

    assert detail["supervisions"] == [] and detail["pause"] is None
    assert "内部督办意见" not in str(detail)


# --- pauses ---------------------------------------------------------------------------------------


def test_pause_flow(city, dispatcher, unit_staff):
    ticket = dispatch_at(at(2026, 3, 2, 9), city, dispatcher)
    call(unit_staff, "post", f"/api/tickets/{ticket.pk}/accept/")
    call(unit_staff, "post", f"/api/tickets/{ticket.pk}/contact/", {"note": "已电话联系"})
    due = fresh(ticket).resolve_due_at

    asked = ok(
        call(
            unit_staff,
            "post",
            f"/api/tickets/{ticket.pk}/pause/",
            {"reason": "等待市民提供产权证明"},
            moment=at(2026, 3, 4, 10),
        )
    )
    assert asked["pause"]["status"] == "pending" and asked["paused_at"] is None
    (pending,) = ok(call(dispatcher, "get", "/api/triage/pauses/"))["results"]
    assert pending["ticket_id"] == ticket.pk and pending["reason"] == "等待市民提供产权证明"

    approved = ok(
        call(
            dispatcher,
            "post",
            f"/api/tickets/{ticket.pk}/pause-decision/",
            {"approve": True},
            moment=at(2026, 3, 4, 11),
        )
    )
    assert approved["pause"]["status"] == "active"
    assert when(approved["paused_at"]) == at(2026, 3, 4, 11)
    assert ok(call(dispatcher, "get", "/api/triage/pauses/"))["count"] == 0
    # Long after the original due time the light is still what it was when the clock stopped.
    frozen = ok(call(unit_staff, "get", f"/api/tickets/{ticket.pk}/", moment=at(2026, 3, 30)))
    assert frozen["resolve_light"] == "green"

    resumed = ok(
        call(
            unit_staff,
            "post",
            f"/api/tickets/{ticket.pk}/resume/",
            {"note": "材料已收到"},
            moment=at(2026, 3, 5, 11),
        )
    )
    assert resumed["paused_at"] is None and resumed["pause"] is None
    assert when(resumed["resolve_due_at"]) == due + (at(2026, 3, 5, 11) - at(2026, 3, 4, 11))
    assert ticket.pauses.get().status == PauseStatus.ENDED
    assert list(ticket.events.values_list("kind", flat=True))[-3:] == [
        EventKind.PAUSE_REQUESTED,
        EventKind.PAUSED,
        EventKind.RESUMED,
    ]


def test_a_rejection_needs_a_note(city, dispatcher, unit_staff):
    ticket = dispatch_at(at(2026, 3, 2, 9), city, dispatcher)
    call(unit_staff, "post", f"/api/tickets/{ticket.pk}/accept/")
    call(unit_staff, "post", f"/api/tickets/{ticket.pk}/contact/", {"note": "已电话联系"})
    call(unit_staff, "post", f"/api/tickets/{ticket.pk}/pause/", {"reason": "等待市民补充材料"})

    bare = call(dispatcher, "post", f"/api/tickets/{ticket.pk}/pause-decision/", {"approve": False})
    noted = call(
        dispatcher,
        "post",
        f"/api/tickets/{ticket.pk}/pause-decision/",
        {"approve": False, "note": "材料可自行调取"},
    )

    assert bare.status_code == 400 and "note" in bare.json()["fields"]
    assert ok(noted)["pause"] is None
    assert ticket.pauses.get().status == PauseStatus.REJECTED


# --- who may: every persona -----------------------------------------------------------------------

ROLES = (
    "anonymous",
    "citizen",  # the ticket's own citizen
    "other_citizen",
    "operator",
    "dispatcher",
    "unit_staff",  # the lead unit
    "street_staff",  # assisting
    "other_unit_staff",
    "follow_up_agent",
    "leader",
    "admin_user",
)

#                              anon cit  ocit oper disp unit strt ounit fup lead admin
ACTIONS = {
    "supervise":               (401, 403, 404, 403, 200, 403, 403, 404, 403, 200, 200),
    "acknowledge-supervision": (401, 403, 404, 403, 403, 200, 409, 404, 403, 403, 403),
    "pause":                   (401, 403, 404, 403, 403, 200, 403, 404, 403, 403, 403),
    "pause-decision":          (401, 403, 404, 403, 200, 403, 403, 404, 403, 403, 200),
    "resume":                  (401, 403, 404, 403, 200, 200, 403, 404, 403, 403, 200),
}  # fmt: skip

LIST_PERMISSIONS = {
    "supervision/":            (401, 403, 403, 403, 200, 403, 403, 403, 403, 200, 200),
    "supervision/units/":      (401, 403, 403, 403, 200, 403, 403, 403, 403, 200, 200),
    "triage/pauses/":          (401, 403, 403, 403, 200, 403, 403, 403, 403, 403, 200),
    "unit/supervisions/":      (401, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
    "unit/lights/":            (401, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403),
}  # fmt: skip


@pytest.fixture
def people(request, city, citizen):
    from tests.conftest import make_user

    named = {
        name: request.getfixturevalue(name)
        for name in ROLES
        if name not in ("anonymous", "other_citizen")
    }
    named["other_citizen"] = make_user("citizen_zhou", Role.CITIZEN, name="周市民")
    return {"anonymous": None, **named}


def arrange(endpoint: str, p: dict, city) -> tuple[int, dict]:
    """An in-progress ticket of ``p["citizen"]``, assisted by the street office, in the state
    the endpoint needs, and a valid body."""
    dispatcher, staff = p["dispatcher"], p["unit_staff"]
    ticket = services.ticket_register(
        channel="app",
        title="路灯不亮",
        content="中关村大街路灯不亮已经一周了",
        citizen_phone="13812345678",
        citizen_user=p["citizen"],
        actor=p["citizen"],
    )
    services.ticket_dispatch(
        ticket_id=ticket.pk,
        actor=dispatcher,
        lead_unit=city.urban_management,
        assist_units=[city.zhongguancun_office],
        category=city.street_light,
    )
    services.ticket_accept(ticket_id=ticket.pk, actor=staff)
    services.ticket_contact(ticket_id=ticket.pk, actor=staff, note="已电话联系")
    body = {"note": "请今日内办结", "response": "马上办", "reason": "等待市民补充材料"}
    if endpoint == "acknowledge-supervision":
        services.ticket_supervise(ticket_id=ticket.pk, actor=dispatcher, note="请今日内办结")
    if endpoint in ("pause-decision", "resume"):
        services.ticket_request_pause(ticket_id=ticket.pk, actor=staff, reason="等待市民补充材料")
        body["approve"] = True
    if endpoint == "resume":
        services.ticket_decide_pause(ticket_id=ticket.pk, actor=dispatcher, approve=True)
    return ticket.pk, body


@pytest.mark.parametrize("endpoint", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_action_permissions(endpoint, role, people, city):
    ticket_id, body = arrange(endpoint, people, city)
    expected = ACTIONS[endpoint][ROLES.index(role)]

    response = client_for(people[role]).post(
        f"/api/tickets/{ticket_id}/{endpoint}/", body, format="json"
    )

    assert response.status_code == expected, response.content.decode()
    if expected == 200:
        assert response.json()["id"] == ticket_id
    else:
        assert set(response.json()) == {"code", "message", "fields"}


@pytest.mark.parametrize("path", LIST_PERMISSIONS)
@pytest.mark.parametrize("role", ROLES)
def test_list_permissions(path, role, people):
    response = client_for(people[role]).get(f"/api/{path}")

    assert response.status_code == LIST_PERMISSIONS[path][ROLES.index(role)], response.content


def test_the_schema_describes_the_new_endpoints(db):
    from rest_framework.test import APIClient

    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    paths = response.json()["paths"]
    for action in ("supervise", "acknowledge-supervision", "pause", "pause-decision", "resume"):
        assert "post" in paths[f"/api/tickets/{{id}}/{action}/"], action
    for path in ("supervision/", "supervision/units/", "triage/pauses/", "unit/supervisions/"):
        assert "get" in paths[f"/api/{path}"], path
    parameters = {p["name"] for p in paths["/api/tickets/"]["get"]["parameters"]}
    assert {"light", "ordering", "lead_unit"} <= parameters
    ticket = response.json()["components"]["schemas"]["TicketList"]["properties"]
    assert {"light", "accept_light", "contact_light", "resolve_light", "resolve_warn_at"} <= set(
        ticket
    )
