"""Field visits (线上接单、线下走访): who may record one, what is refused, and who sees what.

Through the API (JSON and multipart) and the ticket page, with the personas of tests/conftest.py:
the lead unit (市城市管理委员会), the assisting street (中关村街道), another unit (人社局), the
dispatcher and the citizen.
"""

from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from tests.api import client_for, given_registered, png_bytes
from tests.conftest import make_user
from workorders import services
from workorders.models import (
    Assignment,
    Attachment,
    Category,
    FieldVisit,
    Role,
    Status,
    Ticket,
    TicketEvent,
)

FINDINGS = "现场查看，科源社区门口两盏路灯灯头损坏，已通知维修班组。"


def visit_body(**overrides) -> dict:
    body = {
        "visited_at": timezone.now().isoformat(),
        "visitors": "刘师傅、网格员小王",
        "findings": FINDINGS,
    }
    return {**body, **overrides}


def post_visit(user, ticket_id: int, body: dict | None = None, *, multipart: bool = False):
    body = visit_body() if body is None else body
    client = client_for(user)
    if multipart:
        return client.post(f"/api/tickets/{ticket_id}/visits/", body, format="multipart")
    return client.post(f"/api/tickets/{ticket_id}/visits/", body, format="json")


def photo(name: str = "scene.png", data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data if data is not None else png_bytes(), "image/png")


@pytest.fixture
def jointly_handled(city, dispatcher, unit_staff, street_staff, citizen):
    """A street-light ticket led by 城管委, assisted by 中关村街道; both accepted."""
    ticket = given_registered(citizen)
    services.ticket_dispatch(
        ticket_id=ticket.pk,
        lead_unit=city.urban_management,
        assist_units=[city.zhongguancun_office],
        category=city.street_light,
        actor=dispatcher,
    )
    services.ticket_accept(ticket_id=ticket.pk, actor=unit_staff)
    services.ticket_accept(ticket_id=ticket.pk, actor=street_staff)
    ticket.refresh_from_db()
    return ticket


def media_files() -> set[Path]:
    root = Path(settings.MEDIA_ROOT) / "attachments"
    return set(root.rglob("*")) if root.exists() else set()


# --- who may record one ---------------------------------------------------------------------


