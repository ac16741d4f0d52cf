"""The leaders' cockpit: its counts against hand-made tickets, the same period last year, the
category drill-down, who may see it, the export, the API's 400s and the registered sections."""

import io
from datetime import date, datetime, time

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from analysis import cockpit
from analysis.cockpit_sections import _SECTIONS, CockpitSection, register_cockpit_sections
from analysis.models import DailyVolume, RolledUpDay
from analysis.rollup import refresh_recent
from tests.conftest import PASSWORD, make_user
from tests.pages import registered
from workorders.models import Category, Role, Ticket

TODAY = date(2026, 6, 15)
NOW = timezone.make_aware(datetime.combine(TODAY, time(15, 0)))


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def ticket(*, day: date, category=None, region=None, channel="web", hour: int = 10) -> Ticket:
    made = registered()
    Ticket.objects.filter(pk=made.pk).update(
        registered_at=at(day, hour), category=category, region=region, channel=channel
    )
    return made


@pytest.fixture
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)
    return NOW


@pytest.fixture
def tickets(city, frozen):
    """June 2026 and June 2025, by hand: what each figure must count."""
    june = [
        ticket(day=date(2026, 6, 1), category=city.street_light, region=city.keyuan),
        ticket(day=date(2026, 6, 9), category=city.street_light, region=city.zhongguancun),
        ticket(day=date(2026, 6, 10), category=city.water, region=city.wangjing, channel="phone"),
        ticket(day=date(2026, 6, 14), category=city.wages, region=city.haidian, channel="phone"),
        # Today: counted live, not from the rollup.
        ticket(day=TODAY, category=city.wages, region=None, channel="app", hour=9),
        ticket(day=TODAY, category=None, region=city.keyuan, hour=14),
    ]
    last_year = [
        ticket(day=date(2025, 6, 3), category=city.street_light, region=city.keyuan),
        ticket(day=date(2025, 6, 15), category=city.water, region=city.wangjing),
        # After the same day of last June: outside "June up to the 15th".
        ticket(day=date(2025, 6, 20), category=city.water, region=city.wangjing),
    ]
    ticket(day=date(2026, 5, 31), category=city.water, region=city.wangjing)
    return {"june": june, "last_year": last_year}


def data_for(user, period="month", end=None):
    return cockpit.cockpit_data(
        user=user, period=cockpit.cockpit_period(period=period, end=end, today=TODAY), now=NOW
    )


def by(rows, key, value):
    return next(row for row in rows if row[key] == value)


def test_month_counts_against_hand_made_tickets(tickets, leader, city):
    data = data_for(leader)
    assert (data["start"], data["end"]) == ("2026-06-01", "2026-06-15")
    assert data["total"]["count"] == 6
    assert data["total"]["last_year"] == 2  # 3 and 15 June 2025, not the 20th
    assert data["total"]["change"] == 200.0
    channels = {row["value"]: row["count"] for row in data["channels"]}
    # Proactive work orders are a channel of their own (none here).
    assert channels == {"web": 3, "phone": 2, "app": 1, "api": 0, "proactive": 0}
    regions = data["regions"]
    assert by(regions["districts"], "name", "海淀区")["count"] == 4  # keyuan ×2, zgc, haidian
    assert by(regions["districts"], "name", "朝阳区")["count"] == 1
    assert by(regions["streets"], "name", "中关村街道")["count"] == 3  # its community folded in
    assert by(regions["streets"], "name", "望京街道")["count"] == 1
    assert regions["unlocated"] == 1


def test_category_tree_counts_children_and_drills_down(tickets, leader, city):
    tree = data_for(leader)["categories"]
    building = by(tree, "name", "城乡建设")
    assert building["count"] == 3
    municipal = by(building["children"], "name", "市政管理")
    assert municipal["count"] == 2
    assert [c["name"] for c in municipal["children"]] == ["路灯"]
    assert by(building["children"], "name", "供水")["count"] == 1
    assert by(tree, "name", "劳动和社会保障")["count"] == 2
    assert by(tree, "name", "未分类")["count"] == 1
    # A category with no ticket in the window is left out below the top level.
    Category.objects.create(name="燃气", parent=city.municipal.parent)
    tree = data_for(leader)["categories"]
    assert "燃气" not in [c["name"] for c in by(tree, "name", "城乡建设")["children"]]


