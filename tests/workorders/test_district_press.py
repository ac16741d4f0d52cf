"""The district presses (区政府督促): a district government presses the street/town handling a
ticket of its area; the street acknowledges it like the center's 督办, and the press counts on the
street's monthly figures.

Personas: 海淀区人民政府 (district_staff) over 中关村街道办事处 (street_staff) over 科源社区;
朝阳区人民政府, another district, over 望京街道办事处.
"""

import pytest

from tests.api import client_for
from tests.conftest import make_user
from tests.workorders.deadline_helpers import register
from workorders import services
from workorders.models import EventKind, Notification, Role, Supervision, Unit

NOTE = "群众反映多次，请街道今天内联系并处理"


@pytest.fixture
def street_ticket(city, dispatcher):
    """A street-light ticket dispatched straight to 中关村街道办事处 as the lead unit."""
    ticket = register()
    return services.ticket_dispatch(
        ticket_id=ticket.pk,
        lead_unit=city.zhongguancun_office,
        category=city.street_light,
        region=city.keyuan,
        actor=dispatcher,
    )


@pytest.fixture
def other_district_staff(city):
    chaoyang_gov = Unit.objects.create(
        name="朝阳区人民政府", kind=Unit.Kind.DISTRICT, region=city.chaoyang
    )
    city.wangjing_office.parent = chaoyang_gov
    city.wangjing_office.save(update_fields=["parent"])
    return make_user("staff_chaoyang", Role.UNIT_STAFF, unit=chaoyang_gov, name="朝阳区小郑")


@pytest.fixture
def community_staff(city):
    return make_user("staff_keyuan", Role.UNIT_STAFF, unit=city.keyuan_community, name="社区小孙")


def press(user, ticket, note=NOTE):
    return client_for(user).post(f"/api/tickets/{ticket.pk}/press/", {"note": note}, format="json")


def test_the_district_presses_and_the_street_acknowledges_through_the_api(
    street_ticket, district_staff, street_staff
):
    response = press(district_staff, street_ticket)

    assert response.status_code == 200, response.json()
    notice = Supervision.objects.get(ticket=street_ticket)
    assert notice.source == Supervision.Source.DISTRICT
    assert notice.unit.name == "中关村街道办事处" and notice.by_unit.name == "海淀区人民政府"
    event = street_ticket.events.get(kind=EventKind.PRESSED)
    # The inbox turns events like this one into an item for unit=.
    assert event.unit_id == notice.unit_id and event.reason == NOTE
    assert event.data["district"] == "海淀区人民政府"
    body = response.json()
    assert [(s["source"], s["by_unit"]["name"]) for s in body["supervisions"]] == [
        ("district", "海淀区人民政府")
    ]
    message = Notification.objects.get(kind="pressed")
    assert "海淀区人民政府" in message.body and street_ticket.number in message.subject
    assert [r["name"] for r in message.recipients] == ["街道小周"]

    # The street sees the notice among those to answer, and answers it like 督办.
    listed = client_for(street_staff).get("/api/unit/supervisions/").json()
    assert [row["source"] for row in listed["results"]] == ["district"]
    answer = client_for(street_staff).post(
        f"/api/tickets/{street_ticket.pk}/acknowledge-supervision/",
        {"response": "已联系市民，明日维修"},
        format="json",
    )
    assert answer.status_code == 200
    notice.refresh_from_db()
    assert notice.acknowledged_at is not None and notice.response == "已联系市民，明日维修"
    assert street_ticket.events.filter(kind=EventKind.SUPERVISION_ACKNOWLEDGED).count() == 1


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("street_staff", 403),  # sees it, but is no district
        ("community_staff", 404),  # below the street: does not see it
        ("other_district_staff", 404),  # another district's street
        ("dispatcher", 403),
        ("leader", 403),
        ("unit_staff", 404),  # a city department without a part in it
    ],
)
def test_who_may_not_press(request, street_ticket, persona, status):
    user = request.getfixturevalue(persona)

    response = press(user, street_ticket)

    assert response.status_code == status, response.json()
    assert set(response.json()) >= {"code", "message", "fields"}
    assert not Supervision.objects.exists()
    assert not street_ticket.events.filter(kind=EventKind.PRESSED).exists()