def test_the_lead_unit_records_a_visit_with_photos_and_the_point(jointly_handled, unit_staff):
    ticket = jointly_handled
    body = visit_body(latitude="39.983424", longitude="116.316483", photos=[photo(), photo()])

    response = post_visit(unit_staff, ticket.pk, body, multipart=True)

    assert response.status_code == 200, response.content.decode()
    (visit,) = response.json()["visits"]
    assert visit["unit"]["name"] == "市城市管理委员会"
    assert visit["visitors"] == "刘师傅、网格员小王"
    assert visit["findings"] == FINDINGS
    assert visit["recorded_by"] == "城管委小刘"
    assert (visit["latitude"], visit["longitude"]) == (39.983424, 116.316483)
    assert len(visit["photos"]) == 2
    # The staff who may see the ticket download the photos.
    download = client_for(unit_staff).get(visit["photos"][0]["url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    # They are the visit's, not the citizen's photos.
    assert response.json()["attachments"] == []
    event = TicketEvent.objects.get(ticket=ticket, kind="field_visit")
    assert (event.unit.name, event.public, event.data["photos"]) == ("市城市管理委员会", True, 2)


def test_an_assisting_unit_records_a_visit_too(jointly_handled, street_staff, dispatcher):
    response = post_visit(street_staff, jointly_handled.pk)

    assert response.status_code == 200, response.content.decode()
    (visit,) = client_for(dispatcher).get(f"/api/tickets/{jointly_handled.pk}/").json()["visits"]
    assert visit["unit"]["name"] == "中关村街道办事处"
    assert visit["photos"] == []


def test_a_visit_without_photos_is_json(jointly_handled, unit_staff):
    body = visit_body(latitude=39.98, longitude=116.31)

    response = post_visit(unit_staff, jointly_handled.pk, body)

    assert response.status_code == 200, response.content.decode()
    assert FieldVisit.objects.get().latitude is not None


def test_another_unit_the_center_and_the_citizen_may_not(
    jointly_handled, other_unit_staff, dispatcher, citizen
):
    ticket = jointly_handled
    # Another unit does not see the ticket at all: 404, as for any ticket it may not see.
    assert post_visit(other_unit_staff, ticket.pk).status_code == 404
    # The dispatcher and the citizen see it but hold no assignment: 403.
    for person in (dispatcher, citizen):
        response = post_visit(person, ticket.pk)
        assert response.status_code == 403, response.content.decode()
        assert set(response.json()) == {"code", "message", "fields"}
    assert APIClient().post(f"/api/tickets/{ticket.pk}/visits/", visit_body()).status_code == 401
    assert not FieldVisit.objects.exists()


def test_a_unit_whose_assignment_ended_may_not(city, jointly_handled, street_staff):
    # Re-dispatched without the street: its assignment is no longer active.
    ticket = jointly_handled
    ticket.assignments.filter(unit=city.zhongguancun_office).update(active=False)

    response = post_visit(street_staff, ticket.pk)

    assert response.status_code in (403, 404)
    assert not FieldVisit.objects.exists()


def test_before_acceptance_the_unit_is_told_to_accept_first(city, dispatcher, unit_staff):
    ticket = given_registered()
    services.ticket_dispatch(
        ticket_id=ticket.pk,
        lead_unit=city.urban_management,
        category=city.street_light,
        actor=dispatcher,
    )

    response = post_visit(unit_staff, ticket.pk)

    assert response.status_code == 409
    assert "状态" in response.json()["message"]


# --- bad input: 400, nothing written ---------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"visited_at": None}, "visited_at"),
        ({"visited_at": "昨天下午"}, "visited_at"),
        ({"findings": ""}, "findings"),
        ({"findings": "看了"}, "findings"),
        ({"visitors": "  "}, "visitors"),
        ({"latitude": "91", "longitude": "116.3"}, "latitude"),
        ({"latitude": "39.9", "longitude": "-181"}, "longitude"),
        ({"latitude": "39.9"}, "latitude"),
        ({"latitude": "北纬39度", "longitude": "116.3"}, "latitude"),
        ({"latitude": "NaN", "longitude": "116.3"}, "latitude"),
        ({"latitude": "39.9", "longitude": "Infinity"}, "longitude"),
        ({"latitude": "1e999", "longitude": "116.3"}, "latitude"),
    ],
)
def test_bad_input_is_refused(jointly_handled, unit_staff, overrides, field):
    response = post_visit(unit_staff, jointly_handled.pk, visit_body(**overrides))

    assert response.status_code == 400, response.content.decode()
    body = response.json()
    assert body["code"] == "invalid_input" and field in body["fields"]
    assert not FieldVisit.objects.exists()
    assert not TicketEvent.objects.filter(kind="field_visit").exists()


@pytest.mark.parametrize("photos", ["aGVsbG8=", ["aGVsbG8="], [{"data": "aGVsbG8="}]])
def test_photos_in_json_are_refused_with_a_hint(jointly_handled, unit_staff, photos):
    response = post_visit(unit_staff, jointly_handled.pk, visit_body(photos=photos))

    assert response.status_code == 400
    assert "multipart" in str(response.json()["fields"]["photos"])
    assert not FieldVisit.objects.exists()


def test_a_phones_many_decimal_places_are_rounded_not_refused(jointly_handled, unit_staff):
    body = visit_body(latitude=39.98342412345678, longitude=116.31648312345678)

    response = post_visit(unit_staff, jointly_handled.pk, body)

    assert response.status_code == 200, response.content.decode()
    visit = FieldVisit.objects.get()
    assert (str(visit.latitude), str(visit.longitude)) == ("39.983424", "116.316483")


