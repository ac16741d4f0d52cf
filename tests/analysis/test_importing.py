"""History import (issue 14): analysis/importing.py and ``manage.py import_tickets``."""

import csv
import io
from datetime import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from openpyxl import Workbook

from analysis.importing import import_tickets
from dispatch.learning import examples_from_database, label_count, unit_history
from workorders.models import (
    Assignment,
    EventKind,
    Light,
    Status,
    Ticket,
    TicketEvent,
    TicketNumberCounter,
)
from workorders.services.intake import ticket_register

HEADER = [
    "number",
    "created_at",
    "title",
    "content",
    "address",
    "category",
    "region",
    "citizen_phone",
    "status",
    "unit",
    "resolved_at",
    "reply",
]


def row(**values) -> dict:
    base = {
        "number": "",
        "created_at": "2024-03-05T09:30:00+08:00",
        "title": "路灯不亮",
        "content": "小区门口的路灯连续三天不亮，晚上出行不便",
        "address": "",
        "category": "城乡建设 › 市政管理 › 路灯",
        "region": "",
        "citizen_phone": "13800001111",
        "status": "",
        "unit": "",
        "resolved_at": "",
        "reply": "",
    }
    base.update(values)
    return base


def write_csv(path, rows, *, header=HEADER, encoding="utf-8", bom=False):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for values in rows:
        writer.writerow([values.get(column, "") for column in header])
    data = buffer.getvalue().encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def run(path, *args, kind="csv"):
    """Run the command; (ok, stdout)."""
    out = io.StringIO()
    try:
        call_command("import_tickets", f"--{kind}", str(path), *args, stdout=out, verbosity=0)
    except CommandError:
        return False, out.getvalue()
    return True, out.getvalue()


@pytest.fixture
def history(tmp_path, city):
    rows = [
        row(
            number="2023HD000123",
            region="海淀区 › 中关村街道",
            unit="市城市管理委员会",
            resolved_at="2024-03-06T16:00:00+08:00",
            reply="已安排维修人员更换灯泡，路灯恢复正常",
        ),
        row(
            number="2023HD000124",
            title="拖欠工资",
            content="公司拖欠三个月工资，请求帮助",
            category=str(city.wages.pk),
            address="朝阳区望京街道某小区",
            unit=str(city.labour_bureau.pk),
            status="已归档",
        ),
        row(title="垃圾广告", content="推销电话", status="invalid", number="X-1", category=""),
    ]
    rows[2]["invalid_reason"] = "spam"
    return write_csv(tmp_path / "history.csv", rows, header=[*HEADER, "invalid_reason"])


def test_happy_path_keeps_numbers_and_builds_a_final_timeline(history, city):
    ok, out = run(history)
    assert ok, out
    assert "已导入 3 张工单" in out
    light = Ticket.objects.get(number="2023HD000123")
    assert light.status == Status.CLOSED
    assert light.category == city.street_light and light.category_confirmed
    assert light.region == city.zhongguancun
    assert light.registered_at == datetime.fromisoformat("2024-03-05T09:30:00+08:00")
    assert (
        light.resolved_at == light.closed_at == datetime.fromisoformat("2024-03-06T16:00:00+08:00")
    )
    assert light.reply.startswith("已安排维修人员")
    kinds = list(light.events.values_list("kind", "created_at", "public"))
    assert [k for k, _, _ in kinds] == [EventKind.IMPORTED, EventKind.RESOLVED]
    assert kinds[0][1] == light.registered_at and all(public for _, _, public in kinds)
    imported = light.events.get(kind=EventKind.IMPORTED)
    assert imported.data == {"file": "history.csv", "line": 2, "number_kept": True}
    lead = Assignment.objects.get(ticket=light)
    assert lead.unit == city.urban_management and lead.active and lead.role == "lead"
    # A final ticket: no deadline, no light, nothing for the sweeps.
    lit = Ticket.objects.with_lights().get(pk=light.pk)
    assert lit.light == Light.NONE and light.follow_up_due_at is None

    resolved = light.events.get(kind=EventKind.RESOLVED)
    assert resolved.unit == city.urban_management and resolved.reason == light.reply
    assert resolved.created_at == light.resolved_at

    wages = Ticket.objects.get(number="2023HD000124")
    # No resolution given: closed at its registration time.
    assert list(wages.events.values_list("kind", flat=True)) == ["imported", "closed"]
    assert wages.category == city.wages and wages.region == city.wangjing  # from the address
    spam = Ticket.objects.get(number="X-1")
    assert spam.status == Status.INVALID and spam.invalid_reason == "spam"
    assert spam.category is None and not spam.category_confirmed
    assert list(spam.events.values_list("kind", flat=True)) == ["imported", "invalidated"]
    assert not spam.assignments.exists()


