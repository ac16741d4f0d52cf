"""The cockpit as an Excel workbook: one sheet per figure, the same numbers as the page."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from analysis.cockpit import category_rows


def _sheet(book: Workbook, title: str, header: list[str], rows: list[list]) -> None:
    sheet = book.create_sheet(title=title[:31])
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for index, _heading in enumerate(header):
        letter = sheet.cell(row=1, column=index + 1).column_letter
        sheet.column_dimensions[letter].width = 18 if index else 26


def cockpit_xlsx(data: dict) -> bytes:
    book = Workbook()
    book.remove(book.active)
    _sheet(
        book,
        _("概况"),
        [_("项目"), _("数值")],
        [
            [_("统计周期"), data["period_label"]],
            [_("起始日期"), data["start"]],
            [_("结束日期"), data["end"]],
            [_("诉求量"), data["total"]["count"]],
            [_("去年同期"), data["total"]["last_year"]],
            [_("同比变化 (%)"), data["total"]["change"]],
        ],
    )
    _sheet(
        book,
        _("诉求量趋势"),
        [
            _("时段"),
            _("起始日期"),
            _("结束日期"),
            _("诉求量"),
            _("去年同期"),
            _("去年起始日期"),
            _("去年结束日期"),
        ],
        [
            [
                p["label"],
                p["start"],
                p["end"],
                p["count"],
                p["last_year"]["count"],
                p["last_year"]["start"],
                p["last_year"]["end"],
            ]
            for p in data["trend"]
        ],
    )
    _sheet(
        book,
        _("渠道"),
        [_("渠道"), _("诉求量")],
        [[c["label"], c["count"]] for c in data["channels"]],
    )
    _sheet(
        book,
        _("分类"),
        [_("分类"), _("诉求量")],
        [[r["path"], r["count"]] for r in category_rows(data["categories"])],
    )
    regions = data["regions"]
    _sheet(
        book,
        _("区"),
        [_("区"), _("诉求量")],
        [[r["name"], r["count"]] for r in regions["districts"]],
    )
    _sheet(
        book,
        _("街道乡镇"),
        [_("区"), _("街道/乡镇"), _("诉求量")],
        [[r["district"], r["name"], r["count"]] for r in regions["streets"]],
    )
    _sheet(
        book,
        _("在办工单亮灯"),
        [_("灯色"), _("工单数")],
        [[r["label"], r["count"]] for r in data["lights"]],
    )
    evaluation = data["evaluation"]
    rates = evaluation["rates"]
    rows = [
        [_("考核月份"), evaluation["month"]],
        [_("响应率"), rates["response_rate"]],
        [_("解决率"), rates["resolution_rate"]],
        [_("满意率"), rates["satisfaction_rate"]],
        [_("综合得分"), rates["composite"]],
        [_("有效回访"), evaluation["valid"]],
    ]
    for kind in evaluation["kinds"]:
        for unit in kind["top"] + kind["bottom"]:
            rows.append(
                [
                    f"{kind['label']} · {_('第 %(rank)s 名') % {'rank': unit['rank']}}",
                    f"{unit['name']} {unit['composite']}",
                ]
            )
    _sheet(book, _("考核三率与排名"), [_("项目"), _("数值")], rows)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def filename(data: dict) -> str:
    return f"cockpit-{data['period']}-{data['end']}.xlsx"