def test_a_visit_in_the_future_is_refused(jointly_handled, unit_staff):
    later = (timezone.now() + timedelta(hours=2)).isoformat()

    response = post_visit(unit_staff, jointly_handled.pk, visit_body(visited_at=later))

    assert response.status_code == 400
    assert response.json()["fields"]["visited_at"] == ["走访时间不能晚于现在"]


def test_a_visit_before_the_ticket_existed_is_refused(jointly_handled, unit_staff):
    earlier = (jointly_handled.registered_at - timedelta(days=1)).isoformat()

    response = post_visit(unit_staff, jointly_handled.pk, visit_body(visited_at=earlier))

    assert response.status_code == 400 and "visited_at" in response.json()["fields"]


def test_one_bad_photo_stores_neither_the_visit_nor_the_good_photo(jointly_handled, unit_staff):
    before = media_files()
    body = visit_body(photos=[photo(), photo("broken.png", b"not an image at all")])

    response = post_visit(unit_staff, jointly_handled.pk, body, multipart=True)

    assert response.status_code == 400
    assert "broken.png" in response.json()["fields"]["photos"][0]
    assert not FieldVisit.objects.exists() and not Attachment.objects.exists()
    assert media_files() == before


def test_a_failure_after_the_photos_were_written_deletes_them(
    jointly_handled, unit_staff, monkeypatch
):
    before = media_files()

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr("workorders.services.visits.record_event", broken)
    with pytest.raises(RuntimeError):
        services.ticket_record_field_visit(
            ticket_id=jointly_handled.pk,
            actor=unit_staff,
            visited_at=timezone.now(),
            visitors="刘师傅",
            findings=FINDINGS,
            photos=[services.Upload(name="a.png", data=png_bytes())],
        )

    assert not FieldVisit.objects.exists() and not Attachment.objects.exists()
    assert media_files() == before


@override_settings(ATTACHMENT_MAX_COUNT=1)
def test_too_many_photos_are_refused(jointly_handled, unit_staff):
    body = visit_body(photos=[photo(), photo()])

    response = post_visit(unit_staff, jointly_handled.pk, body, multipart=True)

    assert response.status_code == 400 and "photos" in response.json()["fields"]


@override_settings(UPLOAD_MAX_BYTES_PER_HOUR=1)
def test_photos_count_against_the_hourly_quota(jointly_handled, unit_staff):
    response = post_visit(
        unit_staff, jointly_handled.pk, visit_body(photos=[photo()]), multipart=True
    )

    assert response.status_code == 429
    assert not FieldVisit.objects.exists()


# --- who sees what ---------------------------------------------------------------------------


def test_the_citizen_sees_only_that_a_unit_visited(city, dispatcher, unit_staff, citizen):
    # The citizen sent a photo of their own: they keep seeing that one.
    own_photo = services.Upload(name="mine.png", data=png_bytes())
    ticket = given_registered(citizen, uploads=[own_photo])
    services.ticket_dispatch(
        ticket_id=ticket.pk,
        lead_unit=city.urban_management,
        category=city.street_light,
        actor=dispatcher,
    )
    services.ticket_accept(ticket_id=ticket.pk, actor=unit_staff)
    body = visit_body(photos=[photo()])
    assert post_visit(unit_staff, ticket.pk, body, multipart=True).status_code == 200
    token = Attachment.objects.get(visit__isnull=False).token
    own_token = Attachment.objects.get(visit__isnull=True).token

    # The signed-in citizen: the public timeline's summary, no visits, no visit photo.
    detail = client_for(citizen).get(f"/api/tickets/{ticket.pk}/").json()
    assert detail["visits"] == [] and len(detail["attachments"]) == 1
    (entry,) = [event for event in detail["timeline"] if event["kind"] == "field_visit"]
    assert entry["label"] == "承办单位已上门走访"
    assert entry["unit"] == "市城市管理委员会"
    assert FINDINGS not in str(detail) and "刘师傅" not in str(detail)
    photos = f"/api/tickets/{ticket.pk}/attachments/"
    assert client_for(citizen).get(f"{photos}{own_token}/").status_code == 200
    assert client_for(citizen).get(f"{photos}{token}/").status_code == 404
    assert client_for(unit_staff).get(f"{photos}{token}/").status_code == 200

    # Whoever holds the number and query code: the same summary, and no visit photo either.
    code = {"HTTP_X_QUERY_CODE": ticket.query_code}
    public = APIClient().get(f"/api/public/tickets/{ticket.number}/", **code)
    assert public.status_code == 200, public.content.decode()
    assert "承办单位已上门走访" in str(public.json()) and FINDINGS not in str(public.json())
    assert len(public.json()["attachments"]) == 1
    tracked = f"/api/public/tickets/{ticket.number}/attachments/"
    assert APIClient().get(f"{tracked}{own_token}/", **code).status_code == 200
    assert APIClient().get(f"{tracked}{token}/", **code).status_code == 404


