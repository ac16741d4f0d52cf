"""Hotspots (四高) and clusters: the four kinds, distinct callers, the rules, the daily record,
the API and the page. The city of tests/conftest.py: 海淀区 › 中关村街道 › 科源社区, 朝阳区 › 望京街道."""

from datetime import datetime, time, timedelta
from itertools import count

import pytest
from django.urls import reverse
from django.utils import timezone

from analysis.cockpit_sections import cockpit_sections
from analysis.hotspots import services, tasks
from analysis.hotspots.clusters import find_clusters
from analysis.hotspots.detection import Period, detect, normalise_address
from analysis.models import HotspotKind, HotspotRecord, HotspotSettings, HotspotSettingsVersion
from tests.api import client_for
from workorders.models import Channel, Status, Ticket, Urgency

END = timezone.localdate() - timedelta(days=1)
_numbers = count(1)
_phones = count(1)


def phone() -> str:
    return f"138{next(_phones):08d}"


def ticket(category, region, *, day, caller=None, text="路灯不亮，晚上很黑", address="", **extra):
    at = datetime.combine(day, time(10, 0), tzinfo=timezone.get_current_timezone())
    return Ticket.objects.create(
        number=f"T{next(_numbers):08d}",
        query_code="123456",
        channel=extra.pop("channel", Channel.PHONE),
        title=extra.pop("title", text[:20]),
        content=text,
        address=address,
        region=region,
        category=category,
        citizen_phone=phone() if caller is None else caller,
        status=extra.pop("status", Status.CLOSED),
        registered_at=at,
        status_changed_at=at,
        **extra,
    )


def baseline(category, region, per_week: int = 1, weeks: int = 8):
    """``per_week`` distinct callers on the period's weekday of each of the previous weeks."""
    for week in range(1, weeks + 1):
        for _ in range(per_week):
            ticket(category, region, day=END - timedelta(days=7 * week))


def kinds(detection, kind):
    return [h for h in detection.hotspots if h.kind == kind]


def cells(detection, kind):
    return {h.cell for h in kinds(detection, kind)}


@pytest.fixture
def quiet_city(city):
    """Every cell with a steady history, so the tests below change one thing."""
    for category, region in [
        (city.street_light, city.keyuan),
        (city.wages, city.wangjing),
        (city.water, city.zhongguancun),
    ]:
        baseline(category, region, per_week=2)
        for _ in range(2):
            ticket(category, region, day=END)
    return city


# --- surging and distinct callers ----------------------------------------------------------------


def test_a_surge_is_found_in_its_own_cell_and_not_echoed_above(quiet_city):
    city = quiet_city
    for _ in range(20):
        ticket(city.street_light, city.keyuan, day=END)
    detection = detect(Period(END, 1))
    surging = kinds(detection, HotspotKind.SURGING)
    assert (city.street_light.pk, city.keyuan.pk) in cells(detection, HotspotKind.SURGING)
    hit = next(h for h in surging if h.cell == (city.street_light.pk, city.keyuan.pk))
    assert hit.count == 22 and hit.expected == pytest.approx(2.0)
    assert hit.q_value is not None and hit.q_value <= 0.05 and hit.score > 3
    # Its street, district and parent categories surge only because of it: left out.
    assert all(h.cell[1] == city.keyuan.pk for h in surging)
    assert all(h.cell[0] == city.street_light.pk for h in surging)
    # The steady cells are not reported.
    assert (city.wages.pk, city.wangjing.pk) not in cells(detection, HotspotKind.SURGING)


def test_one_person_calling_twenty_times_is_not_a_surge(quiet_city):
    city = quiet_city
    caller = phone()
    for _ in range(20):
        ticket(city.street_light, city.keyuan, day=END, caller=caller)
    assert not cells(detect(Period(END, 1)), HotspotKind.SURGING)
    # Counting tickets instead (an administrator's choice) makes it one.
    rules = HotspotSettings.current()
    rules.count_distinct_callers = False
    rules.save()
    assert cells(detect(Period(END, 1)), HotspotKind.SURGING)


def test_anonymous_tickets_count_one_each(quiet_city):
    city = quiet_city
    for _ in range(20):
        ticket(city.street_light, city.keyuan, day=END, caller="")
    assert (city.street_light.pk, city.keyuan.pk) in cells(
        detect(Period(END, 1)), HotspotKind.SURGING
    )