def test_no_task_queued_and_no_notification(history, city, monkeypatch):
    from hotline.celery import app

    sent = []
    monkeypatch.setattr(app, "send_task", lambda *a, **k: sent.append(a))
    ok, out = run(history)
    assert ok, out
    assert sent == []
    from evaluation.models import FollowUp, SurveyLink
    from workorders.models import Notification, TicketLightState

    assert not Notification.objects.exists()
    # No follow-up round, no survey, nothing for the deadline sweep.
    assert not FollowUp.objects.exists() and not SurveyLink.objects.exists()
    assert not TicketLightState.objects.exists()
    assert not Ticket.objects.open().exists()


def test_rerun_skips_existing_numbers(history, city):
    assert run(history)[0]
    ok, out = run(history)
    assert ok, out
    assert "已存在、跳过的工单编号：3 个" in out and "已导入 0 张工单" in out
    assert Ticket.objects.count() == 3
    assert TicketEvent.objects.filter(kind=EventKind.IMPORTED).count() == 3


def test_rerun_without_numbers_finds_the_rows_again(tmp_path, city):
    rows = [row(title="路灯不亮一"), row(title="路灯不亮二")]
    path = write_csv(tmp_path / "plain.csv", rows)
    assert run(path)[0]
    numbers = set(Ticket.objects.values_list("number", flat=True))
    # One more row appended to the same export: only that one is new.
    path = write_csv(tmp_path / "plain.csv", [*rows, row(title="路灯不亮三")])
    ok, out = run(path)
    assert ok, out
    assert "无编号、此前已导入而跳过的行：2 个" in out and "已导入 1 张工单（1 张自动编号）" in out
    assert Ticket.objects.count() == 3
    assert numbers < set(Ticket.objects.values_list("number", flat=True))
    assert TicketNumberCounter.objects.get(day="2024-03-05").last == 3


def test_identical_rows_without_numbers_are_duplicates(tmp_path, city):
    ok, out = run(write_csv(tmp_path / "same.csv", [row(), row()]))
    assert not ok and "第 3 行：与第 2 行完全相同" in out, out


def test_dry_run_writes_nothing(history, city):
    ok, out = run(history, "--dry-run")
    assert ok, out
    assert "校验通过（试运行，未写入）：将导入 3 张工单" in out
    assert not Ticket.objects.exists() and not TicketNumberCounter.objects.exists()


def test_generated_numbers_follow_the_live_scheme_without_clashing(tmp_path, city):
    # Live intake has already used two numbers of today; the file keeps one of today's too.
    now = timezone.localtime()
    day = now.strftime("%Y%m%d")
    for _ in range(2):
        ticket_register(channel="web", content="路灯坏了好几天了请修理", title="路灯")
    created = now.replace(microsecond=0) - timezone.timedelta(minutes=5)
    path = write_csv(
        tmp_path / "today.csv",
        [
            row(number=f"{day}-000007", created_at=created.isoformat()),
            row(created_at=created.isoformat()),
            row(created_at="2020-01-02T08:00:00+08:00"),
        ],
    )
    ok, out = run(path)
    assert ok, out
    numbers = set(Ticket.objects.values_list("number", flat=True))
    assert {f"{day}-000007", f"{day}-000008", "20200102-000001"} <= numbers
    # Live intake goes on after the imported numbers.
    later = ticket_register(channel="web", content="路灯坏了好几天了请修理", title="路灯")
    assert later.number == f"{day}-000009"