def test_trend_has_the_same_period_last_year(tickets, leader):
    trend = data_for(leader)["trend"]
    assert len(trend) == 12
    june = trend[-1]
    assert (june["label"], june["count"]) == ("2026-06", 6)
    assert (june["last_year"]["start"], june["last_year"]["end"]) == ("2025-06-01", "2025-06-15")
    assert june["last_year"]["count"] == 2
    may = trend[-2]
    assert (may["start"], may["end"], may["count"]) == ("2026-05-01", "2026-05-31", 1)
    days = data_for(leader, period="day")["trend"]
    assert len(days) == 30 and days[-1]["count"] == 2 and days[-2]["count"] == 1
    assert days[-1]["last_year"]["start"] == "2025-06-15" and days[-1]["last_year"]["count"] == 1
    weeks = data_for(leader, period="week")["trend"]
    # 52 weeks back: the same weekdays (2025-06-10 … 2025-06-16).
    assert weeks[-1]["last_year"]["start"] == "2025-06-10"
    assert weeks[-1]["count"] == 5 and weeks[-1]["last_year"]["count"] == 1


def test_week_and_day_windows(tickets, leader):
    week = data_for(leader, period="week")
    assert (week["start"], week["end"], week["total"]["count"]) == ("2026-06-09", "2026-06-15", 5)
    day = data_for(leader, period="day", end="2026-06-10")
    assert day["total"]["count"] == 1 and day["channels"][0]["value"] == "phone"


def test_past_days_come_from_the_rollup_and_today_stays_live(tickets, leader, city):
    data_for(leader)
    assert RolledUpDay.objects.filter(day=date(2026, 6, 14)).exists()
    assert not RolledUpDay.objects.filter(day=TODAY).exists()
    assert not DailyVolume.objects.filter(day=TODAY).exists()
    # A new ticket today shows at once.
    ticket(day=TODAY, category=city.water, region=city.wangjing, hour=11)
    assert data_for(leader)["total"]["count"] == 7
    # A reclassified past ticket changes the rollup only when it is refreshed (nightly).
    moved = tickets["june"][1]
    Ticket.objects.filter(pk=moved.pk).update(category=city.water)
    before = by(data_for(leader)["categories"], "name", "城乡建设")["children"]
    assert by(before, "name", "市政管理")["count"] == 2
    refresh_recent(days=7, now=NOW)
    after = by(data_for(leader)["categories"], "name", "城乡建设")["children"]
    assert by(after, "name", "市政管理")["count"] == 1
    assert by(after, "name", "供水")["count"] == 3  # 10 June, the moved one, today's


def test_every_figure_links_to_its_tickets(tickets, leader, city, client):
    data = data_for(leader)
    street = by(data["regions"]["streets"], "name", "中关村街道")
    client.force_login(leader)
    response = client.get(street["url"])
    assert response.status_code == 200
    assert response.context["page"].paginator.count == street["count"] == 3
    phone = by(data["channels"], "value", "phone")
    assert client.get(phone["url"]).context["page"].paginator.count == 2
    water = by(by(data["categories"], "name", "城乡建设")["children"], "name", "供水")
    assert client.get(water["url"]).context["page"].paginator.count == 1
    may = data["trend"][-2]
    assert client.get(may["url"]).context["page"].paginator.count == may["count"] == 1
    assert client.get(data["total"]["url"]).context["page"].paginator.count == 6


def test_lights_count_open_tickets_now(city, dispatcher, leader, frozen):
    from tests.pages import dispatched

    dispatched(city, dispatcher)
    lights = {row["light"]: row["count"] for row in data_for(leader)["lights"]}
    assert sum(lights.values()) == 1 and lights["red"] == 0


@pytest.mark.parametrize("role", [Role.LEADER, Role.DISPATCHER, Role.ADMIN])
def test_center_roles_see_the_cockpit(client, city, role, frozen):
    user = make_user(f"u-{role}", role)
    client.force_login(user)
    response = client.get("/analysis/cockpit/")
    assert response.status_code == 200
    assert b'id="cockpit-data"' in response.content
    assert client.get("/api/analysis/cockpit/").status_code == 200
    assert client.get("/analysis/cockpit/export.xlsx").status_code == 200


@pytest.mark.parametrize(
    "role", [Role.UNIT_STAFF, Role.OPERATOR, Role.CITIZEN, Role.FOLLOW_UP_AGENT]
)
def test_other_roles_get_403(client, city, role, frozen):
    unit = city.urban_management if role == Role.UNIT_STAFF else None
    client.force_login(make_user(f"u-{role}", role, unit=unit))
    for path in (
        "/analysis/cockpit/",
        "/analysis/cockpit/export.xlsx",
        "/analysis/cockpit/map.json",
    ):
        assert client.get(path).status_code == 403, path
    response = client.get("/api/analysis/cockpit/")
    assert response.status_code == 403
    assert set(response.json()) == {"code", "message", "fields"}