def test_the_staff_timeline_names_the_visitors(jointly_handled, unit_staff, dispatcher):
    post_visit(unit_staff, jointly_handled.pk)

    events = client_for(dispatcher).get(f"/api/tickets/{jointly_handled.pk}/events/").json()

    (event,) = [event for event in events if event["kind"] == "field_visit"]
    assert event["reason"] == FINDINGS and event["data"]["visitors"] == "刘师傅、网格员小王"
    assert event["actor"] == "城管委小刘"


def test_another_unit_does_not_download_a_visit_photo(
    jointly_handled, unit_staff, other_unit_staff
):
    post_visit(unit_staff, jointly_handled.pk, visit_body(photos=[photo()]), multipart=True)
    token = Attachment.objects.get().token

    url = f"/api/tickets/{jointly_handled.pk}/attachments/{token}/"
    assert client_for(other_unit_staff).get(url).status_code == 404


# --- categories that require a visit before resolving ---------------------------------------


def _in_progress(ticket, unit_staff):
    services.ticket_contact(ticket_id=ticket.pk, actor=unit_staff, note="已电话联系")


REPLY = {"reply": "路灯已修复，经现场确认恢复照明。"}


def test_a_category_requiring_a_visit_blocks_resolving_until_one_is_recorded(
    city, jointly_handled, unit_staff, street_staff
):
    # Marked on the parent (城乡建设 › 市政管理): the whole branch, street lights included.
    city.municipal.requires_field_visit = True
    city.municipal.save()
    ticket = jointly_handled
    _in_progress(ticket, unit_staff)

    detail = client_for(unit_staff).get(f"/api/tickets/{ticket.pk}/").json()
    assert detail["field_visit_required"] is True and detail["visits"] == []
    refused = client_for(unit_staff).post(f"/api/tickets/{ticket.pk}/resolve/", REPLY)

    assert refused.status_code == 409
    assert "须先登记上门走访" in refused.json()["message"]
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    # A visit by the assisting street counts: the unit that went is not always the lead.
    assert post_visit(street_staff, ticket.pk).status_code == 200
    resolved = client_for(unit_staff).post(f"/api/tickets/{ticket.pk}/resolve/", REPLY)
    assert resolved.status_code == 200, resolved.content.decode()


def test_other_categories_resolve_without_a_visit(jointly_handled, unit_staff):
    _in_progress(jointly_handled, unit_staff)

    response = client_for(unit_staff).post(f"/api/tickets/{jointly_handled.pk}/resolve/", REPLY)

    assert response.status_code == 200
    assert response.json()["field_visit_required"] is False


# --- the page ---------------------------------------------------------------------------------