def test_xlsx_with_date_cells(tmp_path, city):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["number", "created_at", "title", "content", "category", "citizen_phone"])
    sheet.append(
        [
            "OLD-1",
            datetime(2024, 5, 1, 10, 0),
            "停水",
            "整栋楼停水一天了",
            "城乡建设 › 供水",
            13900002222,
        ]
    )
    sheet.append([None] * 6)  # Excel's empty trailing rows
    path = tmp_path / "history.xlsx"
    workbook.save(path)
    ok, out = run(path, kind="xlsx")
    assert ok, out
    ticket = Ticket.objects.get(number="OLD-1")
    assert ticket.category == city.water and ticket.citizen_phone == "13900002222"
    # A date cell has no offset: the city's local time.
    assert timezone.localtime(ticket.registered_at).hour == 10


def test_gbk_and_bom_files_are_read(tmp_path, city):
    # "›" is not in GBK: such exports separate the levels with ">".
    gbk_row = row(number="G-1", category="城乡建设>市政管理 > 路灯", region="海淀区 ＞ 中关村街道")
    gbk = write_csv(tmp_path / "gbk.csv", [gbk_row], encoding="gbk")
    bom = write_csv(tmp_path / "bom.csv", [row(number="B-1")], bom=True)
    ok, out = run(gbk)
    assert ok and "GB18030" in out, out
    ok, out = run(bom)
    assert ok and "UTF-8" in out, out
    ticket = Ticket.objects.get(number="G-1")
    assert ticket.title == "路灯不亮" and ticket.category == city.street_light
    assert ticket.region == city.zhongguancun


def test_utf16_with_its_bom_is_read(tmp_path, city):
    path = write_csv(tmp_path / "u16.csv", [row(number="U-1")], encoding="utf-16")
    ok, out = run(path)
    assert ok and "UTF-16" in out, out
    assert Ticket.objects.filter(number="U-1").exists()


def test_undecodable_file_is_refused(tmp_path, city):
    path = tmp_path / "bad.csv"
    path.write_bytes(",".join(HEADER).encode() + b"\n\x80\xff\xfe\x80,x\n")
    ok, out = run(path)
    assert not ok and "无法识别文件编码" in out
    assert not Ticket.objects.exists()


def test_chinese_column_names(tmp_path, city):
    chinese = ["工单编号", "受理时间", "标题", "诉求内容", "地址", "诉求分类", "区域", "联系电话"]
    chinese += ["状态", "承办单位", "办结时间", "答复内容"]
    values = row(number="C-1", unit="自来水集团", category="城乡建设 > 供水", region="海淀区")
    path = write_csv(
        tmp_path / "cn.csv",
        [dict(zip(chinese, values.values(), strict=True))],
        header=chinese,
        encoding="gb18030",
    )
    ok, out = run(path)
    assert ok, out
    ticket = Ticket.objects.get(number="C-1")
    assert ticket.category == city.water and ticket.region == city.haidian
    assert ticket.assignments.get().unit == city.water_company


def test_missing_columns_are_refused(tmp_path, city):
    path = write_csv(tmp_path / "cols.csv", [row()], header=["number", "created_at", "title"])
    ok, out = run(path)
    assert not ok and "缺少必需的列：content, category" in out


