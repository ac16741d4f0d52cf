"""Small pieces of the ranking pages: movement arrows and figures that link to their tickets.

A month's page shows ~440 units × a dozen figures, so these run thousands of times per page:
they build strings directly instead of calling reverse() and format_html() for every cell.
"""

import html
from decimal import Decimal
from functools import lru_cache

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

register = template.Library()


@lru_cache(maxsize=8)
def _moves(language: str) -> dict[str, str]:
    """The arrows' titles in one language, built once: a ranking page shows ~440 of them."""
    titles = {
        "none": gettext("上月未排名"),
        "same": gettext("持平"),
        "up": gettext("上升"),
        "down": gettext("下降"),
    }
    return {name: html.escape(title) for name, title in titles.items()}


@register.simple_tag
def movement(value):
    """▲2 (up two places since last month), ▼1, "=" unchanged, "—" not ranked last month."""
    titles = _moves(get_language() or "")
    if value is None:
        return mark_safe(f'<span class="move move-none" title="{titles["none"]}">—</span>')  # noqa: S308 - escaped
    if value == 0:
        return mark_safe(f'<span class="move move-same" title="{titles["same"]}">=</span>')  # noqa: S308
    if value > 0:
        return mark_safe(f'<span class="move move-up" title="{titles["up"]}">▲{int(value)}</span>')  # noqa: S308
    return mark_safe(f'<span class="move move-down" title="{titles["down"]}">▼{int(-value)}</span>')  # noqa: S308


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
    ("proactive", "proactive"),
    ("presses", "presses"),
]
TERRITORIAL = {"district", "street", "community"}


@lru_cache(maxsize=8)
def _flag(language: str) -> str:
    title, text = html.escape(gettext("诉求量居前，列为治理类")), html.escape(gettext("治理类"))
    return f' <span class="tag tag-warn" title="{title}">{text}</span>'


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
    flag = _flag(get_language() or "")
    columns = RANKING_COLUMNS + ([("volume", "volume")] if kind in TERRITORIAL else [])
    out = []
    for row in rows:
        base = f"{prefix}{int(row.unit_id)}/"
        cells = [
            f'<td class="num rank">{row.rank or "—"}</td>',
            f"<td>{movement(row.movement)}</td>",
            f'<td class="unit-cell"><a href="{base}">{_text(row.unit_name)}</a>'
            f"{flag if row.governance else ''}</td>",
        ]
        if row.composite is None:
            cells.append('<td class="num composite">—</td>')
        else:
            cells.append(
                # The bar's length as an SVG attribute: the CSP allows no inline styles.
                f'<td class="num composite"><svg class="bar" viewBox="0 0 100 1" '
                f'preserveAspectRatio="none" aria-hidden="true"><rect width="{row.composite:.2f}" '
                f'height="1"/></svg><strong>{row.composite}</strong></td>'
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
