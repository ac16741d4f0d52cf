"""A unit whose part in a ticket ended (re-dispatched away, or its return approved) sees only a
stub: the number, the title, 已改派 / 已退回 and the dates — on the page, in the API and in its
lists; it may no longer act on it. Tickets its evaluation counts stay readable in full."""

import pytest
from django.test import Client

from evaluation.services import follow_up_open
from tests.api import client_for
from tests.pages import dispatched, png_bytes, registered
from workorders import services

SECRET_NOTE = "新单位的内部进展：已约谈物业经理"


def redispatch(city, dispatcher, ticket, unit):
    services.ticket_dispatch(
        ticket_id=ticket.pk, actor=dispatcher, lead_unit=unit, category=city.street_light
    )


@pytest.fixture
def moved_away(city, dispatcher, other_unit_staff):
    """A confidential ticket with a photo: dispatched to 市城市管理委员会 (assisted by 中关村街道),
    re-dispatched to 人社局 before acceptance, which then writes notes."""
    ticket = dispatched(
        city,
        dispatcher,
        title="路灯不亮",
        confidential=True,
        uploads=[services.Upload(name="light.png", data=png_bytes())],
    )
    redispatch(city, dispatcher, ticket, city.labour_bureau)
    services.ticket_accept(ticket_id=ticket.pk, actor=other_unit_staff)
    services.ticket_contact(ticket_id=ticket.pk, actor=other_unit_staff, note="已联系市民")
    services.ticket_add_progress(ticket_id=ticket.pk, actor=other_unit_staff, note=SECRET_NOTE)
    ticket.refresh_from_db()
    return ticket


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("persona", ["unit_staff", "street_staff", "district_staff"])
def test_the_page_of_a_redispatched_ticket_is_a_stub(request, moved_away, persona):
    # The lead unit, the assisting street office and the district above it (抄送区政府).
    response = page_client(request.getfixturevalue(persona)).get(f"/tickets/{moved_away.pk}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert moved_away.number in html and moved_away.title in html
    assert "已改派" in html
    assert SECRET_NOTE not in html and moved_away.content not in html
    assert "/attachments/" not in html


def test_the_new_unit_still_sees_everything(moved_away, other_unit_staff):
    html = page_client(other_unit_staff).get(f"/tickets/{moved_away.pk}/").content.decode()

    assert SECRET_NOTE in html


def test_the_api_answers_a_stub_and_keeps_the_contract_for_full_answers(
    moved_away, unit_staff, other_unit_staff
):
    stub = client_for(unit_staff).get(f"/api/tickets/{moved_away.pk}/")
    full = client_for(other_unit_staff).get(f"/api/tickets/{moved_away.pk}/").json()

    assert stub.status_code == 200
    body = stub.json()
    assert body["stub"] is True
    assert (body["number"], body["title"], body["ended"]) == (
        moved_away.number,
        moved_away.title,
        "redispatched",
    )
    assert body["ended_label"] == "已改派" and body["ended_at"] and body["dispatched_at"]
    assert "content" not in body and "timeline" not in body and "attachments" not in body
    assert SECRET_NOTE not in stub.content.decode()
    assert full["stub"] is False and full["content"] == moved_away.content


def test_actions_reads_and_photos_of_a_stub_are_refused(moved_away, unit_staff):
    api = client_for(unit_staff)
    item = moved_away.attachments.get()

    assert (
        api.post(f"/api/tickets/{moved_away.pk}/progress/", {"note": "还想写"}).status_code == 403
    )
    assert api.get(f"/api/tickets/{moved_away.pk}/events/").status_code == 403
    page = page_client(unit_staff)
    assert page.post(f"/tickets/{moved_away.pk}/progress/", {"note": "还想写"}).status_code == 403
    assert page.get(f"/tickets/{moved_away.pk}/attachments/{item.token}/").status_code == 403


def test_lists_show_it_as_ended_only(moved_away, unit_staff):
    api = client_for(unit_staff)

    listed = [row["id"] for row in api.get("/api/tickets/").json()["results"]]
    every_tab = api.get("/api/unit/tickets/?tab=all").json()["results"]
    ended = api.get("/api/unit/tickets/?tab=ended").json()["results"]

    assert moved_away.pk not in listed and every_tab == []
    assert [(row["id"], row["stub"], row["ended"]) for row in ended] == [
        (moved_away.pk, True, "redispatched")
    ]
    assert set(ended[0]) == {
        "id",
        "number",
        "title",
        "stub",
        "ended",
        "ended_label",
        "registered_at",
        "dispatched_at",
        "ended_at",
    }
    html = page_client(unit_staff).get("/unit/?tab=ended").content.decode()
    assert moved_away.number in html and "已改派" in html


def test_an_approved_return_leaves_a_stub_marked_returned(city, dispatcher, unit_staff):
    ticket = dispatched(city, dispatcher)
    services.ticket_request_return(ticket_id=ticket.pk, actor=unit_staff, reason="不属于本单位职责")
    services.ticket_decide_return(ticket_id=ticket.pk, actor=dispatcher, approve=True)

    body = client_for(unit_staff).get(f"/api/tickets/{ticket.pk}/").json()
    html = page_client(unit_staff).get(f"/tickets/{ticket.pk}/").content.decode()
    returned_tab = client_for(unit_staff).get("/api/unit/tickets/?tab=returned").json()

    assert (body["stub"], body["ended"], body["ended_label"]) == (True, "returned", "已退回")
    assert "已退回" in html
    assert returned_tab["results"] == []


def test_the_district_keeps_full_view_while_its_street_handles_it(city, dispatcher, district_staff):
    ticket = registered()
    services.ticket_dispatch(
        ticket_id=ticket.pk, actor=dispatcher, lead_unit=city.zhongguancun_office
    )
    api = client_for(district_staff)
    assert api.get(f"/api/tickets/{ticket.pk}/").json()["stub"] is False

    redispatch(city, dispatcher, ticket, city.wangjing_office)

    assert api.get(f"/api/tickets/{ticket.pk}/").json()["stub"] is True


def test_redispatched_back_the_unit_sees_it_in_full_again(city, dispatcher, unit_staff):
    fresh = dispatched(city, dispatcher)
    redispatch(city, dispatcher, fresh, city.labour_bureau)
    redispatch(city, dispatcher, fresh, city.urban_management)

    assert client_for(unit_staff).get(f"/api/tickets/{fresh.pk}/").json()["stub"] is False


def test_a_ticket_its_evaluation_counts_stays_readable(city, dispatcher, unit_staff):
    # Resolved by 市城市管理委员会 (its follow-up scores it), reopened, then re-dispatched.
    ticket = dispatched(city, dispatcher)
    services.ticket_accept(ticket_id=ticket.pk, actor=unit_staff)
    services.ticket_contact(ticket_id=ticket.pk, actor=unit_staff, note="已电话联系市民")
    services.ticket_resolve(ticket_id=ticket.pk, actor=unit_staff, reply="已更换灯泡，恢复照明。")
    follow_up_open(ticket_id=ticket.pk)
    services.ticket_reopen(ticket_id=ticket.pk, actor=dispatcher, reason="市民表示仍不亮")
    redispatch(city, dispatcher, ticket, city.labour_bureau)

    body = client_for(unit_staff).get(f"/api/tickets/{ticket.pk}/").json()

    assert body["stub"] is False and body["content"] == ticket.content