def test_the_page_offers_the_form_and_records_a_visit_with_photos(
    client, city, jointly_handled, unit_staff
):
    city.municipal.requires_field_visit = True
    city.municipal.save()
    ticket = jointly_handled
    _in_progress(ticket, unit_staff)
    client.force_login(unit_staff)

    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'id="action-field_visit"' in page
    assert 'enctype="multipart/form-data"' in page
    # The resolve form says a visit is missing before the unit tries.
    assert "须先登记上门走访，才能办结" in page

    local = timezone.localtime()
    response = client.post(
        f"/tickets/{ticket.pk}/field_visit/",
        {
            "visited_at": local.strftime("%Y-%m-%dT%H:%M"),
            "visitors": "刘师傅",
            "findings": FINDINGS,
            "photos": [photo(), photo("b.png")],
        },
    )

    assert response.status_code == 302
    visit = FieldVisit.objects.get()
    assert visit.photos.count() == 2
    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert FINDINGS in page and "须先登记上门走访，才能办结" not in page
    assert "走访人员：刘师傅" in page  # the staff timeline names them


def test_the_page_shows_the_errors_and_writes_nothing(client, jointly_handled, unit_staff):
    client.force_login(unit_staff)
    later = timezone.localtime() + timedelta(days=1)

    response = client.post(
        f"/tickets/{jointly_handled.pk}/field_visit/",
        {"visited_at": later.strftime("%Y-%m-%dT%H:%M"), "visitors": "刘师傅", "findings": ""},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "走访时间不能晚于现在" in page
    assert not FieldVisit.objects.exists()


def test_the_page_does_not_offer_the_form_to_the_dispatcher(client, jointly_handled, dispatcher):
    client.force_login(dispatcher)

    page = client.get(f"/tickets/{jointly_handled.pk}/").content.decode()

    assert 'id="action-field_visit"' not in page


def test_the_demo_city_records_visits_where_its_categories_require_them(db):
    call_command("seed_demo", tickets=60, stdout=StringIO())

    required = Category.objects.filter(requires_field_visit=True)
    assert {category.name for category in required} == {"房屋质量", "违章建筑"}
    assert FieldVisit.objects.exists()
    resolved = Ticket.objects.filter(resolved_at__isnull=False, category__in=required)
    assert all(ticket.field_visits.exists() for ticket in resolved)


def test_the_district_which_sees_its_streets_tickets_may_not(jointly_handled, district_staff):
    # 海淀区 sees the ticket (its street assists), but holds no assignment on it.
    assert client_for(district_staff).get(f"/api/tickets/{jointly_handled.pk}/").status_code == 200

    response = post_visit(district_staff, jointly_handled.pk)

    assert response.status_code == 403
    assert not FieldVisit.objects.exists()


def test_any_active_assignment_counts_whatever_its_role(city, jointly_handled):
    # A community the street handed the ticket down to holds an assignment of its own role
    # (added by the hand-off): the rule is the assignment, not a list of roles.
    community_staff = make_user("staff_keyuan", Role.UNIT_STAFF, unit=city.keyuan_community)
    Assignment.objects.create(
        ticket=jointly_handled,
        unit=city.keyuan_community,
        role="community",
        dispatched_at=timezone.now(),
        accepted_at=timezone.now(),
    )

    response = post_visit(community_staff, jointly_handled.pk)

    assert response.status_code == 200, response.content.decode()
    assert FieldVisit.objects.get().unit == city.keyuan_community


def test_the_citizens_page_shows_the_summary_only(client, jointly_handled, unit_staff, citizen):
    post_visit(unit_staff, jointly_handled.pk, visit_body(photos=[photo()]), multipart=True)
    client.force_login(citizen)

    page = client.get(f"/my/tickets/{jointly_handled.pk}/", follow=True).content.decode()

    assert "承办单位已上门走访" in page
    assert FINDINGS not in page and "刘师傅" not in page
    token = Attachment.objects.get().token
    assert token not in page
    assert client.get(f"/tickets/{jointly_handled.pk}/attachments/{token}/").status_code == 404
