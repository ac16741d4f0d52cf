"""The admin site: reference data is editable, tickets are read-only."""

import pytest
from django.contrib.auth import get_user_model

from tests.pages import dispatched


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", "x")


@pytest.mark.parametrize(
    "path",
    [
        "workorders/region/",
        "workorders/unit/",
        "workorders/category/",
        "workorders/category/add/",
        "auth/user/",
        "auth/user/add/",
        "workorders/ticket/",
        "workorders/returnrequest/",
        "workorders/extensionrequest/",
        "dispatch/routingrule/",
        "dispatch/routingrule/add/",
    ],
)
def test_admin_pages_open(client, city, superuser, path):
    client.force_login(superuser)

    assert client.get(f"/admin/{path}").status_code == 200


def test_profile_is_edited_inline_on_the_user(client, city, superuser, unit_staff):
    client.force_login(superuser)

    html = client.get(f"/admin/auth/user/{unit_staff.pk}/change/").content.decode()

    assert 'name="profile-0-role"' in html
    assert "城管委小刘" in html


def test_tickets_are_read_only_in_the_admin(client, city, superuser, dispatcher):
    ticket = dispatched(city, dispatcher)
    client.force_login(superuser)

    response = client.get(f"/admin/workorders/ticket/{ticket.pk}/change/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="status"' not in html
    assert ticket.citizen_phone not in html
    assert client.get("/admin/workorders/ticket/add/").status_code == 403
