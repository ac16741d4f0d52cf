"""Proactive work orders (主动治理工单): raised by a dispatcher from the requests behind a hotspot,
dispatched like any other ticket, closed without a follow-up, reported back on every request's
public timeline, and counted in the unit's monthly figures as a column of its own."""

import pytest
import time_machine
from django.test import Client

from analysis.models import ProactiveLink
from evaluation.models import FollowUp
from evaluation.selectors import month_view_for
from evaluation.services import follow_up_open, month_close
from tests.api import client_for, post
from tests.conftest import PASSWORD
from tests.evaluation import answered, at, month
from workorders import services
from workorders.models import Channel, EventKind, Status, Ticket, TicketEvent
from workorders.selectors import ticket_view

API = "/api/analysis/proactive/"


def request(**overrides) -> Ticket:
    fields = {
        "channel": "web",
        "title": "科源社区路灯不亮",
        "content": "中关村街道科源社区门口路灯不亮已经一周",
        "citizen_name": "李明",
        "citizen_phone": "13812345678",
        "address": "科源社区门口",
        **overrides,
    }
    return services.ticket_register(**fields)


def dispatched_request(city, dispatcher, **overrides) -> Ticket:
    ticket = request(**overrides)
    services.ticket_dispatch(
        ticket_id=ticket.pk,
        actor=dispatcher,
        lead_unit=city.urban_management,
        category=city.street_light,
        region=city.keyuan,
    )
    ticket.refresh_from_db()
    return ticket


def body(city, linked, **overrides) -> dict:
    return {
        "tickets": [t.number for t in linked],
        "title": "科源社区路灯集中整治",
        "content": "科源社区多处路灯不亮，请全面排查线路并更换灯具。",
        "category": city.street_light.pk,
        "region": city.keyuan.pk,
        "unit": city.urban_management.pk,
        **overrides,
    }


def create(city, user, linked, **overrides):
    return client_for(user).post(API, body(city, linked, **overrides), format="json")


def resolve(staff, ticket_id: int, reply="已全面更换科源社区路灯灯具并检修线路，照明已恢复。"):
    assert post(staff, ticket_id, "accept").status_code == 200
    assert post(staff, ticket_id, "contact", {"note": "已到现场核查"}).status_code == 200
    response = post(staff, ticket_id, "resolve", {"reply": reply})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def sources(city, dispatcher):
    return [dispatched_request(city, dispatcher) for _ in range(3)]


def test_dispatcher_raises_an_order_dispatched_like_any_other(city, dispatcher, sources):
    response = create(city, dispatcher, sources, urgency="urgent")

    assert response.status_code == 201, response.content
    detail = response.json()
    assert detail["channel"] == Channel.PROACTIVE
    assert detail["status"] == Status.DISPATCHED
    assert detail["lead_unit"]["name"] == "市城市管理委员会"
    assert detail["urgency"] == "urgent"
    ticket = Ticket.objects.get(pk=detail["id"])
    # The normal deadlines and assignment, no citizen.
    assert ticket.accept_due_at and ticket.resolve_due_at
    assert ticket.lead_assignment.unit == city.urban_management
    assert (ticket.citizen_phone, ticket.citizen_name) == ("", "")
    assert sorted(
        ProactiveLink.objects.filter(proactive=ticket).values_list("source", flat=True)
    ) == sorted(t.pk for t in sources)
    # Each request says on its public timeline that it is handled proactively.
    for source in sources:
        public = ticket_view(user=None, ticket=source).timeline
        assert public[-1].kind == EventKind.PROACTIVE_LINKED
        assert "市城市管理委员会" in public[-1].text


def test_the_list_shows_orders_with_their_tickets_and_status(city, dispatcher, leader, sources):
    number = create(city, dispatcher, sources).json()["number"]

    rows = client_for(leader).get(API).json()

    assert [row["number"] for row in rows] == [number]
    assert rows[0]["status"] == Status.DISPATCHED
    assert rows[0]["lead_unit"]["name"] == "市城市管理委员会"
    assert sorted(t["number"] for t in rows[0]["tickets"]) == sorted(t.number for t in sources)
    assert client_for(leader).get(API + "?status=done").json() == []


def test_only_dispatchers_and_admins_create_leaders_see(
    city, dispatcher, leader, admin_user, operator, unit_staff, citizen, sources
):
    assert create(city, leader, sources).status_code == 403
    assert create(city, operator, sources).status_code == 403
    assert create(city, unit_staff, sources).status_code == 403
    assert client_for().post(API, body(city, sources), format="json").status_code == 401
    assert create(city, admin_user, sources[:1]).status_code == 201
    assert client_for(leader).get(API).status_code == 200
    for user in (operator, unit_staff, citizen):
        assert client_for(user).get(API).status_code == 403
    assert Ticket.objects.filter(channel=Channel.PROACTIVE).count() == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"tickets": []}, "tickets"),
        ({"tickets": ["20990101-000001"]}, "tickets"),
        ({"category": 999999}, "category"),
        ({"unit": 999999}, "unit"),
        ({"region": 999999}, "region"),
        ({"title": ""}, "title"),
        ({"content": "短"}, "content"),
        ({"urgency": "whenever"}, "urgency"),
    ],
)
def test_bad_input_is_a_400_with_field_errors_and_writes_nothing(
    city, dispatcher, sources, change, field
):
    before = (Ticket.objects.count(), TicketEvent.objects.count())

    response = create(city, dispatcher, sources, **change)

    assert response.status_code == 400, response.content
    payload = response.json()
    assert payload["code"] == "invalid_input"
    assert field in payload["fields"]
    assert (Ticket.objects.count(), TicketEvent.objects.count()) == before
    assert not ProactiveLink.objects.exists()