@pytest.mark.parametrize(
    ("values", "column", "message"),
    [
        ({"category": "城乡建设 › 不存在"}, "category", "未知的诉求分类"),
        ({"category": "999999"}, "category", "未知的诉求分类"),
        ({"region": "海淀区 › 不存在街道"}, "region", "未知的区域"),
        ({"unit": "不存在的单位"}, "unit", "未知的承办单位"),
        ({"created_at": "2999-01-01T00:00:00+08:00"}, "created_at", "晚于当前时间"),
        ({"created_at": "2024-13-01"}, "created_at", "不是有效的时间"),
        ({"created_at": "2024-03-01T10:00:00"}, "created_at", "缺少时区"),
        ({"created_at": ""}, "created_at", "不能为空"),
        ({"title": ""}, "title", "不能为空"),
        ({"content": "  "}, "content", "不能为空"),
        ({"title": "长" * 101}, "title", "超过上限 100 字"),
        ({"content": "长" * 5001}, "content", "超过上限 5000 字"),
        ({"address": "长" * 201}, "address", "超过上限 200 字"),
        ({"number": "N" * 21}, "number", "超过上限 20 字"),
        ({"number": "有 空格"}, "number", "工单编号只能包含"),
        ({"citizen_phone": "12345"}, "citizen_phone", "不是有效的手机号"),
        ({"status": "in_progress"}, "status", "不能导入"),
        ({"status": "invalid"}, "invalid_reason", "不予受理原因"),
        ({"resolved_at": "2024-03-01T00:00:00+08:00"}, "resolved_at", "办结时间早于受理时间"),
    ],
)
def test_bad_row_is_reported_with_its_line_and_nothing_is_imported(
    tmp_path, city, values, column, message
):
    path = write_csv(
        tmp_path / "bad.csv",
        [row(number="OK-1"), row(number="OK-2"), row(**{"number": "BAD", **values})],
    )
    ok, out = run(path)
    assert not ok, out
    assert f"第 4 行（{column}）：" in out and message in out, out
    assert "未导入任何工单" in out
    assert not Ticket.objects.exists() and not TicketEvent.objects.exists()
    assert not TicketNumberCounter.objects.exists()


def test_duplicate_numbers_in_the_file(tmp_path, city):
    path = write_csv(tmp_path / "dup.csv", [row(number="D-1"), row(), row(number="D-1")])
    ok, out = run(path)
    assert not ok and "第 4 行（number）：工单编号 D-1 与第 2 行重复" in out, out
    assert not Ticket.objects.exists()


def test_every_problem_is_listed_with_the_physical_line(tmp_path, city):
    # A quoted field spanning two lines: the next row starts on line 4.
    rows = [row(number="M-1", content="第一行\n第二行"), row(title=""), row(category="无")]
    ok, out = run(write_csv(tmp_path / "multi.csv", rows))
    assert not ok
    assert "第 4 行（title）" in out and "第 5 行（category）" in out, out
    assert "发现 2 个问题" in out


def test_a_unique_last_name_is_enough(tmp_path, city):
    from workorders.models import Category

    # "其他" under two branches is ambiguous; "路灯" and "中关村街道" are not.
    Category.objects.create(name="其他", parent=city.municipal)
    Category.objects.create(name="其他", parent=city.labour)
    path = write_csv(
        tmp_path / "leaf.csv",
        [
            row(number="L-1", category="路灯", region="中关村街道"),
            row(number="L-2", category="其他"),
        ],
    )
    ok, out = run(path)
    assert not ok and "第 3 行（category）：有多个名为“其他”的诉求分类" in out, out
    path = write_csv(
        tmp_path / "leaf.csv", [row(number="L-1", category="路灯", region="中关村街道")]
    )
    assert run(path)[0]
    ticket = Ticket.objects.get(number="L-1")
    assert ticket.category == city.street_light and ticket.region == city.zhongguancun


def test_region_from_address_and_category_by_id(tmp_path, city):
    path = write_csv(
        tmp_path / "addr.csv",
        [
            row(
                number="A-1",
                address="海淀区中关村科源社区3号楼",
                category=str(city.street_light.pk),
            ),
            row(number="A-2", address="不知道哪里"),
            row(number="A-3", region=str(city.chaoyang.pk), address="海淀区中关村"),
        ],
    )
    ok, out = run(path)
    assert ok, out
    assert Ticket.objects.get(number="A-1").region == city.keyuan
    assert Ticket.objects.get(number="A-1").category == city.street_light
    assert Ticket.objects.get(number="A-2").region is None
    assert Ticket.objects.get(number="A-3").region == city.chaoyang  # given wins over address
    assert "按地址识别区域：1 行" in out and "区域留空）：1 行" in out


def test_imported_tickets_train_the_classifier(history, city):
    assert label_count() == 0
    assert run(history)[0]
    # The two closed tickets are labels (the weekly retrain counts them as new); the refused one
    # is not.
    assert label_count() == 2
    texts = {example.label for example in examples_from_database()}
    assert "城乡建设 › 市政管理 › 路灯" in texts and "劳动和社会保障 › 拖欠工资" in texts
    units = unit_history()
    key = f"{city.street_light.pk}:{city.zhongguancun.pk}"
    assert units[key] == {str(city.urban_management.pk): 1}
    assert units[f"{city.wages.pk}:{city.wangjing.pk}"] == {str(city.labour_bureau.pk): 1}


