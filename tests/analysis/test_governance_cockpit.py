"""The cockpit sections of proactive work and 每月一题, rendered as the cockpit includes them
(``{% include section.template with panel=section.context %}``)."""

from dataclasses import dataclass
from datetime import date

import time_machine
from django.template.loader import render_to_string

from analysis.cockpit_sections import cockpit_sections
from tests.analysis.test_proactive import create, dispatched_request, resolve
from tests.analysis.test_topics import API as TOPICS
from tests.analysis.test_topics import topic_body
from tests.api import client_for
from tests.evaluation import at


@dataclass(frozen=True)
class Period:  # what the cockpit passes: its selected period, ending on ``end``
    period: str
    end: date


def section(name: str):
    return next(s for s in cockpit_sections() if s.name == name)


def test_proactive_section_counts_this_month(city, dispatcher, unit_staff, leader, operator):
    with time_machine.travel(at(2026, 3, 5, 10), tick=False):
        sources = [dispatched_request(city, dispatcher) for _ in range(2)]
        first = create(city, dispatcher, sources[:1]).json()
        create(city, dispatcher, sources[1:])
        resolve(unit_staff, first["id"])
        context = section("proactive").context(leader, Period("month", date(2026, 3, 5)))
        html = render_to_string(section("proactive").template, {"panel": context})

    assert (context["counts"]["raised"], context["counts"]["resolved_in_period"]) == (2, 1)
    assert context["counts"]["open"] == 1
    assert "/analysis/proactive/?status=open" in html
    assert section("proactive").context(operator, None) is None
    assert (
        section("proactive").context(leader, Period("month", date(2026, 4, 1)))["counts"]["raised"]
        == 0
    )


def test_topic_section_shows_the_months_topic(city, leader, citizen):
    created = client_for(leader).post(TOPICS, topic_body(city), format="json").json()
    with time_machine.travel(at(2026, 3, 20), tick=False):
        context = section("monthly_topic").context(leader, Period("day", date(2026, 3, 20)))
        html = render_to_string(section("monthly_topic").template, {"panel": context})

    assert [item["topic"].pk for item in context["topics"]] == [created["id"]]
    assert f"/analysis/topics/{created['id']}/" in html
    assert section("monthly_topic").context(citizen, None) is None
    empty = section("monthly_topic").context(leader, Period("month", date(2026, 4, 30)))
    assert empty["topics"] == []