def test_a_usual_busy_cell_is_not_a_surge_and_weekdays_compare_with_weekdays(city):
    # 20 a day on this weekday for eight weeks, nothing on the other days: 20 today is usual.
    baseline(city.street_light, city.keyuan, per_week=20)
    for _ in range(20):
        ticket(city.street_light, city.keyuan, day=END)
    for day in range(1, 7):
        ticket(city.wages, city.wangjing, day=END - timedelta(days=day))
    assert not cells(detect(Period(END, 1)), HotspotKind.SURGING)


def test_rules_change_the_result(quiet_city):
    city = quiet_city
    for _ in range(13):
        ticket(city.street_light, city.keyuan, day=END)
    assert cells(detect(Period(END, 1)), HotspotKind.SURGING)
    rules = HotspotSettings.current()
    rules.surge_min_count = 30
    rules.save()
    assert not cells(detect(Period(END, 1)), HotspotKind.SURGING)
    rules.surge_min_count = 12
    rules.surge_min_ratio = 10.0  # 15 against 2 is 7.5 times
    rules.save()
    assert not cells(detect(Period(END, 1)), HotspotKind.SURGING)


def test_a_week_is_compared_with_previous_weeks(quiet_city):
    city = quiet_city
    for day in range(7):
        for _ in range(3):
            ticket(city.wages, city.wangjing, day=END - timedelta(days=day))
    detection = detect(Period(END, 7))
    assert detection.period.lag == 7
    assert (city.wages.pk, city.wangjing.pk) in cells(detection, HotspotKind.SURGING)


# --- the other kinds --------------------------------------------------------------------------------


def test_frequent_lists_the_top_cells_at_the_configured_levels(quiet_city):
    city = quiet_city
    for _ in range(14):
        ticket(city.water, city.zhongguancun, day=END)
    rules = HotspotSettings.current()
    rules.frequent_min_count = 12
    rules.frequent_region_level = 2
    rules.frequent_category_level = 2
    rules.save()
    frequent = kinds(detect(Period(END, 1)), HotspotKind.FREQUENT)
    assert [h.cell for h in frequent] == [(city.water.pk, city.zhongguancun.pk)]
    rules.frequent_min_count = 50
    rules.save()
    assert not kinds(detect(Period(END, 1)), HotspotKind.FREQUENT)


def test_concentrated_many_callers_from_one_building(quiet_city):
    city = quiet_city
    for index in range(6):
        spelled = "科源社区 3号楼" if index % 2 else "科源社区３号楼门口"
        ticket(city.street_light, city.keyuan, day=END, address=spelled)
    concentrated = kinds(detect(Period(END, 1)), HotspotKind.CONCENTRATED)
    assert len(concentrated) == 1
    spot = concentrated[0]
    assert spot.cell == (city.street_light.pk, city.keyuan.pk)
    assert spot.count == 6 and spot.spot == normalise_address("科源社区3号楼")
    # One caller six times is one caller.
    rules = HotspotSettings.current()
    rules.concentrated_min_callers = 7
    rules.save()
    assert not kinds(detect(Period(END, 1)), HotspotKind.CONCENTRATED)


def test_concentrated_by_point(quiet_city):
    city = quiet_city
    for index in range(5):
        ticket(
            city.water,
            city.zhongguancun,
            day=END,
            latitude=f"39.9800{index}1",  # within a few metres
            longitude="116.310001",
        )
    concentrated = kinds(detect(Period(END, 1)), HotspotKind.CONCENTRATED)
    assert [(h.cell, h.spot) for h in concentrated] == [((city.water.pk, city.zhongguancun.pk), "")]


def test_address_normalisation_keeps_building_numbers():
    assert normalise_address("科源社区 3号楼门口") == normalise_address("科源社区３号楼")
    assert normalise_address("科源社区3号楼") != normalise_address("科源社区5号楼")


def test_dangerous_urgent_tickets_rising(quiet_city):
    city = quiet_city
    for _ in range(4):
        ticket(city.wages, city.wangjing, day=END, urgency=Urgency.URGENT)
    detection = detect(Period(END, 1))
    assert (city.wages.pk, city.wangjing.pk) in cells(detection, HotspotKind.DANGEROUS)
    # Four more wage calls are not a surge by the surging rules.
    assert not cells(detection, HotspotKind.SURGING)


def test_dangerous_categories_count_every_ticket(quiet_city):
    city = quiet_city
    for _ in range(5):
        ticket(city.water, city.zhongguancun, day=END)
    assert not cells(detect(Period(END, 1)), HotspotKind.DANGEROUS)
    rules = HotspotSettings.current()
    rules.dangerous_categories.add(city.water)
    assert (city.water.pk, city.zhongguancun.pk) in cells(
        detect(Period(END, 1)), HotspotKind.DANGEROUS
    )