def test_every_error_is_reported_at_once(city, dispatcher, sources):
    response = create(city, dispatcher, sources, tickets=[], category=999999, unit=None, title="")

    assert response.status_code == 400
    assert {"tickets", "category", "unit", "title"} <= set(response.json()["fields"])


def test_a_proactive_order_cannot_be_a_source_and_the_plain_intake_cannot_make_one(
    city, dispatcher, sources
):
    number = create(city, dispatcher, sources).json()["number"]
    response = create(city, dispatcher, [Ticket.objects.get(number=number)])
    assert response.status_code == 400
    assert "tickets" in response.json()["fields"]

    intake = client_for(dispatcher).post(
        "/api/tickets/",
        {"content": "路灯不亮已经一周了", "channel": "proactive"},
        format="json",
    )
    assert intake.status_code == 400
    assert "channel" in intake.json()["fields"]


def test_the_resolution_is_reported_on_every_linked_public_timeline(
    city, dispatcher, unit_staff, sources
):
    detail = create(city, dispatcher, sources).json()

    resolved = resolve(unit_staff, detail["id"])

    assert resolved["status"] == Status.FOLLOW_UP
    for source in sources:
        public = ticket_view(user=None, ticket=source).timeline
        last = public[-1]
        assert last.kind == EventKind.PROACTIVE_RESOLVED
        assert last.unit == "市城市管理委员会"
        assert "已全面更换科源社区路灯灯具" in last.text
        assert TicketEvent.objects.get(ticket=source, kind=EventKind.PROACTIVE_RESOLVED).data == {
            "proactive": detail["number"]
        }


def test_without_a_citizen_it_closes_cleanly_with_no_follow_up_round(
    city, dispatcher, unit_staff, sources
):
    detail = create(city, dispatcher, sources).json()
    resolve(unit_staff, detail["id"])

    assert follow_up_open(ticket_id=detail["id"]) is None  # what the survey task runs

    ticket = Ticket.objects.get(pk=detail["id"])
    assert ticket.status == Status.CLOSED
    assert not FollowUp.objects.filter(ticket=ticket).exists()
    assert ticket.events.last().kind == EventKind.CLOSED
    # The requests themselves go on with their own handling.
    assert all(Ticket.objects.get(pk=t.pk).status == Status.DISPATCHED for t in sources)


def test_links_both_ways_on_the_ticket_pages(
    city, dispatcher, unit_staff, other_unit_staff, sources
):
    detail = create(city, dispatcher, sources).json()
    page = Client()
    page.login(username=dispatcher.username, password=PASSWORD)

    order_page = page.get(f"/tickets/{detail['id']}/").content.decode()
    assert 'id="proactive-sources"' in order_page
    for source in sources:
        assert source.number in order_page
        source_page = page.get(f"/tickets/{source.pk}/").content.decode()
        assert 'id="proactive-orders"' in source_page
        assert detail["number"] in source_page

    # The order's lead unit sees the requests' numbers, not the citizens' texts it was not sent.
    request_only = dispatched_request(city, dispatcher, title="望京某小区门口积水严重")
    services.ticket_dispatch(
        ticket_id=request_only.pk,
        actor=dispatcher,
        lead_unit=city.labour_bureau,
        category=city.wages,
        version=request_only.version,
    )
    second = create(city, dispatcher, [request_only]).json()
    staff = Client()
    staff.login(username=unit_staff.username, password=PASSWORD)
    text = staff.get(f"/tickets/{second['id']}/").content.decode()
    assert request_only.number in text
    assert "望京某小区门口积水严重" not in text


def test_the_new_order_page_is_prefilled_from_the_linked_tickets(city, dispatcher, sources):
    page = Client()
    page.login(username=dispatcher.username, password=PASSWORD)
    numbers = ",".join(t.number for t in sources)

    response = page.get(f"/analysis/proactive/new/?tickets={numbers}")

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["category"] == city.street_light.pk
    assert form.initial["region"] == city.keyuan.pk
    assert form.initial["unit"] == city.urban_management.pk
    assert "科源社区" in form.initial["title"] and "路灯" in form.initial["title"]

    posted = page.post(
        "/analysis/proactive/new/",
        {
            "tickets": numbers,
            "title": form.initial["title"],
            "content": form.initial["content"],
            "category": city.street_light.pk,
            "region": city.keyuan.pk,
            "unit": city.urban_management.pk,
            "urgency": "normal",
        },
    )
    order = Ticket.objects.get(channel=Channel.PROACTIVE)
    assert posted.status_code == 302 and posted["Location"] == f"/tickets/{order.pk}/"
    assert ProactiveLink.objects.filter(proactive=order).count() == 3


