"""The inbox through the API: GET /api/inbox/, POST /api/inbox/<id>/read/, POST
/api/inbox/read-all/, GET /api/inbox/unread-count/ — each person sees their unit's, their role's
and their own notices, nothing else."""

from rest_framework.test import APIClient

from tests.api import client_for, given_dispatched
from workorders import services


def ok(response) -> dict:
    assert response.status_code == 200, response.content.decode()
    return response.json()


def test_the_list_newest_first_with_its_ticket(city, dispatcher, unit_staff):
    first = given_dispatched(city, dispatcher)
    second = given_dispatched(city, dispatcher)
    body = ok(client_for(unit_staff).get("/api/inbox/"))
    assert body["count"] == 2
    newest = body["results"][0]
    assert newest["ticket"] == {"id": second.pk, "number": second.number, "title": second.title}
    assert body["results"][1]["ticket"]["id"] == first.pk
    assert newest["kind"] == "dispatched" and newest["title"] == "派单"
    assert newest["link"] == f"/tickets/{second.pk}/"
    assert (newest["read"], newest["read_at"], newest["urgent"]) == (False, None, False)
    assert set(newest) == {
        "id",
        "kind",
        "title",
        "text",
        "ticket",
        "link",
        "urgent",
        "created_at",
        "read",
        "read_at",
    }


def test_English_labels_with_accept_language(city, dispatcher, unit_staff):
    given_dispatched(city, dispatcher)
    body = ok(client_for(unit_staff).get("/api/inbox/", HTTP_ACCEPT_LANGUAGE="en"))
    assert body["results"][0]["title"] == "Dispatch"


def test_mark_one_read_then_filter_unread(city, dispatcher, unit_staff):
    given_dispatched(city, dispatcher)
    given_dispatched(city, dispatcher)
    client = client_for(unit_staff)
    older = ok(client.get("/api/inbox/"))["results"][1]
    read = ok(client.post(f"/api/inbox/{older['id']}/read/"))
    assert read["read"] is True and read["read_at"]
    assert ok(client.post(f"/api/inbox/{older['id']}/read/"))["read_at"] == read["read_at"]
    unread = ok(client.get("/api/inbox/?unread=true"))
    assert [item["id"] for item in unread["results"]] != [older["id"]]
    assert unread["count"] == 1
    assert ok(client.get("/api/inbox/unread-count/")) == {"unread": 1}


def test_read_all(city, dispatcher, unit_staff):
    for _ in range(3):
        given_dispatched(city, dispatcher)
    client = client_for(unit_staff)
    assert ok(client.post("/api/inbox/read-all/")) == {"marked": 3, "unread": 0}
    items = ok(client.get("/api/inbox/"))["results"]
    assert all(item["read"] and item["read_at"] for item in items)
    assert ok(client.get("/api/inbox/?unread=1"))["count"] == 0


def test_another_units_notice_is_404(city, dispatcher, unit_staff, other_unit_staff, citizen):
    given_dispatched(city, dispatcher)
    item = ok(client_for(unit_staff).get("/api/inbox/"))["results"][0]
    assert ok(client_for(other_unit_staff).get("/api/inbox/"))["count"] == 0
    for user in (other_unit_staff, dispatcher, citizen):
        response = client_for(user).post(f"/api/inbox/{item['id']}/read/")
        assert response.status_code == 404
        assert set(response.json()) == {"code", "message", "fields"}
        assert response.json()["code"] == "not_found"
    assert client_for(unit_staff).post("/api/inbox/999999/read/").status_code == 404
    # Nobody's reading changed the owner's state.
    assert ok(client_for(unit_staff).get("/api/inbox/unread-count/")) == {"unread": 1}


def test_dispatchers_see_the_requests_waiting_for_them(city, dispatcher, unit_staff):
    ticket = given_dispatched(city, dispatcher)
    services.ticket_request_return(ticket_id=ticket.pk, actor=unit_staff, reason="不属于本单位职责")
    body = ok(client_for(dispatcher).get("/api/inbox/"))
    assert [(item["kind"], item["text"]) for item in body["results"]] == [
        ("return_requested", "不属于本单位职责")
    ]
    assert "return_requested" not in [
        item["kind"] for item in ok(client_for(unit_staff).get("/api/inbox/"))["results"]
    ]


def test_anonymous_gets_401_and_bad_ids_no_500(db, unit_staff):
    for method, path in (
        ("get", "/api/inbox/"),
        ("post", "/api/inbox/1/read/"),
        ("post", "/api/inbox/read-all/"),
        ("get", "/api/inbox/unread-count/"),
    ):
        response = getattr(APIClient(), method)(path)
        assert response.status_code == 401, path
        assert set(response.json()) == {"code", "message", "fields"}
    client = client_for(unit_staff)
    assert client.post("/api/inbox/abc/read/").status_code == 404
    assert client.get("/api/inbox/", {"page": 99}).status_code == 404
    assert client.get("/api/inbox/?unread=maybe").status_code == 200  # not "true": everything
    assert client.get("/api/inbox/").status_code == 200
    assert client.post("/api/inbox/").status_code == 405


def test_the_schema_documents_the_inbox(db):
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = response.json()["paths"]
    assert "get" in paths["/api/inbox/"]
    assert {"page", "unread"} <= {p["name"] for p in paths["/api/inbox/"]["get"]["parameters"]}
    assert "post" in paths["/api/inbox/{id}/read/"]
    assert "404" in paths["/api/inbox/{id}/read/"]["post"]["responses"]
    assert "post" in paths["/api/inbox/read-all/"]
    assert "get" in paths["/api/inbox/unread-count/"]
    item = response.json()["components"]["schemas"]["InboxItem"]
    assert {"id", "kind", "title", "ticket", "link", "created_at", "read", "read_at"} <= set(
        item["properties"]
    )
