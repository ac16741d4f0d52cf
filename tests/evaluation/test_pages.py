"""The evaluation pages as leaders, units, dispatchers and agents use them: rankings (live and
published), the tickets behind a figure, exports that open in Excel, closing a month, exemptions,
the agent's call form and the citizen's survey."""

import csv
import io

import pytest
import time_machine
from openpyxl import load_workbook

from evaluation.models import MonthlySnapshot
from evaluation.services import follow_up_open, month_close
from tests.evaluation import (
    answered,
    at,
    event,
    link_of,
    month,
    plain_ticket,
    record,
    resolved_in_follow_up,
)
from workorders import services
from workorders.models import EventKind

pytestmark = pytest.mark.usefixtures("april")


@pytest.fixture
def april():
    with time_machine.travel(at(2026, 4, 5, 10), tick=False):
        yield


@pytest.fixture
def march(city):
    """市人社局 100 (2 of 2 solved); 城管委 70.00 (2 of 3 solved and satisfied), one red ticket;
    March not closed."""
    urban, labour = city.urban_management, city.labour_bureau
    answered(labour, at(2026, 3, 9), 2)
    answered(urban, at(2026, 3, 10), 2)
    unsolved = record(urban, at(2026, 3, 11), solved=False, satisfaction="dissatisfied")
    late = plain_ticket(unit=urban, title="红灯工单")
    event(late, EventKind.LIGHT_RED, urban, at(2026, 3, 5))
    return {"city": city, "unsolved": unsolved, "late": late}


def test_a_live_month_is_marked_and_ranks_within_kinds(client, leader, march):
    client.force_login(leader)

    html = client.get("/evaluation/rankings/2026-03/").content.decode()

    assert "实时数据，未结算" in html
    assert html.index("市人力资源和社会保障局") < html.index("市城市管理委员会")
    assert 'data-line-chart="trend-chart"' in html and 'id="trend-chart"' in html
    assert "综合得分 = 10% × 响应率 + 50% × 解决率 + 40% × 满意率" in html
    unit = march["city"].urban_management.pk
    assert f'href="/evaluation/rankings/2026-03/units/{unit}/not_solved/"' in html


def test_a_published_month_shows_its_version_and_frozen_figures(client, leader, march, admin_user):
    month_close(month=month(2026, 3))
    record(march["city"].labour_bureau, at(2026, 3, 20), solved=False)  # after the close
    client.force_login(leader)

    html = client.get("/evaluation/rankings/").content.decode()  # last month, published

    assert "已结算发布" in html and "v1" in html
    assert "2026-03-01 — 2026-03-31" in html
    labour = client.get(
        f"/evaluation/rankings/2026-03/units/{march['city'].labour_bureau.pk}/"
    ).content.decode()
    assert "100.00" in labour  # the frozen 100 %, not the later unsolved verdict


def test_the_tickets_behind_a_figure(client, leader, march):
    client.force_login(leader)
    unit = march["city"].urban_management.pk

    unsolved = client.get(f"/evaluation/rankings/2026-03/units/{unit}/not_solved/")
    red = client.get(f"/evaluation/rankings/2026-03/units/{unit}/red_lights/")
    unknown = client.get(f"/evaluation/rankings/2026-03/units/{unit}/magic/")

    assert march["unsolved"].ticket.number in unsolved.content.decode()
    assert unsolved.content.decode().count('class="ticket-number"') == 1
    assert march["late"].number in red.content.decode()
    assert unknown.status_code == 404


def test_a_unit_sees_its_own_figures_and_what_cost_it_points(client, unit_staff, march):
    client.force_login(unit_staff)

    response = client.get("/evaluation/my-unit/?month=2026-03", follow=True)

    html = response.content.decode()
    assert "市城市管理委员会" in html and "失分工单" in html
    assert march["unsolved"].ticket.number in html
    assert f"/evaluation/exemptions/new/{march['unsolved'].ticket_id}/" in html


def test_the_excel_export_opens_with_one_sheet_per_kind_and_the_rules(client, leader, march):
    client.force_login(leader)

    response = client.get("/evaluation/rankings/2026-03/export.xlsx")

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="ranking-2026-03-live.xlsx"' in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [
        "区政府",
        "街道、乡镇",
        "市级部门",
        "公共服务企业",
        "社区、村",
        "计分规则",
    ]
    departments = workbook["市级部门"]
    header = [cell.value for cell in departments[2]]
    rows = {row[2]: dict(zip(header, row, strict=True)) for row in departments.iter_rows(
        min_row=3, values_only=True)}  # fmt: skip
    assert rows["市人力资源和社会保障局"]["排名 Rank"] == 1
    assert rows["市城市管理委员会"]["综合得分 Composite"] == pytest.approx(70.0)
    assert rows["市城市管理委员会"]["红灯 Red lights"] == 1
    rules = [row[0] for row in workbook["计分规则"].iter_rows(values_only=True)]
    assert any("10% × 响应率" in (line or "") for line in rules)