def test_another_districts_tickets_are_invisible(city, dispatcher, other_district_staff):
    ticket = services.ticket_dispatch(
        ticket_id=register().pk, lead_unit=city.zhongguancun_office, actor=dispatcher
    )
    assert client_for(other_district_staff).get(f"/api/tickets/{ticket.pk}/").status_code == 404


def test_a_ticket_no_longer_open_cannot_be_pressed(street_ticket, district_staff, street_staff):
    services.ticket_accept(ticket_id=street_ticket.pk, actor=street_staff)
    services.ticket_contact(ticket_id=street_ticket.pk, actor=street_staff, note="已电话联系")
    services.ticket_resolve(
        ticket_id=street_ticket.pk, actor=street_staff, reply="已更换灯泡，路灯恢复照明。"
    )

    response = press(district_staff, street_ticket)

    assert response.status_code == 400
    assert "不能再督促" in response.json()["message"]
    assert not Supervision.objects.exists()


@pytest.mark.parametrize("note", ["", " ", "督"])
def test_a_press_needs_a_note(street_ticket, district_staff, note):
    response = press(district_staff, street_ticket, note=note)

    assert response.status_code == 400
    assert "note" in response.json()["fields"]


def test_an_assisting_street_is_pressed_when_the_lead_is_a_department(
    city, dispatcher, district_staff
):
    ticket = services.ticket_dispatch(
        ticket_id=register().pk,
        lead_unit=city.urban_management,
        assist_units=[city.zhongguancun_office],
        actor=dispatcher,
    )

    assert press(district_staff, ticket).status_code == 200
    assert Supervision.objects.get().unit == city.zhongguancun_office


def test_press_and_acknowledge_on_the_pages(client, street_ticket, district_staff, street_staff):
    client.force_login(district_staff)
    page = client.get(f"/tickets/{street_ticket.pk}/").content.decode()
    assert "督促街道/乡镇" in page
    response = client.post(f"/tickets/{street_ticket.pk}/press/", {"note": NOTE})
    assert response.status_code == 302
    assert Supervision.objects.filter(source="district").count() == 1

    client.force_login(street_staff)
    workbench = client.get("/unit/").content.decode()
    assert "区政府督促" in workbench and NOTE in workbench
    page = client.get(f"/tickets/{street_ticket.pk}/").content.decode()
    assert "督促街道/乡镇" not in page  # the street does not press
    response = client.post(
        f"/tickets/{street_ticket.pk}/acknowledge_supervision/", {"response": "今天处理"}
    )
    assert response.status_code == 302
    assert Supervision.objects.get().acknowledged_at is not None


def test_the_districts_workbench_lists_its_streets_and_their_figures(
    client, street_ticket, district_staff
):
    press(district_staff, street_ticket)
    client.force_login(district_staff)

    page = client.get("/unit/").content.decode()

    # Opens on its streets' tickets (the "all" tab), with each street's figures this month.
    assert street_ticket.number in page
    assert "本区街道/乡镇本月情况" in page and "中关村街道办事处" in page
    rows = services_figures(district_staff)
    assert rows == [{"name": "中关村街道办事处", "requests": 1, "open": 1, "red": 0, "presses": 1}]


def services_figures(user):
    from workorders.selectors import district_street_figures

    return [
        {
            "name": row["unit"].name,
            **{key: row[key] for key in ("requests", "open", "red", "presses")},
        }
        for row in district_street_figures(user=user)
    ]


def test_a_street_has_no_district_figures(street_staff, street_ticket):
    assert services_figures(street_staff) == []


def test_the_press_lands_in_the_streets_inbox_and_is_texted_once(
    street_ticket, district_staff, street_staff
):
    from workorders.inbox_selectors import inbox_items_for

    before = Notification.objects.count()
    assert press(district_staff, street_ticket).status_code == 200

    item = inbox_items_for(user=street_staff).get(kind=EventKind.PRESSED)
    assert item.ticket_id == street_ticket.pk
    assert item.text == f"海淀区人民政府督促：{NOTE}"
    # Not the district's own inbox.
    assert not inbox_items_for(user=district_staff).filter(kind=EventKind.PRESSED).exists()
    # One message, through the inbox with the press's own template (pressed.txt).
    kinds = list(Notification.objects.order_by("pk")[before:].values_list("kind", flat=True))
    assert "pressed" in kinds and "inbox" not in kinds
