"""Administrators see every classifier version's figures and confusion matrix, and roll back."""

from io import BytesIO

import pytest
from django.contrib.auth import get_user_model
from PIL import Image

from dispatch.learning import classifier_train
from dispatch.models import ClassifierSource, ClassifierVersion
from tests.dispatch.classifier_data import WATER, examples

LIST = "/admin/dispatch/classifierversion/"


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", "x")


@pytest.fixture
def versions(db):
    first = classifier_train(examples=examples(seed=1), source=ClassifierSource.CSV).version
    # A second, promoted one: a different file the first model does not know well.
    second = classifier_train(
        examples=examples(seed=2, relabel={WATER: "城乡建设 › 市政管理 › 排水"}),
        source=ClassifierSource.CSV,
    ).version
    assert second.is_active
    return first, second


def confusion_url(version) -> str:
    return f"{LIST}{version.pk}/confusion.png"


def test_versions_list_and_detail_show_the_figures(client, superuser, versions):
    first, second = versions
    client.force_login(superuser)

    listing = client.get(LIST).content.decode()
    detail = client.get(f"{LIST}{second.pk}/change/").content.decode()

    assert "v1" in listing and "v2" in listing and "macro-F1" in listing
    assert confusion_url(first) in listing
    assert "precision" in detail and "城乡建设" in detail
    assert f'<img src="{confusion_url(second)}"' in detail
    assert "当时启用的 v1" in detail  # compared with the then-active version
    assert client.get(f"{LIST}add/").status_code == 403  # versions come from training only


def test_confusion_matrix_is_a_png_for_administrators(client, superuser, versions):
    client.force_login(superuser)

    response = client.get(confusion_url(versions[1]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(BytesIO(response.content))
    assert image.format == "PNG" and image.width > 200 and image.height > 200


def test_confusion_matrix_is_forbidden_for_everyone_else(client, versions, dispatcher):
    version = versions[1]
    assert client.get(confusion_url(version)).status_code == 302  # to the admin login
    client.force_login(dispatcher)
    response = client.get(confusion_url(version))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    staff = get_user_model().objects.create_user("clerk", password="x", is_staff=True)
    client.force_login(staff)  # may use the admin, but has no permission on versions
    assert client.get(confusion_url(version)).status_code == 403


def test_roll_back_from_the_admin(client, superuser, versions):
    first, second = versions
    client.force_login(superuser)

    response = client.post(
        LIST, {"action": "activate", "_selected_action": [first.pk], "index": 0}, follow=True
    )

    assert response.status_code == 200
    assert "已启用 v1" in response.content.decode()
    assert ClassifierVersion.objects.get(is_active=True) == first
    first.refresh_from_db()
    assert first.activated_by == superuser