def test_the_csv_export(client, dispatcher, march):
    client.force_login(dispatcher)

    response = client.get("/evaluation/rankings/2026-03/export.csv")

    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["类型 Kind", "排名 Rank", "较上月 Movement", "单位 Unit"]
    urban = next(row for row in rows if row[3] == "市城市管理委员会")
    # 2 of 3 solved and satisfied, all contacted: 0.1 × 100 + 0.5 × 66.667 + 0.4 × 66.667 = 70
    assert urban[4] == "70.00" and urban[6] == "66.67"


def test_an_administrator_closes_and_re_closes_a_month_on_the_page(client, admin_user, march):
    client.force_login(admin_user)

    closed = client.post("/evaluation/rankings/2026-03/close/", {"reason": ""}, follow=True)
    again = client.post("/evaluation/rankings/2026-03/close/", {"reason": ""})
    fixed = client.post(
        "/evaluation/rankings/2026-03/close/", {"reason": "更正回访记录"}, follow=True
    )

    assert "已结算发布（第 1 版）" in closed.content.decode()
    assert again.status_code == 409 and "重新结算原因" in again.content.decode()
    assert "已结算发布（第 2 版）" in fixed.content.decode()
    assert "更正回访记录" in fixed.content.decode()
    assert client.get("/evaluation/rankings/2026-03/v1/").status_code == 200
    assert MonthlySnapshot.objects.filter(is_current=True).get().version == 2


def test_the_current_month_cannot_be_closed(client, admin_user, march):
    client.force_login(admin_user)

    response = client.post("/evaluation/rankings/2026-04/close/", {"reason": ""})

    assert response.status_code == 409 and "尚不能结算" in response.content.decode()


def test_an_exemption_asked_and_approved_through_the_pages(client, unit_staff, dispatcher, march):
    ticket_id = march["unsolved"].ticket_id
    client.force_login(unit_staff)
    bad = client.post(f"/evaluation/exemptions/new/{ticket_id}/", {"reason": "", "explanation": ""})
    asked = client.post(
        f"/evaluation/exemptions/new/{ticket_id}/",
        {"reason": "malicious_repetition", "explanation": "同一市民就同一事项一月内来电十余次"},
        follow=True,
    )
    assert bad.status_code == 400 and "请选择免考核原因" in bad.content.decode()
    assert "免考核申请已提交" in asked.content.decode()

    client.force_login(dispatcher)
    queue = client.get("/evaluation/exemptions/").content.decode()
    assert "同一市民就同一事项一月内来电十余次" in queue
    exemption = march["unsolved"].ticket.exemptions.get()
    rejected = client.post(
        f"/evaluation/exemptions/{exemption.pk}/decision/", {f"e{exemption.pk}-decision": "reject"}
    )
    assert rejected.status_code == 400 and "驳回理由" in rejected.content.decode()
    client.post(
        f"/evaluation/exemptions/{exemption.pk}/decision/", {f"e{exemption.pk}-decision": "approve"}
    )
    exemption.refresh_from_db()
    assert exemption.status == "approved"
    unit = march["city"].urban_management.pk
    page = client.get(f"/evaluation/rankings/2026-03/units/{unit}/exempt/").content.decode()
    assert march["unsolved"].ticket.number in page


def test_the_call_form_reports_missing_answers(
    client, follow_up_agent, city, dispatcher, unit_staff
):
    follow_up = resolved_in_follow_up(city, dispatcher, unit_staff)
    client.force_login(follow_up_agent)

    response = client.post(
        f"/evaluation/follow-ups/{follow_up.pk}/call/", {f"f{follow_up.pk}-outcome": "reached"}
    )

    assert response.status_code == 400
    assert "请选择：承办单位是否联系过您" in response.content.decode()
    follow_up.refresh_from_db()
    assert follow_up.attempts == 0


def test_the_survey_of_a_direct_answer_does_not_ask_about_a_unit(client, city, operator):
    with time_machine.travel(at(2026, 3, 2, 9), tick=False):
        ticket = services.ticket_register(
            channel="phone", title="咨询", content="请问公积金如何提取？", citizen_phone="13900001111",
            actor=operator,
        )  # fmt: skip
        services.ticket_answer_directly(
            ticket_id=ticket.pk, actor=operator, reply="可在公积金中心网站办理提取。"
        )
        follow_up = follow_up_open(ticket_id=ticket.pk)
    with time_machine.travel(at(2026, 3, 3, 9), tick=False):
        page = client.get(link_of(follow_up)).content.decode()
        client.post(link_of(follow_up), {"solved": "yes", "satisfaction": "satisfied"})

    assert "承办单位是否联系过您" not in page
    follow_up.refresh_from_db()
    assert (follow_up.result, follow_up.contacted) == ("answered", True)