def test_progress_is_reported(tmp_path, city):
    path = write_csv(tmp_path / "p.csv", [row(number=f"P-{i}") for i in range(5)])
    seen = []
    report = import_tickets(path, progress=lambda *a: seen.append(a), progress_every=2)
    assert report.ok and report.imported == 5
    stages = [stage for stage, _, _ in seen]
    assert "check" in stages and "write" in stages
    assert all(rate > 0 for _, _, rate in seen)


def test_ticket_page_and_tracking_show_the_imported_history(history, city, client, leader):
    assert run(history)[0]
    ticket = Ticket.objects.get(number="2023HD000123")
    client.force_login(leader)
    html = client.get(f"/tickets/{ticket.pk}/").content.decode()
    assert "历史导入" in html and "办结" in html and "已安排维修人员更换灯泡" in html
    assert "2024-03-05 09:30" in html  # at the original registration time
    client.logout()
    html = client.post(
        "/track/", {"number": ticket.number, "query_code": ticket.query_code}, follow=True
    ).content.decode()
    assert "历史导入" in html and "已安排维修人员更换灯泡" in html and "已归档" in html


def test_command_reports_progress_on_stderr(tmp_path, city):
    path = write_csv(tmp_path / "p.csv", [row(number=f"S-{i}") for i in range(3)])
    out, err = io.StringIO(), io.StringIO()
    import contextlib

    with contextlib.redirect_stderr(err):
        call_command("import_tickets", "--csv", str(path), "--progress-every", "2", stdout=out)
    assert "校验：2 行" in err.getvalue() and "写入：3 行" in err.getvalue()
    assert "行/秒" in err.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文件为空或没有表头行"),
        (",".join(HEADER).encode() + b"\n", "文件中没有数据行"),
        (b"number,created_at,title,content,category,title\n", "表头中重复的列：title"),
    ],
)
def test_empty_or_broken_files(tmp_path, city, content, message):
    path = tmp_path / "broken.csv"
    path.write_bytes(content)
    ok, out = run(path)
    assert not ok and message in out, out


def test_a_row_longer_than_the_header(tmp_path, city):
    path = write_csv(tmp_path / "wide.csv", [row(number="W-1")])
    path.write_bytes(
        path.read_bytes() + "W-2,2024-03-05T09:30:00+08:00,t,c,,路灯,,,,,,,多余\n".encode()
    )
    ok, out = run(path)
    assert not ok and "第 3 行：此行有 13 个字段，多于表头的 12 列" in out, out


def test_not_an_excel_file(tmp_path, city):
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"number,created_at\n")
    ok, out = run(path, kind="xlsx")
    assert not ok and "无法读取 Excel 文件" in out


def test_unknown_columns_are_listed_and_invalid_rows_need_no_unit(tmp_path, city):
    bad = row(number="I-1", status="不予受理", unit="自来水集团")
    bad["invalid_reason"] = "无效或骚扰"  # the label works like the code
    path = write_csv(tmp_path / "cols.csv", [bad], header=[*HEADER, "invalid_reason", "备注"])
    ok, out = run(path)
    assert not ok and "未使用的列（已忽略）：备注" in out
    assert "第 2 行（unit）：不予受理的工单没有承办单位" in out, out


def test_days_the_cockpit_had_counted_are_recounted(tmp_path, city):
    from datetime import date

    from analysis.models import DailyVolume
    from analysis.rollup import rollup_days

    day = date(2024, 3, 5)
    rollup_days(day, day)  # the cockpit counted 5 March 2024 before the import: nothing
    assert not DailyVolume.objects.filter(day=day, count__gt=0).exists()

    path = write_csv(tmp_path / "one.csv", [row(number="2024-0001"), row(number="2024-0002")])
    ok, out = run(path)
    assert ok, out
    total = DailyVolume.objects.get(day=day, dimension=DailyVolume.Dimension.TOTAL)
    assert total.count == 2
