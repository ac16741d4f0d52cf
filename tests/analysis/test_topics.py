"""每月一题: a leader opens a topic; the topic's tickets are those matching its categories or
keywords within its regions; the topic page counts them week by week before and since its month;
the units owning its problems report progress; past topics stay visible."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from analysis.models import MonthlyTopic, TopicProblem
from analysis.topics.selectors import topic_tickets, topic_volume
from tests.api import client_for
from tests.conftest import PASSWORD
from workorders.models import Channel, Status, Ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")
API = "/api/analysis/topics/"


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


_n = iter(range(1, 10_000))


def ticket(city, *, when, category=None, region=None, title="诉求", content="诉求内容", **fields):
    now = when
    return Ticket.objects.create(
        number=f"T{next(_n):06d}",
        query_code="ABCDEF",
        channel=fields.pop("channel", Channel.WEB),
        title=title,
        content=content,
        category=category,
        region=region,
        status=fields.pop("status", Status.CLOSED),
        registered_at=now,
        status_changed_at=now,
        **fields,
    )


def topic_body(city, **overrides) -> dict:
    return {
        "month": "2026-03",
        "title": "背街小巷路灯照明",
        "description": "路灯不亮集中反映",
        "categories": [city.municipal.pk],
        "regions": [city.haidian.pk],
        "keywords": ["路灯"],
        "lead_unit": city.urban_management.pk,
        "assist_units": [city.zhongguancun_office.pk],
        "goal": "路灯类诉求下降三成，主要路段全部亮灯",
        "target_reduction": 30,
        **overrides,
    }


@pytest.fixture
def topic(city, leader) -> MonthlyTopic:
    response = client_for(leader).post(API, topic_body(city), format="json")
    assert response.status_code == 201, response.content
    return MonthlyTopic.objects.get(pk=response.json()["id"])


def test_a_leader_opens_a_topic(city, leader, topic):
    detail = client_for(leader).get(f"{API}{topic.pk}/").json()

    assert detail["month"] == "2026-03"
    assert detail["lead_unit"]["name"] == "市城市管理委员会"
    assert [u["name"] for u in detail["assist_units"]] == ["中关村街道办事处"]
    assert detail["keywords"] == ["路灯"]
    assert detail["target_reduction"] == 30
    assert [c["name"] for c in detail["categories"]] == ["市政管理"]


def test_tickets_match_the_what_within_the_where(city, topic):
    inside = ticket(city, when=at(2026, 3, 3), category=city.street_light, region=city.keyuan)
    by_keyword = ticket(
        city, when=at(2026, 3, 3), category=city.water, region=city.zhongguancun, title="路灯闪烁"
    )
    elsewhere = ticket(city, when=at(2026, 3, 3), category=city.street_light, region=city.wangjing)
    other_problem = ticket(city, when=at(2026, 3, 3), category=city.wages, region=city.haidian)
    invalid = ticket(
        city,
        when=at(2026, 3, 3),
        category=city.street_light,
        region=city.haidian,
        status=Status.INVALID,
        invalid_reason="spam",
    )
    proactive = ticket(
        city,
        when=at(2026, 3, 3),
        category=city.street_light,
        region=city.haidian,
        channel=Channel.PROACTIVE,
    )

    found = set(topic_tickets(topic).values_list("pk", flat=True))

    assert found == {inside.pk, by_keyword.pk}
    assert not found & {elsewhere.pk, other_problem.pk, invalid.pk, proactive.pk}


def test_a_topic_of_keywords_only_matches_anywhere(city, leader):
    response = client_for(leader).post(
        API, topic_body(city, categories=[], regions=[], keywords=["欠薪"]), format="json"
    )
    topic = MonthlyTopic.objects.get(pk=response.json()["id"])
    hit = ticket(city, when=at(2026, 3, 3), content="工地欠薪三个月", region=city.wangjing)
    ticket(city, when=at(2026, 3, 3), content="路灯不亮", region=city.wangjing)

    assert list(topic_tickets(topic)) == [hit]


def test_weekly_volume_before_and_since_with_the_target(city, leader, topic):
    # Four weeks before March: 10 a week; since March 1st: 6 a week for two weeks.
    for week in range(4):
        for _ in range(10):
            ticket(
                city,
                when=at(2026, 2, 1, 10) + (at(2026, 2, 8) - at(2026, 2, 1)) * week,
                category=city.street_light,
                region=city.keyuan,
            )
    for day in (1, 8):
        for _ in range(6):
            ticket(city, when=at(2026, 3, day, 10), category=city.street_light, region=city.keyuan)

    with time_machine.travel(at(2026, 3, 15), tick=False):
        volume = topic_volume(topic=topic, weeks=4)
        api = client_for(leader).get(f"{API}{topic.pk}/volume/?weeks=4").json()

    assert [w["count"] for w in volume["weeks"]] == [10, 10, 10, 10, 6, 6]
    assert [w["phase"] for w in volume["weeks"]] == ["before"] * 4 + ["since"] * 2
    assert volume["weeks"][0]["start"] == date(2026, 2, 1)
    assert volume["weeks"][4]["start"] == date(2026, 3, 1)
    assert (volume["before_average"], volume["since_average"]) == (10.0, 6.0)
    assert volume["change_percent"] == -40.0
    assert (volume["target_average"], volume["target_met"]) == (7.0, True)
    assert api["weeks"][4] == {
        "start": "2026-03-01",
        "end": "2026-03-07",
        "count": 6,
        "phase": "since",
        "partial": False,
    }
    assert api["target_met"] is True


def test_bad_weeks_is_a_400(city, leader, topic):
    response = client_for(leader).get(f"{API}{topic.pk}/volume/?weeks=999")
    assert response.status_code == 400
    assert "weeks" in response.json()["fields"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"month": "2026-13"}, "month"),
        ({"month": "March"}, "month"),
        ({"title": ""}, "title"),
        ({"goal": ""}, "goal"),
        ({"lead_unit": 999999}, "lead_unit"),
        ({"categories": [999999]}, "categories"),
        ({"regions": [999999]}, "regions"),
        ({"assist_units": [999999]}, "assist_units"),
        ({"target_reduction": 150}, "target_reduction"),
        ({"categories": [], "regions": [], "keywords": []}, "categories"),
    ],
)
def test_bad_topic_input_is_a_400_and_writes_nothing(city, leader, change, field):
    response = client_for(leader).post(API, topic_body(city, **change), format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()["fields"]
    assert not MonthlyTopic.objects.exists()


def test_who_sees_and_edits(
    city,
    leader,
    admin_user,
    dispatcher,
    unit_staff,
    street_staff,
    other_unit_staff,
    operator,
    citizen,
    topic,
):
    url = f"{API}{topic.pk}/"
    assert client_for(dispatcher).post(API, topic_body(city), format="json").status_code == 403
    assert client_for(unit_staff).patch(url, {"title": "改题"}, format="json").status_code == 403
    assert (
        client_for(admin_user).patch(url, {"title": "背街小巷照明"}, format="json").json()["title"]
        == "背街小巷照明"
    )
    assert (
        client_for(leader)
        .patch(url, {"target_reduction": None}, format="json")
        .json()["target_reduction"]
        is None
    )
    # Dispatchers and the involved units see it; other units do not; other roles are refused.
    assert client_for(dispatcher).get(url).status_code == 200
    assert client_for(unit_staff).get(url).status_code == 200  # lead
    assert client_for(street_staff).get(url).status_code == 200  # assisting
    assert client_for(other_unit_staff).get(url).status_code == 404
    assert client_for(other_unit_staff).get(API).json() == []
    for user in (operator, citizen):
        assert client_for(user).get(url).status_code == 403
        assert client_for(user).get(API).status_code == 403


def test_problems_and_their_progress(city, leader, unit_staff, other_unit_staff, topic):
    problems = f"{API}{topic.pk}/problems/"
    response = client_for(leader).post(
        problems,
        {"title": "劳动路段路灯线路老化", "owner_unit": city.labour_bureau.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    problem = TopicProblem.objects.get(pk=response.json()["id"])
    # The lead unit may list problems too.
    assert (
        client_for(unit_staff)
        .post(
            problems,
            {"title": "科源社区灯杆缺失", "owner_unit": city.urban_management.pk},
            format="json",
        )
        .status_code
        == 201
    )

    # The owner unit (now involved, so it sees the topic) reports progress.
    update = f"{problems}{problem.pk}/"
    body = {"status": "in_progress", "note": "已完成线路排查，下周更换"}
    response = client_for(other_unit_staff).patch(update, body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_progress"
    assert [n["text"] for n in response.json()["notes"]][-1] == "已完成线路排查，下周更换"
    # Not the unit's problem: refused; no note, bad status: 400.
    assert client_for(unit_staff).patch(update, body, format="json").status_code == 403
    bad = client_for(other_unit_staff).patch(update, {"status": "done", "note": ""}, format="json")
    assert bad.status_code == 400 and "status" in bad.json()["fields"]
    empty = client_for(other_unit_staff).patch(
        update, {"status": "solved", "note": " "}, format="json"
    )
    assert empty.status_code == 400 and "note" in empty.json()["fields"]
    assert problem.notes.count() == 2


def test_the_pages_list_past_topics_and_show_the_volume(city, leader, unit_staff, topic):
    with time_machine.travel(at(2026, 5, 10), tick=False):
        current = client_for(leader).post(
            API, topic_body(city, month="2026-05", title="五月：停车难"), format="json"
        )
        assert current.status_code == 201
        page = Client()
        page.login(username=leader.username, password=PASSWORD)
        listing = page.get("/analysis/topics/")
        detail = page.get(f"/analysis/topics/{topic.pk}/")

    assert listing.status_code == 200
    assert [t.title for t in listing.context["current"]] == ["五月：停车难"]
    assert [t.title for t in listing.context["past"]] == ["背街小巷路灯照明"]
    assert detail.status_code == 200
    assert len(detail.context["volume"]["weeks"]) > 8
    assert 'id="topic-chart"' in detail.content.decode()


def test_the_form_pages(city, leader, unit_staff):
    page = Client()
    page.login(username=leader.username, password=PASSWORD)
    bad = page.post("/analysis/topics/new/", {"month": "x", "title": ""})
    assert bad.status_code == 400
    assert {"month", "title", "goal", "lead_unit"} <= set(bad.context["form"].errors)

    created = page.post(
        "/analysis/topics/new/",
        {
            "month": "2026-03",
            "title": "路灯照明",
            "keywords": "路灯\n灯不亮",
            "lead_unit": city.urban_management.pk,
            "goal": "主要路段全部亮灯",
            "categories": [city.street_light.pk],
        },
    )
    topic = MonthlyTopic.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/analysis/topics/{topic.pk}/"
    assert topic.keyword_list == ["路灯", "灯不亮"]

    staff = Client()
    staff.login(username=unit_staff.username, password=PASSWORD)
    assert staff.get("/analysis/topics/new/").status_code == 403
    assert staff.get(f"/analysis/topics/{topic.pk}/").status_code == 200
    added = page.post(
        f"/analysis/topics/{topic.pk}/problems/",
        {"title": "灯杆缺失", "owner_unit": city.urban_management.pk},
    )
    assert added.status_code == 302
    problem = topic.problems.get()
    moved = staff.post(
        f"/analysis/topics/{topic.pk}/problems/{problem.pk}/",
        {f"p{problem.pk}-status": "solved", f"p{problem.pk}-note": "已补齐灯杆"},
    )
    assert moved.status_code == 302
    problem.refresh_from_db()
    assert problem.status == "solved"


def test_without_history_the_target_is_undecided(city, topic):
    with time_machine.travel(at(2026, 3, 15), tick=False):
        volume = topic_volume(topic=topic, weeks=4)

    assert (volume["before_average"], volume["since_average"]) == (0.0, 0.0)
    assert (volume["change_percent"], volume["target_met"]) == (None, None)


def test_a_topic_of_a_future_month_has_no_weeks_since(city, leader):
    created = client_for(leader).post(API, topic_body(city, month="2026-06"), format="json")
    topic = MonthlyTopic.objects.get(pk=created.json()["id"])
    with time_machine.travel(at(2026, 5, 10), tick=False):
        volume = topic_volume(topic=topic, weeks=4)

    assert {w["phase"] for w in volume["weeks"]} == {"before"}
    assert volume["since_average"] is None
