"""Every answer, page or API, carries the Content-Security-Policy, Referrer-Policy and
Permissions-Policy; and nothing we write needs the policy relaxed (no inline script, handler or
style). tests/test_browser.py checks in Chromium that no page reports a violation."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from rest_framework.test import APIClient

TEMPLATES = Path(settings.BASE_DIR) / "templates"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE = re.compile(r"\sstyle\s*=|<style", re.I)


@pytest.mark.parametrize(
    "path",
    ["/", "/submit/", "/track/", "/accounts/login/", "/api/", "/api/tickets/", "/api/nope/"],
)
def test_every_answer_carries_the_policies(db, client, path):
    response = client.get(path)

    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    assert "style-src 'self';" in policy and "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["Referrer-Policy"] == "same-origin"
    permissions = response.headers["Permissions-Policy"]
    assert "camera=()" in permissions and "microphone=()" in permissions
    assert "geolocation=(self)" in permissions  # the intake form's "use my location"


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_api_documentation_pages_relax_styles_only(db, path):
    response = APIClient().get(path, HTTP_ACCEPT="text/html")

    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy
    assert "script-src 'self';" in policy
    assert not INLINE_SCRIPT.search(response.content.decode())


def test_swagger_ui_gets_its_start_up_script_from_this_server(db):
    page = APIClient().get("/api/docs/", HTTP_ACCEPT="text/html").content.decode()
    script_url = re.search(r'<script src="(/api/docs/\?[^"]*script[^"]*)"', page)[1]

    script = APIClient().get(script_url.replace("&amp;", "&"))

    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content and b'"validatorUrl": null' in script.content


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=str)
def test_templates_have_no_inline_script_handler_or_style(template):
    source = template.read_text()
    # Comments may show examples; only the markup counts.
    source = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", "", source, flags=re.S)
    assert not INLINE_SCRIPT.search(source)
    assert not HANDLER.search(source)
    assert not STYLE.search(source)


def test_the_generated_markup_has_no_style_attribute(db):
    from datetime import date

    from evaluation.charts import RATE_SERIES, line_chart

    # The charts are data for static/js/charts.js (ECharts), not markup.
    points = [{"month": date(2026, m, 1), "response_rate": 80.0 + m} for m in (2, 3)]
    chart = line_chart(points, RATE_SERIES, label="三率")
    assert chart["x"] == ["2026-02", "2026-03"] and chart["series"][0]["data"] == [82.0, 83.0]
    light = render_to_string("workorders/_light.html", {"light": 3, "label": "办结"})
    assert "style=" not in light
