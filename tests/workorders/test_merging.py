"""Merging duplicates: the master must be open, a master with duplicates waiting for its reply
cannot end without one (invalid, merged in turn) until they are handed back, and the page shows
the master before the merge is confirmed."""

import pytest

from hotline.lib.errors import Conflict, InvalidInput
from tests.api import post
from tests.pages import registered, resolved
from workorders import services
from workorders.models import EventKind, Status


def merge(ticket, master, operator):
    return services.ticket_merge(ticket_id=ticket.pk, master_number=master.number, actor=operator)


@pytest.fixture
def master_with_duplicate(db, operator):
    master = registered(title="路灯不亮")
    duplicate = registered(title="路灯又不亮了")
    merge(duplicate, master, operator)
    master.refresh_from_db()
    duplicate.refresh_from_db()
    return master, duplicate


@pytest.mark.parametrize("ending", ["invalid", "merged"])
def test_a_ticket_cannot_be_merged_into_a_master_that_ended(db, operator, ending):
    master, duplicate = registered(), registered()
    if ending == "invalid":
        services.ticket_mark_invalid(ticket_id=master.pk, actor=operator, reason_code="spam")
    else:
        merge(master, registered(), operator)

    with pytest.raises(InvalidInput) as refused:
        merge(duplicate, master, operator)

    assert "master_number" in refused.value.fields and master.number in refused.value.message
    duplicate.refresh_from_db()
    assert duplicate.status == Status.REGISTERED


def test_a_ticket_cannot_be_merged_into_a_closed_master(city, dispatcher, unit_staff, operator):
    master, duplicate = resolved(city, dispatcher, unit_staff), registered()
    services.ticket_close(ticket_id=master.pk, actor=None, note="回访完成")

    response = post(operator, duplicate.pk, "merge", {"master_number": master.number})

    assert response.status_code == 400 and "“已归档”" in response.json()["message"]
    duplicate.refresh_from_db()
    assert duplicate.status == Status.REGISTERED


def test_the_api_refuses_an_invalid_master_with_400(db, operator):
    master, duplicate = registered(), registered()
    services.ticket_mark_invalid(ticket_id=master.pk, actor=operator, reason_code="spam")

    response = post(operator, duplicate.pk, "merge", {"master_number": master.number})

    assert response.status_code == 400 and "master_number" in response.json()["fields"]


def test_a_master_with_duplicates_cannot_be_marked_invalid_or_merged(
    master_with_duplicate, operator
):
    master, _ = master_with_duplicate

    with pytest.raises(Conflict):
        services.ticket_mark_invalid(ticket_id=master.pk, actor=operator, reason_code="spam")
    with pytest.raises(Conflict):
        merge(master, registered(), operator)
    response = post(operator, master.pk, "invalid", {"reason_code": "spam"})

    assert response.status_code == 409 and "请先退回" in response.json()["message"]
    master.refresh_from_db()
    assert master.status == Status.REGISTERED


def test_handing_back_returns_the_duplicates_to_triage(master_with_duplicate, operator):
    master, duplicate = master_with_duplicate

    response = post(operator, master.pk, "hand-back-duplicates", {"note": "并非同一问题"})

    assert response.status_code == 200 and response.json()["number"] == master.number
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into, duplicate.closed_at) == (
        Status.TRIAGE,
        None,
        None,
    )
    assert duplicate.events.filter(kind=EventKind.UNMERGED, reason="并非同一问题").exists()
    assert master.events.filter(kind=EventKind.UNMERGED).get().data == {
        "duplicates": [duplicate.number]
    }
    # Now the master may end without a reply.
    services.ticket_mark_invalid(ticket_id=master.pk, actor=operator, reason_code="spam")
    again = post(operator, master.pk, "hand-back-duplicates")
    assert again.status_code == 409


def test_the_page_offers_the_hand_back_on_a_master(client, master_with_duplicate, operator):
    master, duplicate = master_with_duplicate
    client.force_login(operator)

    html = client.get(f"/tickets/{master.pk}/").content.decode()
    assert f'action="/tickets/{master.pk}/hand_back_duplicates/"' in html
    assert duplicate.number in html

    client.post(f"/tickets/{master.pk}/hand_back_duplicates/", {"note": ""})

    duplicate.refresh_from_db()
    assert duplicate.status == Status.TRIAGE


def test_the_page_shows_the_master_before_the_merge_is_confirmed(client, db, operator):
    master, duplicate = registered(title="路灯不亮"), registered(title="路灯又不亮了")
    client.force_login(operator)

    asked = client.post(
        f"/tickets/{duplicate.pk}/merge/",
        {"master_number": master.number, "reason": "同一路灯", "next": "/operator/"},
    )

    html = asked.content.decode()
    assert asked.status_code == 200
    assert master.number in html and "路灯不亮" in html and "已受理" in html
    assert 'name="confirmed" value="1"' in html and 'value="同一路灯"' in html
    duplicate.refresh_from_db()
    assert duplicate.status == Status.REGISTERED

    done = client.post(
        f"/tickets/{duplicate.pk}/merge/",
        {
            "master_number": master.number,
            "reason": "同一路灯",
            "confirmed": "1",
            "next": "/operator/",
        },
    )

    assert done.status_code == 302 and done["Location"] == "/operator/"
    duplicate.refresh_from_db()
    assert duplicate.status == Status.MERGED


def test_the_confirmation_step_already_refuses_a_closed_master(client, db, operator):
    master, duplicate = registered(), registered()
    services.ticket_mark_invalid(ticket_id=master.pk, actor=operator, reason_code="spam")
    client.force_login(operator)

    response = client.post(f"/tickets/{duplicate.pk}/merge/", {"master_number": master.number})

    assert response.status_code == 400
    assert "不能合并到它" in response.content.decode()
