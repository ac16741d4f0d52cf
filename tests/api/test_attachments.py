"""Photos through the API: every attachment carries a url, from which whoever may see the ticket
downloads it (token or session), and nobody else (404)."""

from rest_framework.test import APIClient

from tests.api import client_for, given_dispatched, png_bytes
from workorders import services


def photo_ticket(city, dispatcher, **overrides):
    upload = services.Upload(name="light.png", data=png_bytes())
    return given_dispatched(city, dispatcher, uploads=[upload], **overrides)


def content(response) -> bytes:
    return b"".join(response.streaming_content)


def test_detail_attachments_carry_a_url_the_unit_downloads_with_its_token(
    city, dispatcher, unit_staff
):
    ticket = photo_ticket(city, dispatcher)
    item = ticket.attachments.get()

    detail = client_for(unit_staff).get(f"/api/tickets/{ticket.pk}/").json()

    (attachment,) = detail["attachments"]
    assert set(attachment) >= {"id", "content_type", "size", "uploaded_at", "url"}
    assert attachment["url"] == f"/api/tickets/{ticket.pk}/attachments/{item.token}/"
    response = client_for(unit_staff).get(attachment["url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert content(response) == item.file.open("rb").read()
    # Browsers ask for images with Accept: image/*; the JSON-only API must not refuse them.
    browser = client_for(dispatcher).get(attachment["url"], HTTP_ACCEPT="image/avif,image/webp")
    assert browser.status_code == 200


def test_a_session_downloads_too(client, city, dispatcher, unit_staff):
    ticket = photo_ticket(city, dispatcher)
    item = ticket.attachments.get()
    client.force_login(unit_staff)

    response = client.get(f"/api/tickets/{ticket.pk}/attachments/{item.token}/")

    assert response.status_code == 200


def test_nobody_else_downloads_a_photo(city, dispatcher, other_unit_staff, citizen):
    ticket = photo_ticket(city, dispatcher)
    item = ticket.attachments.get()
    url = f"/api/tickets/{ticket.pk}/attachments/{item.token}/"

    assert APIClient().get(url).status_code == 401
    for stranger in (other_unit_staff, citizen):
        response = client_for(stranger).get(url)
        assert response.status_code == 404
        assert set(response.json()) == {"code", "message", "fields"}
    # The token of another ticket's photo under a ticket one may see: 404 too.
    other = photo_ticket(city, dispatcher)
    wrong = f"/api/tickets/{other.pk}/attachments/{item.token}/"
    assert client_for(dispatcher).get(wrong).status_code == 404


def test_the_citizen_downloads_the_photos_of_their_own_ticket(city, dispatcher, citizen):
    ticket = photo_ticket(city, dispatcher, citizen=citizen)
    detail = client_for(citizen).get(f"/api/tickets/{ticket.pk}/").json()

    response = client_for(citizen).get(detail["attachments"][0]["url"])

    assert response.status_code == 200


def test_a_missing_file_is_a_json_404(city, dispatcher):
    ticket = photo_ticket(city, dispatcher)
    item = ticket.attachments.get()
    item.file.storage.delete(item.file.name)

    response = client_for(dispatcher).get(f"/api/tickets/{ticket.pk}/attachments/{item.token}/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_tracking_answer_lists_photos_downloadable_with_the_query_code(city, dispatcher):
    ticket = photo_ticket(city, dispatcher)
    item = ticket.attachments.get()
    answer = APIClient().get(f"/api/public/tickets/{ticket.number}/?code={ticket.query_code}")
    answer = answer.json()

    (attachment,) = answer["attachments"]
    url = attachment["url"]
    assert url == f"/api/public/tickets/{ticket.number}/attachments/{item.token}/"
    assert ticket.query_code not in url  # codes never travel in URLs we hand out
    with_header = APIClient().get(url, HTTP_X_QUERY_CODE=ticket.query_code.lower())
    assert with_header.status_code == 200
    assert content(with_header) == item.file.open("rb").read()
    assert APIClient().get(f"{url}?code={ticket.query_code}").status_code == 200


def test_a_wrong_code_downloads_nothing_and_counts_as_a_guess(city, dispatcher, settings):
    settings.TRACKING_FAILURE_LIMIT = 2
    ticket = photo_ticket(city, dispatcher)
    other = photo_ticket(city, dispatcher)
    url = f"/api/public/tickets/{ticket.number}/attachments/{ticket.attachments.get().token}/"

    assert APIClient().get(url).status_code == 404
    assert APIClient().get(url, HTTP_X_QUERY_CODE="WRONG2").status_code == 404
    # Another ticket's code and photo under this number: nothing either.
    foreign = f"/api/public/tickets/{ticket.number}/attachments/{other.attachments.get().token}/"
    assert APIClient().get(foreign, HTTP_X_QUERY_CODE=ticket.query_code).status_code == 429
    # The limit is reached: even the right code is refused for the window.
    refused = APIClient().get(url, HTTP_X_QUERY_CODE=ticket.query_code)
    assert refused.status_code == 429
    assert set(refused.json()) == {"code", "message", "fields"}


def test_a_non_ascii_code_is_a_wrong_code(city, dispatcher):
    ticket = photo_ticket(city, dispatcher)
    url = f"/api/public/tickets/{ticket.number}/attachments/{ticket.attachments.get().token}/"

    assert APIClient().get(f"{url}?code=%C3%A9").status_code == 404


def test_a_foreign_token_with_the_right_code_is_a_404(city, dispatcher):
    ticket = photo_ticket(city, dispatcher)
    other = photo_ticket(city, dispatcher)
    foreign = f"/api/public/tickets/{ticket.number}/attachments/{other.attachments.get().token}/"

    response = APIClient().get(foreign, HTTP_X_QUERY_CODE=ticket.query_code)

    assert response.status_code == 404