# --- clusters ----------------------------------------------------------------------------------------

CALLS = [
    "科源社区5号楼门前的路灯不亮了，晚上很黑",
    "反映科源社区5号楼路灯不亮，晚上出行不便",
    "科源社区5号楼附近路灯坏了不亮好几天",
    "我家楼下路灯不亮，地点科源社区5号楼",
]


def test_the_same_problem_at_the_same_spot_is_one_cluster(city):
    same = [
        ticket(city.street_light, city.keyuan, day=END, text=text, address="科源社区5号楼")
        for text in CALLS
    ]
    ticket(city.street_light, city.keyuan, day=END, text=CALLS[0], address="科源社区南花园")
    ticket(
        city.wages, city.keyuan, day=END, text="科源社区5号楼工地拖欠工资", address="科源社区5号楼"
    )
    still_open = ticket(  # older than the window, but nobody solved it yet
        city.street_light,
        city.keyuan,
        day=END - timedelta(days=15),
        text=CALLS[2],
        address="科源社区5号楼",
        status=Status.DISPATCHED,
    )
    same.append(still_open)
    # The proactive work order raised about them answers the cluster; it is not one of its calls.
    ticket(
        city.street_light,
        city.keyuan,
        day=END,
        text=CALLS[0],
        address="科源社区5号楼",
        channel=Channel.PROACTIVE,
        caller="",
        status=Status.DISPATCHED,
    )
    ticket(  # too old for the window
        city.street_light,
        city.keyuan,
        day=END - timedelta(days=20),
        text=CALLS[1],
        address="科源社区5号楼",
    )
    clusters = find_clusters(Period(END, 7))
    assert len(clusters) == 1
    assert sorted(clusters[0].numbers) == sorted(t.number for t in same)
    assert clusters[0].region_id == city.keyuan.pk
    assert "科源社区5号楼" in clusters[0].summary


def test_cluster_rules_apply(city):
    for text in CALLS[:3]:
        ticket(city.street_light, city.keyuan, day=END, text=text, address="科源社区5号楼")
    assert len(find_clusters(Period(END, 7))) == 1
    rules = HotspotSettings.current()
    rules.cluster_min_size = 4
    rules.save()
    assert find_clusters(Period(END, 7)) == []


# --- the daily record ------------------------------------------------------------------------------


def test_the_daily_task_is_idempotent_per_day(quiet_city):
    city = quiet_city
    for _ in range(20):
        ticket(city.street_light, city.keyuan, day=END)
    first = tasks.record_hotspots.apply(kwargs={"day": END.isoformat()}).get()
    assert first > 0
    rows = list(HotspotRecord.objects.filter(day=END).values_list("kind", "category", "region"))
    assert tasks.record_hotspots.apply(kwargs={"day": END.isoformat()}).get() == first
    again = list(HotspotRecord.objects.filter(day=END).values_list("kind", "category", "region"))
    assert sorted(again) == sorted(rows) and len(again) == first
    assert HotspotRecord.objects.filter(day=END, kind=HotspotKind.SURGING).exists()


def test_the_task_is_in_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["record-hotspots"]
    assert entry["task"] == tasks.record_hotspots.name


def test_history_tells_when_a_hotspot_started(quiet_city):
    city = quiet_city
    for _ in range(20):
        ticket(city.street_light, city.keyuan, day=END)
    common = {
        "period_days": 1,
        "kind": HotspotKind.SURGING,
        "category": city.street_light,
        "region": city.keyuan,
        "expected": 2,
        "score": 5,
        "recorded_at": timezone.now(),
    }
    for back, number in [(1, 30), (2, 25)]:
        HotspotRecord.objects.create(day=END - timedelta(days=back), count=number, **common)
    from analysis.hotspots.selectors import histories

    detection = detect(Period(END, 1))
    hit = next(h for h in detection.hotspots if h.kind == HotspotKind.SURGING)
    past = histories([hit], Period(END, 1))[(HotspotKind.SURGING.value, *hit.cell, "")]
    assert past.started_on == END - timedelta(days=2)
    assert past.days_active == 3
    assert past.trend == "falling"  # 22 today after 30
    # Records of 7-day periods do not make the history of a 1-day one, nor the reverse.
    assert histories([hit], Period(END, 7))[(HotspotKind.SURGING.value, *hit.cell, "")].trend == (
        "new"
    )


