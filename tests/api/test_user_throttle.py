"""Signed-in accounts have a generous per-user API rate limit (USER_THROTTLE_RATE); past it, 429
in the API's error shape with a Chinese message. Anonymous clients keep their own limit."""

from unittest import mock

import pytest
from django.test import override_settings
from rest_framework.test import APIClient
from rest_framework.views import APIView

from hotline.lib.throttling import SignedInRateThrottle
from tests.api import client_for


@pytest.fixture
def _three_per_minute():
    # The test settings turn throttling off; this turns the per-user one back on.
    with (
        override_settings(USER_THROTTLE_RATE="3/minute"),
        mock.patch.object(APIView, "throttle_classes", [SignedInRateThrottle]),
    ):
        yield


@pytest.mark.usefixtures("_three_per_minute")
def test_a_signed_in_account_past_its_rate_gets_429(operator, dispatcher):
    client = client_for(operator)
    for _ in range(3):
        assert client.get("/api/units/").status_code == 200

    response = client.get("/api/units/")

    assert response.status_code == 429
    assert set(response.json()) == {"code", "message", "fields"}
    assert response.json()["code"] == "throttled"
    assert response.json()["message"] == "请求过于频繁，请稍后再试"
    assert int(response["Retry-After"]) > 0
    # Per account: a colleague is not affected, whatever address they share.
    assert client_for(dispatcher).get("/api/units/").status_code == 200


@pytest.mark.usefixtures("_three_per_minute")
def test_anonymous_clients_are_not_counted_by_it(db):
    client = APIClient()
    for _ in range(5):
        assert client.get("/api/public/tickets/20990101-000001/?code=ABCDEF").status_code == 404


def test_the_default_rate_is_generous_and_on_in_production():
    from django.conf import settings

    from hotline import settings as production

    assert settings.USER_THROTTLE_RATE == "600/minute"
    assert (
        "hotline.lib.throttling.SignedInRateThrottle"
        in (production.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"])
    )
