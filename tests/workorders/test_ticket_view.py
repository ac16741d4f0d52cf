"""One read-model of a ticket: the page and the API show every role the same citizen details,
the same events and the same photos (workorders.selectors.ticket_view).

The ticket is made as a new user would: a signed-in citizen submits on the web form, asking for
confidentiality (要求保密), with a photo; it is dispatched with an internal note, accepted, given
an internal and a public progress note, and the citizen adds information by the query code.
"""

import re

import pytest

from tests.api import client_for
from tests.conftest import make_user
from tests.pages import PHONE, photo
from workorders import selectors, services
from workorders.models import Role, Ticket

CITIZEN_NAME = "李市民"  # the account's display name, also typed as the contact name
ACCOUNT = "citizen_li"
INTERNAL_NOTE = "内部备注：先电话核实地址"
INTERNAL_PROGRESS = "内部：已约物业明早到场"
PUBLIC_PROGRESS = "已安排维修人员，预计明天修复"

# persona → what the citizen's contact looks like to them on a confidential ticket, and which
# timeline they get ("staff": every event; "public": the citizen's; None: no access at all).
ROLES = {
    "citizen": ("full", "public"),
    "other_citizen": (None, None),
    "operator": ("full", "staff"),
    "dispatcher": ("full", "staff"),
    "unit_staff": ("hidden", "staff"),  # the lead unit
    "street_staff": ("hidden", "staff"),  # the assisting unit
    "other_unit_staff": (None, None),
    "follow_up_agent": ("full", "staff"),
    "leader": ("full", "staff"),
    "admin_user": ("full", "staff"),
}
UNIT_ROLES = ("unit_staff", "street_staff")


CITIZENS = ("citizen", "other_citizen")


@pytest.fixture
def other_citizen(db):
    return make_user("citizen_zhang", Role.CITIZEN, name="张市民")


def given_a_signed_in_citizens_ticket(client, city, citizen, dispatcher, unit_staff, **form):
    client.force_login(citizen)
    response = client.post(
        "/submit/",
        {
            "content": "中关村大街路灯不亮已经一周了，晚上很危险",
            "citizen_name": CITIZEN_NAME,
            "citizen_phone": PHONE,
            "address": "海淀区中关村大街1号",
            "attachments": [photo()],
            **form,
        },
    )
    assert response.status_code == 302, response.content.decode()
    client.logout()
    ticket = Ticket.objects.get()
    services.ticket_dispatch(
        ticket_id=ticket.pk,
        actor=dispatcher,
        lead_unit=city.urban_management,
        assist_units=[city.zhongguancun_office],
        category=city.street_light,
        region=city.zhongguancun,
        reason=INTERNAL_NOTE,
    )
    services.ticket_accept(ticket_id=ticket.pk, actor=unit_staff)
    services.ticket_add_progress(ticket_id=ticket.pk, actor=unit_staff, note=INTERNAL_PROGRESS)
    services.ticket_add_progress(
        ticket_id=ticket.pk, actor=unit_staff, note=PUBLIC_PROGRESS, public=True
    )
    services.ticket_supplement(
        number=ticket.number, query_code=ticket.query_code, text="晚上八点以后最暗"
    )
    ticket.refresh_from_db()
    return ticket


@pytest.fixture
def confidential(client, city, citizen, dispatcher, unit_staff):
    return given_a_signed_in_citizens_ticket(
        client, city, citizen, dispatcher, unit_staff, confidential="on"
    )


def open_page(client, request, name: str, ticket):
    """Sign in as the persona and open the ticket where they would: a citizen on their own
    tracking page (through 我的诉求), staff on the ticket page. Returns (user, response)."""
    user = request.getfixturevalue(name)
    client.force_login(user)
    if name in CITIZENS:
        return user, client.get(f"/my/tickets/{ticket.pk}/", follow=True)
    return user, client.get(f"/tickets/{ticket.pk}/")


def page_kinds(html: str) -> list[str]:
    return re.findall(r'class="tl-item tl-([a-z_]+)', html)


def page_photos(html: str, ticket) -> int:
    return len(set(re.findall(rf"/tickets/{ticket.pk}/attachments/(\w+)", html)))


