"""A month outside the supported range (2000-01 to 2099-12) is a clear 400, never a 500, on every
URL that names a month: the API in its error shape, the pages with the error page."""

import pytest
from django.test import Client

from tests.api import client_for

OUT_OF_RANGE = ["9999-12", "1999-12", "2100-01", "0000-01"]
API_PATHS = [
    ("get", "/api/rankings/{month}/"),
    ("get", "/api/rankings/{month}/export.xlsx"),
    ("get", "/api/rankings/{month}/export.csv"),
    ("get", "/api/rankings/{month}/units/{unit}/"),
    ("get", "/api/rankings/{month}/units/{unit}/lost_points/"),
    ("post", "/api/rankings/{month}/close/"),
]
PAGE_PATHS = [
    ("get", "/evaluation/rankings/{month}/"),
    ("get", "/evaluation/rankings/?month={month}"),
    ("get", "/evaluation/rankings/{month}/v1/"),
    ("get", "/evaluation/rankings/{month}/export.xlsx"),
    ("get", "/evaluation/rankings/{month}/export.csv"),
    ("get", "/evaluation/rankings/{month}/units/{unit}/"),
    ("get", "/evaluation/rankings/{month}/units/{unit}/lost_points/"),
    ("post", "/evaluation/rankings/{month}/close/"),
]


@pytest.mark.parametrize("month", OUT_OF_RANGE)
def test_api_months_out_of_range_are_400(city, admin_user, month):
    client = client_for(admin_user)
    for method, path in API_PATHS:
        url = path.format(month=month, unit=city.urban_management.pk)
        response = getattr(client, method)(url, {"reason": "月度结算"}, format="json")
        assert response.status_code == 400, (url, response.status_code)
        body = response.json()
        assert set(body) == {"code", "message", "fields"} and "month" in body["fields"]


@pytest.mark.parametrize("month", OUT_OF_RANGE)
def test_page_months_out_of_range_are_400(city, admin_user, month):
    browser = Client()
    browser.force_login(admin_user)
    for method, path in PAGE_PATHS:
        url = path.format(month=month, unit=city.urban_management.pk)
        response = getattr(browser, method)(url, {"reason": "月度结算"} if method == "post" else {})
        assert response.status_code == 400, (url, response.status_code)
        assert "2000-01" in response.content.decode()