def test_a_platform_with_only_todays_tickets(city, leader):
    for _ in range(30):
        ticket(city.street_light, city.keyuan, day=END)
    detection = detect(Period(END, 1))
    assert not kinds(detection, HotspotKind.SURGING)
    assert kinds(detection, HotspotKind.FREQUENT)  # the volume ranking needs no history
    response = client_for(leader).get(f"/api/analysis/hotspots/?end={END}&days=1")
    assert response.status_code == 200
    empty = client_for(leader).get(f"/api/analysis/hotspots/?end={END - timedelta(days=40)}")
    assert empty.status_code == 200 and empty.json()["surges"] == []


def test_baseline_periods_before_the_first_ticket_do_not_count_as_quiet(city):
    # Ten weeks of one caller a day: a 30-day period has one whole baseline period before it,
    # too little to claim a surge; the months before the history are not zeros.
    for back in range(70):
        ticket(city.street_light, city.keyuan, day=END - timedelta(days=back))
    month = detect(Period(END, 30))
    assert not kinds(month, HotspotKind.SURGING)
    assert not kinds(detect(Period(END, 7)), HotspotKind.SURGING)


# --- the rules in the admin -----------------------------------------------------------------------


def test_admin_edits_the_rules_and_keeps_who_and_the_old_values(client, db):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", "root@example.org", "x")
    client.force_login(root)
    admin_client = client
    rules = HotspotSettings.current()
    url = reverse("admin:analysis_hotspotsettings_change", args=[rules.pk])
    form = admin_client.get(url)
    assert form.status_code == 200
    data = {name: value for name, value in rules.values().items() if name != "dangerous_categories"}
    data["count_distinct_callers"] = "on"
    data["surge_min_count"] = 20
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    rules.refresh_from_db()
    assert rules.surge_min_count == 20
    assert rules.updated_by == root
    version = HotspotSettingsVersion.objects.get()
    assert version.values["surge_min_count"] == 12
    assert admin_client.get(reverse("admin:analysis_hotspotsettings_changelist")).status_code == 302


# --- API ----------------------------------------------------------------------------------------------