def test_anonymous_is_sent_to_sign_in(client, db):
    assert client.get("/analysis/cockpit/").status_code == 302
    assert client.get("/api/analysis/cockpit/").status_code == 401


def test_leader_lands_on_the_cockpit_and_the_old_overview_redirects(client, leader):
    response = client.post("/accounts/login/", {"username": leader.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/analysis/cockpit/"
    response = client.get("/overview/")
    assert response.status_code == 302 and response["Location"] == "/analysis/cockpit/"
    page = client.get("/analysis/cockpit/").content.decode()
    assert 'href="/overview/"' not in page  # the menu offers the cockpit instead


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("end=2026-02-30", "end"),
        ("end=yesterday", "end"),
        ("end=2026-06-16", "end"),  # tomorrow
        ("end=1999-12-31", "end"),
        ("period=year", "period"),
    ],
)
def test_api_rejects_impossible_dates_and_periods(client, leader, frozen, query, field):
    client.force_login(leader)
    response = client.get(f"/api/analysis/cockpit/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_input" and field in body["fields"]
    assert client.get(f"/analysis/cockpit/?{query}").status_code == 400


def test_api_answers_the_page_data(client, tickets, leader):
    client.force_login(leader)
    body = client.get("/api/analysis/cockpit/?period=week&end=2026-06-15").json()
    assert body["total"]["count"] == 5 and body["period"] == "week"
    assert {"trend", "channels", "categories", "regions", "lights", "evaluation"} <= set(body)


def test_export_has_one_sheet_per_figure(client, tickets, leader):
    client.force_login(leader)
    response = client.get("/analysis/cockpit/export.xlsx?period=month&end=2026-06-15")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "概况",
        "诉求量趋势",
        "渠道",
        "分类",
        "区",
        "街道乡镇",
        "在办工单亮灯",
        "考核三率与排名",
    ]
    assert book["概况"]["B5"].value == 6
    trend = list(book["诉求量趋势"].iter_rows(values_only=True))
    assert trend[-1][:5] == ("2026-06", "2026-06-01", "2026-06-15", 6, 2)
    categories = dict(book["分类"].iter_rows(min_row=2, values_only=True))
    assert categories["城乡建设 › 市政管理 › 路灯"] == 2


@pytest.fixture
def section():
    def context(user, period):
        if period.period == "day":
            return None
        return {"title": "本月热点", "since": period.start.isoformat()}

    register_cockpit_sections(
        CockpitSection(
            name="test-hotspots", template="analysis/tests/_section.html", context=context
        )
    )
    yield
    _SECTIONS.pop("test-hotspots", None)


def test_registered_sections_render_with_the_period(
    client, leader, frozen, section, settings, tmp_path
):
    (tmp_path / "analysis" / "tests").mkdir(parents=True)
    (tmp_path / "analysis" / "tests" / "_section.html").write_text(
        '<h2 class="test-section">{{ panel.title }} {{ panel.since }}</h2>', encoding="utf-8"
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    client.force_login(leader)
    page = client.get("/analysis/cockpit/?period=month&end=2026-06-10").content.decode()
    assert '<h2 class="test-section">本月热点 2026-06-01</h2>' in page
    assert 'id="section-test-hotspots"' in page
    # A section whose context is None is left out.
    page = client.get("/analysis/cockpit/?period=day").content.decode()
    assert "test-section" not in page


def test_day_before_the_window_is_not_counted(tickets, leader):
    assert data_for(leader, period="day", end="2026-06-01")["total"]["count"] == 1
    assert data_for(leader, end="2026-05-31")["total"]["count"] == 1
    assert date.fromisoformat(data_for(leader, end="2026-05-31")["start"]) == date(2026, 5, 1)


def test_the_endpoint_is_in_the_schema(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    get = schema["paths"]["/api/analysis/cockpit/"]["get"]
    assert {p["name"] for p in get["parameters"]} == {"period", "end"}
    assert {"200", "400", "401", "403"} <= set(get["responses"])


def test_rollup_command_dry_run_and_refresh(tickets, capsys):
    from django.core.management import call_command

    call_command("rollup_volumes", "--since", "2026-06-01", "--dry-run")
    assert "would recompute 2026-06-01" in capsys.readouterr().out
    assert not RolledUpDay.objects.exists()
    call_command("rollup_volumes", "--since", "2026-06-01")
    assert RolledUpDay.objects.get(day=date(2026, 6, 14)).total == 1
    assert not RolledUpDay.objects.filter(day=TODAY).exists()
