"""Duplicate suggestions: open tickets of the last days about the same problem at the same place,
for the operator's desk (POST /api/tickets/similar/) and the dispatcher's triage rows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.services import ticket_auto_dispatch
from workorders import services
from workorders.models import Status, Ticket

SIMILAR = "/api/tickets/similar/"
FIRST = (
    "科源社区阳光花园3号楼门前的下水道堵了三天，污水漫到路面上，臭味很大，"
    "老人孩子出门都要绕着走，希望尽快派人疏通。"
)
# Reordered, shortened and reworded, as a second caller tells it.
SECOND = "阳光花园3号楼那边污水漫到路面上了，下水道堵了三天，臭味特别大，赶紧派人疏通吧。"


def register(content: str, address: str, *, region=None, title: str = "") -> Ticket:
    ticket = services.ticket_register(
        channel="web",
        title=title,
        content=content,
        address=address,
        citizen_phone="13812345678",
    )
    if region is not None:
        Ticket.objects.filter(pk=ticket.pk).update(region=region)
    return ticket


def ask(client, **body):
    return client.post(SIMILAR, body, content_type="application/json")


def test_second_caller_in_other_words_gets_the_first_ticket_as_likely(client, city, operator):
    first = register(FIRST, "海淀区中关村街道科源社区阳光花园3号楼", region=city.keyuan)
    client.force_login(operator)

    response = ask(client, content=SECOND, address="中关村阳光花园3号楼附近")

    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["id"] == first.pk
    assert results[0]["number"] == first.number
    assert results[0]["likely"] is True
    assert {"title", "score", "text_similarity", "place_similarity", "address"} <= set(results[0])


def test_another_problem_or_another_place_is_not_likely(client, city, dispatcher):
    register(
        "科源社区阳光花园3号楼的路灯坏了一个星期，晚上漆黑一片，请修一下。",
        "海淀区中关村街道科源社区阳光花园3号楼",
        region=city.keyuan,
    )
    register(FIRST, "海淀区中关村街道科源社区翠苑小区8号楼", region=city.keyuan)
    register(FIRST, "朝阳区望京街道阳光花园3号楼", region=city.wangjing)
    client.force_login(dispatcher)

    results = ask(client, content=SECOND, address="中关村阳光花园3号楼附近").json()["results"]

    assert not [result for result in results if result["likely"]]


def test_closed_and_old_tickets_are_not_suggested(client, city, operator, dispatcher):
    old = register(FIRST, "海淀区中关村街道科源社区阳光花园3号楼", region=city.keyuan)
    Ticket.objects.filter(pk=old.pk).update(registered_at=timezone.now() - timedelta(days=30))
    done = register(FIRST, "海淀区中关村街道科源社区阳光花园3号楼", region=city.keyuan)
    services.ticket_mark_invalid(ticket_id=done.pk, actor=dispatcher, reason_code="spam")
    client.force_login(operator)

    results = ask(client, content=SECOND, address="中关村阳光花园3号楼").json()["results"]

    assert results == []


def test_the_ticket_itself_can_be_left_out(client, city, operator):
    first = register(FIRST, "海淀区中关村街道科源社区阳光花园3号楼", region=city.keyuan)
    client.force_login(operator)

    results = ask(client, content=FIRST, address=first.address, exclude=first.pk).json()

    assert results["results"] == []


@pytest.mark.parametrize("persona", ["unit_staff", "citizen", "leader", "follow_up_agent"])
def test_others_may_not_look_for_duplicates(client, db, persona, request):
    client.force_login(request.getfixturevalue(persona))

    assert ask(client, content=SECOND).status_code == 403


def test_anonymous_is_401(client, db):
    assert ask(client, content=SECOND).status_code == 401


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "content"),
        ({"content": ""}, "content"),
        ({"content": "停水" * 5000}, "content"),
        ({"content": SECOND, "address": "路" * 201}, "address"),
        ({"content": SECOND, "exclude": "abc"}, "exclude"),
        ({"content": "下水道\x00堵了"}, "content"),
    ],
)
def test_bad_input_is_a_clear_400(client, db, operator, body, field):
    client.force_login(operator)

    response = client.post(SIMILAR, body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["fields"][field]


@pytest.mark.parametrize(
    "content", ["<script>alert(1)</script>", "😀😀😀 下水道堵了", "下水道\x07\x1b堵了", "，。！"]
)
def test_markup_emoji_and_control_characters_are_answered(client, city, operator, content):
    register(FIRST, "海淀区中关村街道科源社区阳光花园3号楼", region=city.keyuan)
    client.force_login(operator)

    response = ask(client, content=content, address="<b>阳光花园</b>")

    assert response.status_code == 200
    assert isinstance(response.json()["results"], list)


def test_the_desk_shows_the_suggestions_panel(client, db, operator):
    client.force_login(operator)

    html = client.get("/operator/").content.decode()

    assert "data-duplicates" in html
    assert "js/duplicates.js" in html


def test_triage_row_flags_a_likely_duplicate(client, city, dispatcher):
    first = register(FIRST, "海淀区中关村街道科源社区阳光花园3号楼", region=city.keyuan)
    # Unclassifiable by the keyword rules: it goes to triage, with the duplicate noted.
    second = register(SECOND, "海淀区中关村街道阳光花园3号楼附近")

    assert ticket_auto_dispatch(ticket_id=second.pk) == "triage"

    second.refresh_from_db()
    assert second.status == Status.TRIAGE
    assert [d["number"] for d in second.suggestion["duplicates"]] == [first.number]
    client.force_login(dispatcher)
    html = client.get("/dispatch/triage/").content.decode()
    assert "可能重复" in html
    assert f"/tickets/{first.pk}/" in html