def test_the_new_order_page_lists_a_proactive_number_apart(city, dispatcher, sources):
    order = create(city, dispatcher, sources).json()["number"]
    page = Client()
    page.login(username=dispatcher.username, password=PASSWORD)

    response = page.get(f"/analysis/proactive/new/?tickets={sources[0].number},{order}")

    # The count above the form matches the numbers prefilled in it; the order is named apart.
    assert [t.number for t in response.context["sources"]] == [sources[0].number]
    assert response.context["form"].initial["tickets"] == sources[0].number
    assert f"主动治理工单不能作为来源，已略去：{order}" in response.content.decode()


def test_the_page_shows_field_errors_and_refuses_other_roles(city, dispatcher, leader, sources):
    page = Client()
    page.login(username=dispatcher.username, password=PASSWORD)
    response = page.post("/analysis/proactive/new/", {"tickets": "", "title": "x", "unit": "abc"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"tickets", "title", "unit", "content"} <= set(errors)
    assert not Ticket.objects.filter(channel=Channel.PROACTIVE).exists()

    boss = Client()
    boss.login(username=leader.username, password=PASSWORD)
    assert boss.get("/analysis/proactive/new/").status_code == 403
    assert boss.get("/analysis/proactive/").status_code == 200


def _proactive_resolved_in_march(city, dispatcher, unit_staff, source) -> Ticket:
    with time_machine.travel(at(2026, 3, 9, 10), tick=False):
        detail = create(city, dispatcher, [source]).json()
        resolve(unit_staff, detail["id"])
        follow_up_open(ticket_id=detail["id"])
    return Ticket.objects.get(pk=detail["id"])


def test_the_units_monthly_figures_count_it_in_its_own_column_live_and_frozen(
    city, dispatcher, unit_staff, admin_user
):
    # One request answered by its citizen (solved), and a proactive order raised from it.
    source = dispatched_request(city, dispatcher)
    answered(city.urban_management, at(2026, 3, 10), 1)
    _proactive_resolved_in_march(city, dispatcher, unit_staff, source)

    with time_machine.travel(at(2026, 3, 20), tick=False):
        live = month_view_for(month(2026, 3))
    urban = next(f for f in live.units if f.unit_id == city.urban_management.pk)
    assert urban.proactive == 1
    # The proactive order has no follow-up: the rates are those of the one answered request.
    assert (urban.finished, urban.valid, urban.anonymous) == (1, 1, 0)
    assert str(urban.resolution_rate) == "100.00"
    assert live.totals["proactive"] == 1

    with time_machine.travel(at(2026, 4, 5), tick=False):
        snapshot = month_close(month=month(2026, 3), actor=admin_user)
    assert snapshot.scores.get(unit=city.urban_management).proactive == 1
    assert snapshot.scores.get(unit=city.labour_bureau).proactive == 0


def test_the_ranking_page_and_exports_show_the_column(city, dispatcher, unit_staff, leader):
    source = dispatched_request(city, dispatcher)
    _proactive_resolved_in_march(city, dispatcher, unit_staff, source)
    page = Client()
    page.login(username=leader.username, password=PASSWORD)

    with time_machine.travel(at(2026, 3, 20), tick=False):
        html = page.get("/evaluation/rankings/2026-03/").content.decode()
        csv = client_for(leader).get("/api/rankings/2026-03/export.csv")
        data = client_for(leader).get("/api/rankings/2026-03/").json()
        drill = page.get(
            f"/evaluation/rankings/2026-03/units/{city.urban_management.pk}/proactive/"
        )

    assert "主动治理" in html
    assert f"/units/{city.urban_management.pk}/proactive/" in html
    assert "主动治理 Proactive" in csv.content.decode("utf-8-sig")
    rows = [row for table in data["tables"] for row in table["rows"]]
    assert next(r for r in rows if r["unit_id"] == city.urban_management.pk)["proactive"] == 1
    assert drill.status_code == 200
    assert Ticket.objects.get(channel=Channel.PROACTIVE).number in drill.content.decode()


def test_a_proactive_order_is_not_a_request_in_the_areas_volume(city, dispatcher, unit_staff):
    with time_machine.travel(at(2026, 3, 9, 9), tick=False):
        source = dispatched_request(city, dispatcher)
    _proactive_resolved_in_march(city, dispatcher, unit_staff, source)

    with time_machine.travel(at(2026, 3, 20), tick=False):
        live = month_view_for(month(2026, 3))
    volumes = {f.unit_id: f.volume for f in live.units}

    assert volumes[city.keyuan_community.pk] == 1
    assert volumes[city.zhongguancun_office.pk] == 1
    assert volumes[city.haidian_gov.pk] == 1
