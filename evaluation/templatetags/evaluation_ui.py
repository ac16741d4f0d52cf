"""Small pieces of the ranking pages: movement arrows and figures that link to their tickets.

A month's page shows ~440 units × a dozen figures, so these run thousands of times per page:
they build strings directly instead of calling reverse() and format_html() for every cell.
"""

import html
from decimal import Decimal
from functools import lru_cache

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

_MOVES = {
    "none": mark_safe('<span class="move move-none" title="上月未排名 (new)">—</span>'),
    "same": mark_safe('<span class="move move-same" title="持平 (same)">=</span>'),
}


@register.simple_tag
def movement(value):
    """▲2 (up two places since last month), ▼1, "=" unchanged, "—" not ranked last month."""
    if value is None:
        return _MOVES["none"]
    if value == 0:
        return _MOVES["same"]
    if value > 0:
        return mark_safe(f'<span class="move move-up" title="上升 (up)">▲{int(value)}</span>')  # noqa: S308 - an int
    return mark_safe(f'<span class="move move-down" title="下降 (down)">▼{int(-value)}</span>')  # noqa: S308


@lru_cache(maxsize=256)
def _unit_prefix(month: str) -> str:
    """ "/evaluation/rankings/2026-03/units/" — the URLconf's own path, looked up once a month."""
    return reverse("evaluation:unit_month", args=[month, 0]).removesuffix("0/")


@register.simple_tag
def drill(row, figure: str, value, month: str):
    """The figure as a link to the follow-ups or tickets behind it."""
    if value is None:
        return "—"
    href = f"{_unit_prefix(month)}{int(row.unit_id)}/{conditional_escape(figure)}/"
    # Escaped parts and ints only: faster than format_html, which would run ~5,000 times a page.
    return mark_safe(f'<a class="drill" href="{href}">{conditional_escape(value)}</a>')  # noqa: S308


@register.simple_tag
def short(zh_text: str, en_text: str):
    """One language in a dense table header, the other on hover: "排名" (title "Rank")."""
    if (get_language() or "").startswith("en"):
        return format_html('<span title="{}" lang="en">{}</span>', zh_text, en_text)
    return format_html('<span title="{}" lang="zh-Hans">{}</span>', en_text, zh_text)


# (figure to drill into, attribute shown) per numeric column, after rank, movement and unit.
RANKING_COLUMNS = [
    ("not_responded", "response_rate"),
    ("not_solved", "resolution_rate"),
    ("not_satisfied", "satisfaction_rate"),
    ("valid", "valid"),
    ("not_solved", "unsolved"),
    ("dissatisfied", "dissatisfied"),
    ("unreached", "unreached"),
    ("anonymous", "anonymous"),
    ("exempt", "exempt"),
    ("red_lights", "red_lights"),
    ("reopens", "reopens"),
]
TERRITORIAL = {"district", "street", "community"}
FLAG = (
    ' <span class="tag tag-warn" title="诉求量居前，列为治理类 (flagged for the most requests)">'
    "治理类</span>"
)


def _text(value) -> str:
    # Numbers need no escaping; django's escape() is lazy-aware and ~5x slower than the stdlib's.
    if isinstance(value, int | Decimal):
        return str(value)
    return html.escape(str(value))


@register.simple_tag
def ranking_rows(rows, kind: str, month: str):
    """The <tr>s of one ranking table. Built as one string: a month has ~440 units and a dozen
    linked figures each, too many for per-cell template tags (see bench/evaluation.py)."""
    prefix = _unit_prefix(month)
    columns = RANKING_COLUMNS + ([("volume", "volume")] if kind in TERRITORIAL else [])
    out = []
    for row in rows:
        base = f"{prefix}{int(row.unit_id)}/"
        cells = [
            f'<td class="num rank">{row.rank or "—"}</td>',
            f"<td>{movement(row.movement)}</td>",
            f'<td class="unit-cell"><a href="{base}">{_text(row.unit_name)}</a>'
            f"{FLAG if row.governance else ''}</td>",
        ]
        if row.composite is None:
            cells.append('<td class="num composite">—</td>')
        else:
            cells.append(
                f'<td class="num composite"><span class="bar" style="--w: {row.composite:.2f}">'
                f"</span><strong>{row.composite}</strong></td>"
            )
        for figure, attribute in columns:
            value = getattr(row, attribute)
            shown = (
                "—"
                if value is None
                else f'<a class="drill" href="{base}{figure}/">{_text(value)}</a>'
            )
            cells.append(f'<td class="num">{shown}</td>')
        css = ' class="governance"' if row.governance else ""
        out.append(f"<tr{css}>{''.join(cells)}</tr>")
    # Every text above is escaped or a number the server formatted.
    return mark_safe("\n".join(out))  # noqa: S308
