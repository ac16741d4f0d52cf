"""The UI language: Chinese pages in Chinese only, English pages in English, plain durations, and
the project's own wording of Django's and DRF's stock messages."""

import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
import time_machine
from django import forms
from django.conf import settings
from django.utils import timezone, translation
from rest_framework import serializers

from tests.api import client_for
from tests.pages import dispatched, in_progress
from tests.workorders.deadline_helpers import at, dispatch_at
from workorders.models import Category, Region, Unit
from workorders.templatetags.hotline_ui import duration, natural_duration
from workorders.workdays import sync_calendar_from_library

HAN = re.compile(r"[\u3400-\u9fff]")
# Latin words a Chinese page may show: the language switch and what people typed or are called.
LATIN_ALLOWED = {"English"}


class _Text(HTMLParser):
    """The text a reader sees, and the attributes read aloud or shown on hover."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "placeholder", "alt", "data-label") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


def english_words(html: str, *, allowed=()) -> set[str]:
    words = set(re.findall(r"[A-Za-z]{3,}", visible_text(html)))
    return {w for w in words - LATIN_ALLOWED if not any(w in name for name in allowed)}


def get(client, url: str, **headers) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    return response.content.decode()


# --- Chinese pages show no English -----------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/submit/", "/track/"])
def test_a_chinese_public_page_shows_no_english(client, db, url):
    assert english_words(get(client, url)) == set()


def test_a_chinese_ticket_page_for_unit_staff_shows_no_english(
    client, city, dispatcher, unit_staff
):
    ticket = in_progress(city, dispatcher, unit_staff)
    client.force_login(unit_staff)

    html = get(client, f"/tickets/{ticket.pk}/")

    assert "办理进展" in html
    # The unit's name and the usernames are names, not labels.
    names = {unit_staff.username, dispatcher.username}
    assert english_words(html, allowed=names) == set()


def test_a_chinese_dispatcher_page_shows_no_technical_english(client, city, dispatcher):
    ticket = dispatched(city, dispatcher)
    client.force_login(dispatcher)

    html = get(client, f"/tickets/{ticket.pk}/")

    # The query code is letters the citizen reads out, not English.
    assert english_words(html, allowed={dispatcher.username, ticket.query_code}) == set()


# --- English pages ------------------------------------------------------------------------------


def test_an_english_page_by_accept_language(client, db):
    html = get(client, "/submit/", HTTP_ACCEPT_LANGUAGE="en")

    assert "Submit a request" in html
    assert not HAN.search(visible_text(html).replace("简体中文", ""))


def test_an_english_page_by_the_language_cookie(client, city, dispatcher, unit_staff):
    ticket = dispatched(city, dispatcher)
    client.force_login(unit_staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = get(client, f"/tickets/{ticket.pk}/")

    text = visible_text(html)
    assert "accept" in text.lower() and "Timeline" in text
    # Chinese only in what people wrote and in names (people, units, categories, regions).
    written = [ticket.title, ticket.content, ticket.address, "简体中文", "李*"]
    people = [unit_staff.profile.display_name, dispatcher.profile.display_name]
    names = [
        name
        for model in (Unit, Category, Region)
        for full in model.objects.all()
        for name in (full.name, getattr(full, "full_name", full.name))
    ]
    for text_of_people in sorted(written + people + names, key=len, reverse=True):
        text = text.replace(text_of_people, "")
    assert not HAN.search(text), re.findall(r"[\u3400-\u9fff]+", text)


def test_choice_labels_follow_the_language(city, dispatcher):
    ticket = dispatched(city, dispatcher)
    client = client_for(dispatcher)

    chinese = client.get(f"/api/tickets/{ticket.pk}/").json()
    english = client.get(f"/api/tickets/{ticket.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()

    assert (chinese["status_label"], english["status_label"]) == ("已派单", "dispatched")


# --- the project's wording of stock messages ------------------------------------------------


def test_an_api_validation_error_uses_the_projects_wording(db):
    response = client_for(None).post("/api/auth/token/", {"username": ""}, format="json")

    assert response.status_code == 400
    assert response.json()["fields"] == {"username": ["请填写此项"], "password": ["请填写此项"]}


def test_stock_messages_read_plainly_in_chinese():
    class Form(forms.Form):
        name = forms.CharField(max_length=5)

    class Serializer(serializers.Serializer):
        name = serializers.CharField(max_length=5)

    with translation.override("zh-hans"):
        form = Form(data={"name": "x" * 8})
        form.is_valid()
        serializer = Serializer(data={"name": "x" * 8})
        serializer.is_valid()
        assert form.errors["name"] == ["不能超过 5 个字（现有 8 个）"]
        assert serializer.errors["name"] == ["不能超过 5 个字"]
        assert Form(data={}).errors["name"] == ["请填写此项"]


# --- durations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "chinese", "english"),
    [
        (timedelta(seconds=20), "不到 1 分钟", "less than a minute"),
        (timedelta(minutes=1), "1 分钟", "1 minute"),
        (timedelta(hours=3), "3 小时", "3 hours"),
        (timedelta(hours=3, minutes=20), "3小时20分钟", "3 hours 20 minutes"),
        (timedelta(days=2, hours=5), "2天5小时", "2 days 5 hours"),
        (timedelta(days=52, hours=7), "52 天", "52 days"),
        (timedelta(days=81), "2个月3周", "2 months 3 weeks"),
        (timedelta(days=60), "2 个月", "2 months"),
        (timedelta(days=400), "1年1个月", "1 year 1 month"),
    ],
)
def test_durations_read_naturally(length, chinese, english):
    with translation.override("zh-hans"):
        assert natural_duration(length) == chinese
    with translation.override("en"):
        assert natural_duration(length) == english


def test_the_duration_filter_measures_between_two_moments():
    now = timezone.now()
    with translation.override("zh-hans"):
        assert duration(now - timedelta(days=52), now) == "52 天"
        assert duration(now + timedelta(hours=3), now) == "3 小时"
        assert duration(None, now) == ""


def test_the_supervision_list_says_how_long_overdue(client, city, dispatcher):
    sync_calendar_from_library([2026])
    ticket = dispatch_at(at(2026, 3, 2, 9), city, dispatcher)  # accept due 11:00
    client.force_login(dispatcher)

    with time_machine.travel(at(2026, 4, 23, 11), tick=False):
        html = get(client, "/dispatch/supervision/")

    assert ticket.number in html
    assert "已超期 52 天" in html
    assert " 月，" not in html


# --- the committed catalogues --------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
def test_the_committed_mo_matches_its_po(language):
    folder = Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES"
    po = polib.pofile(str(folder / "django.po"))
    mo = polib.mofile(str(folder / "django.mo"))

    def entries(catalogue):
        return {
            (e.msgctxt, e.msgid, e.msgstr, tuple(sorted(e.msgstr_plural.items())))
            for e in catalogue
            if e.msgid and (e.msgstr or e.msgstr_plural)
        }

    assert not po.fuzzy_entries(), "fuzzy entries are not compiled: review them"
    assert entries(mo) == entries(po), "run `make messages` to compile the catalogues"
    assert not [e.msgid for e in po.untranslated_entries()]