@pytest.mark.parametrize("name", ROLES)
def test_page_and_api_agree_on_a_confidential_ticket(request, client, confidential, name):
    ticket = confidential
    level, timeline = ROLES[name]

    user, response = open_page(client, request, name, ticket)
    detail = client_for(user).get(f"/api/tickets/{ticket.pk}/")
    events = client_for(user).get(f"/api/tickets/{ticket.pk}/events/")

    if level is None:
        assert response.status_code == 404
        assert detail.status_code == 404 and events.status_code == 404
        return
    assert response.status_code == 200 and detail.status_code == 200
    html, detail, events = response.content.decode(), detail.json(), events.json()
    assert page_kinds(html) == [event["kind"] for event in events]
    assert detail["timeline"] == events
    assert page_photos(html, ticket) == len(detail["attachments"]) == 1
    if timeline == "staff":
        assert INTERNAL_NOTE in html and INTERNAL_NOTE in str(events)
        assert INTERNAL_PROGRESS in html and INTERNAL_PROGRESS in str(events)
        staff_names = {event["actor"] for event in events} - {"", "市民"}
        assert staff_names == {"赵派单", "城管委小刘"}
        assert all(name in html for name in staff_names)
    else:
        assert INTERNAL_NOTE not in html and INTERNAL_NOTE not in str(events)
        assert INTERNAL_PROGRESS not in html and INTERNAL_PROGRESS not in str(events)
        assert "城管委小刘" not in html and "城管委小刘" not in str(events)
    assert PUBLIC_PROGRESS in html and PUBLIC_PROGRESS in str(events)
    assert detail["citizen"]["level"] == level
    if level == "full":
        assert detail["citizen"] == {"level": "full", "name": CITIZEN_NAME, "phone": PHONE}
        if timeline == "staff":
            assert CITIZEN_NAME in html and PHONE in html
    else:
        assert detail["citizen"] == {"level": "hidden", "name": "（保密）", "phone": "（保密）"}
        for secret in (CITIZEN_NAME, "李*", ACCOUNT, PHONE, "5678"):
            assert secret not in html, secret
            assert secret not in str(detail), secret
        assert "诉求人要求保密" in html


@pytest.mark.parametrize("name", UNIT_ROLES)
def test_units_see_the_citizen_as_a_role_on_the_timeline(request, client, confidential, name):
    user, response = open_page(client, request, name, confidential)

    html = response.content.decode()
    events = client_for(user).get(f"/api/tickets/{confidential.pk}/events/").json()

    registered = re.search(r'class="tl-item tl-registered.*?</li>', html, re.DOTALL).group(0)
    assert "市民" in registered and CITIZEN_NAME not in registered
    assert events[0]["kind"] == "registered" and events[0]["actor"] == "市民"


@pytest.mark.parametrize("name", UNIT_ROLES)
def test_units_see_the_citizen_masked_when_not_confidential(
    request, client, city, citizen, dispatcher, unit_staff, name
):
    ticket = given_a_signed_in_citizens_ticket(client, city, citizen, dispatcher, unit_staff)
    user, response = open_page(client, request, name, ticket)

    html = response.content.decode()
    detail = client_for(user).get(f"/api/tickets/{ticket.pk}/").json()

    assert detail["citizen"] == {"level": "masked", "name": "李**", "phone": "139****5678"}
    assert "李**" in html and "139****5678" in html
    for secret in (CITIZEN_NAME, ACCOUNT, PHONE):
        assert secret not in html and secret not in str(detail)


def test_the_tracking_page_and_api_show_the_public_view(client, confidential, citizen):
    # By number and query code, without signing in.
    key = {"number": confidential.number, "code": confidential.query_code}

    client.post("/track/", {"number": key["number"], "query_code": key["code"]})
    html = client.get("/track/").content.decode()
    tracked = client_for().get(f"/api/public/tickets/{key['number']}/", key).json()

    assert page_kinds(html) == [event["kind"] for event in tracked["timeline"]]
    assert page_photos(html, confidential) == 1
    assert INTERNAL_NOTE not in html and INTERNAL_NOTE not in str(tracked)


def test_the_selector_per_role(request, confidential):
    views = {
        name: selectors.ticket_view(user=request.getfixturevalue(name), ticket=confidential)
        for name, (level, _) in ROLES.items()
        if level is not None
    }

    for name, view in views.items():
        level, timeline = ROLES[name]
        assert view.citizen["level"] == level
        assert view.public is (timeline == "public")
        assert len(view.attachments) == 1
    staff = views["unit_staff"].timeline
    assert [entry.actor for entry in staff[:1]] == ["市民"]
    assert all(CITIZEN_NAME not in str(entry) for entry in staff)
    assert {entry.kind for entry in views["citizen"].timeline} <= {
        entry.kind for entry in staff if entry.public
    }
