"""The plug-in points: an app adds a ticket action, a panel and a menu entry by declaring them.

The action below is what a new capability writes: one declaration, its service, its input. The
page offers it to the roles named, in the states named; the form and the API take the same input;
the API documents it; workorders' code does not change.
"""

import importlib

import pytest
from django.urls import clear_url_caches
from rest_framework import serializers

import hotline.api_urls
import hotline.urls
from tests.api import client_for, given_registered
from workorders import registry
from workorders.models import Role, Status

CALLS: list[dict] = []


class TagInput(serializers.Serializer):
    tag = serializers.CharField(label="标签", max_length=10, error_messages={"blank": "请填写标签"})


def ticket_tag(*, ticket_id: int, actor, tag: str):
    CALLS.append({"ticket_id": ticket_id, "actor": actor.username, "tag": tag})


TAG = registry.TicketAction(
    name="tag",
    label="加标签",
    done="已加标签",
    service=ticket_tag,
    roles=(Role.OPERATOR,),
    statuses=(Status.REGISTERED, Status.TRIAGE),
    input=TagInput,
    api_path="tag",
    api_summary="加标签",
)


def _reload_urls():
    importlib.reload(hotline.api_urls)
    importlib.reload(hotline.urls)
    clear_url_caches()


@pytest.fixture
def tag_action():
    CALLS.clear()
    registry.register_ticket_actions(TAG)
    _reload_urls()
    yield TAG
    registry.unregister_ticket_action(TAG.name)
    _reload_urls()


def test_a_registered_action_is_offered_run_and_documented(
    client, city, operator, unit_staff, tag_action
):
    ticket = given_registered()
    client.force_login(operator)

    page = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert 'id="action-tag"' in page and 'name="tag"' in page

    refused = client.post(f"/tickets/{ticket.pk}/tag/", {"tag": ""})
    assert refused.status_code == 400 and "请填写标签" in refused.content.decode()
    done = client.post(f"/tickets/{ticket.pk}/tag/", {"tag": "重复来电"})
    assert done.status_code == 302

    answer = client_for(operator).post(
        f"/api/tickets/{ticket.pk}/tag/", {"tag": "噪音"}, format="json"
    )
    assert answer.status_code == 200 and answer.json()["number"] == ticket.number
    assert [
        {"ticket_id": ticket.pk, "actor": operator.username, "tag": "重复来电"},
        {"ticket_id": ticket.pk, "actor": operator.username, "tag": "噪音"},
    ] == CALLS
    bad = client_for(operator).post(f"/api/tickets/{ticket.pk}/tag/", {}, format="json")
    assert bad.status_code == 400 and bad.json()["fields"]["tag"]

    schema = client_for(operator).get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/tickets/{id}/tag/"]["post"]
    assert operation["summary"] == "加标签"

    # Not offered to another role; the page shows no form for it.
    client.force_login(unit_staff)
    assert 'id="action-tag"' not in client.get(f"/tickets/{ticket.pk}/").content.decode()


def test_an_unknown_action_is_a_404(client, city, operator):
    ticket = given_registered()
    client.force_login(operator)

    assert client.post(f"/tickets/{ticket.pk}/no_such_action/", {}).status_code == 404
    assert client_for(operator).post(f"/api/tickets/{ticket.pk}/no-such/").status_code == 404


def test_the_menu_is_what_the_apps_registered(client, dispatcher, unit_staff):
    client.force_login(dispatcher)
    menu = client.get("/dispatch/triage/").content.decode()
    assert 'href="/dispatch/approvals/"' in menu and 'href="/evaluation/"' in menu
    assert 'href="/unit/"' not in menu

    client.force_login(unit_staff)
    menu = client.get("/unit/").content.decode()
    assert 'href="/unit/"' in menu and 'href="/evaluation/my-unit/"' in menu
    assert 'href="/dispatch/approvals/"' not in menu


def test_registering_twice_is_refused(tag_action):
    with pytest.raises(ValueError):
        registry.register_ticket_actions(tag_action)