def test_api_answers_the_contract(quiet_city, leader, dispatcher):
    city = quiet_city
    for _ in range(20):
        ticket(city.street_light, city.keyuan, day=END)
    for text in CALLS:
        ticket(city.street_light, city.keyuan, day=END, text=text, address="科源社区5号楼")
    for user in (leader, dispatcher):
        response = client_for(user).get(f"/api/analysis/hotspots/?end={END}&days=1")
        assert response.status_code == 200
        body = response.json()
        surge = next(s for s in body["surges"] if s["kind"] == "surging")
        assert set(surge) >= {"category", "region", "count", "expected", "score", "kind"}
        assert surge["category"] == {
            "id": city.street_light.pk,
            "name": "路灯",
            "full_name": "城乡建设 › 市政管理 › 路灯",
            "level": 3,
        }
        assert surge["region"]["full_name"] == "海淀区 › 中关村街道 › 科源社区"
        assert surge["count"] == 26  # 2 + 20 + the 4 calls of the cluster
        assert {s["kind"] for s in body["surges"]} <= {
            "surging",
            "frequent",
            "concentrated",
            "dangerous",
        }
        cluster = body["clusters"][0]
        assert len(cluster["tickets"]) == 4 and all(n.startswith("T") for n in cluster["tickets"])
        assert cluster["region"]["id"] == city.keyuan.pk and set(cluster["region"]) >= {
            "id",
            "name",
            "full_name",
        }
        assert cluster["summary"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("end=2026-02-30&days=7", "end"),
        ("end=yesterday&days=7", "end"),
        ("days=0", "days"),
        ("days=-3", "days"),
        ("days=367", "days"),
        ("days=abc", "days"),
        ("end=2999-01-01", "end"),
        ("end=0001-01-01&days=366", "end"),
        ("days=99999999999999999999999", "days"),
        ("days=7.5", "days"),
    ],
)
def test_api_bad_periods_are_a_clear_400(leader, query, field):
    response = client_for(leader).get(f"/api/analysis/hotspots/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_input" and field in body["fields"]
    english = client_for(leader).get(f"/api/analysis/hotspots/?{query}", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400


def test_api_is_for_leaders_and_dispatchers(db, citizen, operator, unit_staff, follow_up_agent):
    for user in (citizen, operator, unit_staff, follow_up_agent):
        response = client_for(user).get("/api/analysis/hotspots/?days=abc")
        assert response.status_code == 403  # the role first: bad dates tell a stranger nothing
        assert response.json()["code"] == "forbidden"
    anonymous = client_for().get("/api/analysis/hotspots/")
    assert anonymous.status_code == 401


def test_api_is_in_the_schema(db):
    from rest_framework.test import APIClient

    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/analysis/hotspots/"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"end", "days"}
    assert "400" in operation["responses"] and "403" in operation["responses"]


# --- the page and the cockpit section ---------------------------------------------------------


def test_page_lists_hotspots_history_and_clusters_with_a_proactive_link(client, quiet_city, leader):
    city = quiet_city
    for _ in range(20):
        ticket(city.street_light, city.keyuan, day=END)
    same = [
        ticket(city.street_light, city.keyuan, day=END, text=text, address="科源社区5号楼")
        for text in CALLS
    ]
    client.force_login(leader)
    response = client.get(f"/analysis/hotspots/?end={END}&days=1")
    assert response.status_code == 200
    page = response.content.decode()
    assert "数量高企" in page and "科源社区" in page
    assert reverse("ticket_detail", args=[same[0].pk]) in page
    assert "/analysis/proactive/new/?tickets=" in page
    assert ",".join(sorted(t.number for t in same)).replace(",", "%2C") in page or all(
        t.number in page for t in same
    )


def test_page_forbidden_and_bad_input(client, unit_staff, dispatcher):
    assert client.get("/analysis/hotspots/").status_code == 302  # to the sign-in page
    client.force_login(unit_staff)
    assert client.get("/analysis/hotspots/").status_code == 403
    client.force_login(dispatcher)
    assert client.get("/analysis/hotspots/").status_code == 200
    bad = client.get("/analysis/hotspots/?end=2026-13-01")
    assert bad.status_code == 400 and "日期" in bad.content.decode()


def test_the_cockpit_section(quiet_city, leader, unit_staff):
    from django.template.loader import render_to_string

    city = quiet_city
    for _ in range(20):
        ticket(city.street_light, city.keyuan, day=END)
    section = next(s for s in cockpit_sections() if s.name == "hotspots")
    assert section.context(unit_staff, None) is None
    context = section.context(leader, None)
    assert context["hotspots"]
    # Rendered as the cockpit renders every section: its context under ``panel``.
    html = render_to_string(section.template, {"panel": context})
    assert "当前热点与聚类" in html and "科源社区" in html
    assert END.isoformat() in html  # the period the figures are for, not an empty "—"


def test_services_record_day_defaults_to_yesterday(quiet_city):
    services.record_day()
    assert set(HotspotRecord.objects.values_list("day", flat=True)) <= {END}


def test_reports_are_cached_until_the_rules_change(quiet_city, leader, settings):
    from analysis.hotspots.selectors import report

    city = quiet_city
    settings.HOTSPOT_CACHE_SECONDS = 300
    first = report(user=leader, end=str(END), days="1")
    for _ in range(20):
        ticket(city.street_light, city.keyuan, day=END)
    cached = report(user=leader, end=str(END), days="1")
    assert [h.cell for h in cached.detection.hotspots] == [h.cell for h in first.detection.hotspots]
    rules = HotspotSettings.current()
    rules.save()  # any edit: updated_at moves
    fresh = report(user=leader, end=str(END), days="1")
    assert (city.street_light.pk, city.keyuan.pk) in cells(fresh.detection, HotspotKind.SURGING)
    settings.HOTSPOT_CACHE_SECONDS = 0
    assert report(user=leader, end=str(END), days="1").detection.hotspots


def test_record_hotspots_command_backfills_days(quiet_city):
    from io import StringIO

    from django.core.management import CommandError, call_command

    for _ in range(20):
        ticket(quiet_city.street_light, quiet_city.keyuan, day=END)
    out = StringIO()
    call_command("record_hotspots", "--day", END.isoformat(), "--backfill", "3", stdout=out)
    assert out.getvalue().count("hotspots") == 3
    days = set(HotspotRecord.objects.values_list("day", flat=True))
    assert END in days and days <= {END - timedelta(days=n) for n in range(3)}
    for bad in (
        ["--day", "2026-02-30"],
        ["--day", timezone.localdate().isoformat()],
        ["--backfill", "0"],
    ):
        with pytest.raises(CommandError):
            call_command("record_hotspots", *bad)
