"""A month's rankings as an Excel workbook (.xlsx, one sheet per kind of unit plus the rules)
and as CSV (UTF-8 with a byte-order mark, so Excel opens it in Chinese).

Unit names and reasons are typed by people: a text cell beginning like a formula would run as
one when the sheet is opened (CSV/formula injection), so it gets a leading single quote, the
OWASP way. Figures are written as numbers and left alone.
"""

import csv
import io
import re
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from evaluation.selectors import MonthView

COLUMNS = [
    ("rank", "排名 Rank"),
    ("movement", "较上月 Movement"),
    ("unit_name", "单位 Unit"),
    ("composite", "综合得分 Composite"),
    ("response_rate", "响应率 Response %"),
    ("resolution_rate", "解决率 Resolution %"),
    ("satisfaction_rate", "满意率 Satisfaction %"),
    ("valid", "有效回访 Valid"),
    ("finished", "完成回访 Finished"),
    ("responded", "已联系 Contacted"),
    ("solved", "已解决 Solved"),
    ("satisfied", "满意 Satisfied"),
    ("basically_satisfied", "基本满意 Basically"),
    ("dissatisfied", "不满意 Dissatisfied"),
    ("refused", "拒绝评价 Refused"),
    ("unreachable", "联系不上 Unreachable"),
    ("wrong_number", "号码错误 Wrong number"),
    ("anonymous", "匿名 Anonymous"),
    ("confidential", "保密 Confidential"),
    ("exempt", "免考核 Exempt"),
    ("red_lights", "红灯 Red lights"),
    ("reopens", "重办 Reopens"),
    ("proactive", "主动治理 Proactive"),
    ("presses", "区政府督促 District presses"),
    ("volume", "诉求量 Volume"),
    ("governance", "治理类 Flagged"),
]


# What makes Excel, LibreOffice and Numbers read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that would be read as a formula, quoted; everything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _value(figures, name: str, *, excel: bool = True):
    value = getattr(figures, name)
    if isinstance(value, str):
        return safe_cell(value)
    if isinstance(value, Decimal):
        # Excel gets numbers (formatted 0.00); CSV keeps the two decimals as published.
        return float(value) if excel else str(value)
    if isinstance(value, bool):
        return "是" if value else ""
    return value


def _title(view: MonthView) -> str:
    state = f"已发布 第{view.snapshot.version}版" if view.snapshot else "未结算（实时）"
    return (
        f"{view.period.label} 考核排名（{view.period.first_day:%Y-%m-%d} 至 "
        f"{view.period.last_day:%Y-%m-%d}，{state}）"
    )


def rules_lines(rule_values: dict) -> list[str]:
    return [
        "有效回访：市民被联系到并作答；拒绝评价、联系不上、号码错误、匿名单列，不计入分母。",
        "响应率 = 市民确认单位联系过 / 有效回访"
        + ("（且在联系时限内）" if rule_values.get("response_on_time") else ""),
        "解决率 = 市民表示已解决 / 有效回访",
        f"满意率 = (满意 + {rule_values.get('basic_factor')} × 基本满意) / 有效回访",
        f"综合得分 = {rule_values.get('weight_response')}% × 响应率 + "
        f"{rule_values.get('weight_resolution')}% × 解决率 + "
        f"{rule_values.get('weight_satisfaction')}% × 满意率",
        "协办单位："
        + ("与主办单位同样计分" if rule_values.get("assist_scoring") == "shared" else "不计分"),
        f"考核月起始日：每月 {rule_values.get('cutoff_day')} 日",
        f"治理类街乡镇：诉求量前 {rule_values.get('governance_top_n')} 名",
        "免考核：经派单员审核通过的工单不计入该单位。",
    ]


def xlsx_bytes(view: MonthView) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    header_fill = PatternFill("solid", fgColor="DCEAFD")
    rules = view.rule_values
    for table in view.tables():
        # Excel refuses []:*?/\ in sheet names ("街道/乡镇" → "街道、乡镇").
        title = re.sub(r"[\[\]:*?/\\]", "、", table["label"].split(" (")[0])[:31]
        sheet = workbook.create_sheet(title=title)
        sheet.append([safe_cell(_title(view) + " · " + table["label"])])
        sheet["A1"].font = Font(bold=True, size=12)
        sheet.append([label for _, label in COLUMNS])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
            cell.fill = header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for figures in table["rows"]:
            sheet.append([_value(figures, name) for name, _ in COLUMNS])
        for index, (name, _) in enumerate(COLUMNS, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = (
                28 if name == "unit_name" else 11
            )
        for row in sheet.iter_rows(min_row=3, min_col=4, max_col=7):
            for cell in row:
                cell.number_format = "0.00"
        sheet.freeze_panes = "D3"
    notes = workbook.create_sheet(title="计分规则")
    notes.append([safe_cell(_title(view))])
    notes["A1"].font = Font(bold=True, size=12)
    for line in rules_lines(rules):
        notes.append([safe_cell(line)])
    if view.snapshot is not None and view.snapshot.reason:
        notes.append([safe_cell(f"重新结算原因：{view.snapshot.reason}")])
    notes.column_dimensions["A"].width = 90
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def csv_text(view: MonthView) -> str:
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(["类型 Kind"] + [label for _, label in COLUMNS])
    for table in view.tables():
        for figures in table["rows"]:
            values = [_value(figures, name, excel=False) for name, _ in COLUMNS]
            writer.writerow([safe_cell(table["label"]), *values])
    return "\ufeff" + stream.getvalue()


def filename(view: MonthView, extension: str) -> str:
    suffix = f"v{view.snapshot.version}" if view.snapshot else "live"
    return f"ranking-{view.period.label}-{suffix}.{extension}"
