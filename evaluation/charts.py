"""Charts drawn on the server as inline SVG: no script, no CDN (many government networks have no
internet), readable on a phone, and printable. Each chart also ships its numbers as a table."""

from decimal import Decimal
from math import floor

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

WIDTH, HEIGHT = 560, 250
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 46, 18, 14, 36


def _number(value) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(Decimal(str(value)))
    except ArithmeticError:
        return None


def line_chart(
    points: list[dict],
    series: list[tuple[str, str, str]],
    *,
    label: str,
    x_label=lambda point: f"{point['month']:%Y-%m}",
) -> SafeString:
    """Percent lines over months. ``series``: (key in each point, legend text, CSS colour)."""
    values = [
        number for point in points for key, _, _ in series if (number := _number(point.get(key)))
    ]
    if not points or not values:
        return format_html('<p class="empty">{}</p>', gettext("暂无数据"))
    low = max(0.0, floor((min(values) - 2) / 5) * 5)
    high = 100.0
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    step = plot_w / max(len(points) - 1, 1)

    def x(index: int) -> float:
        return PAD_LEFT + (index * step if len(points) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return PAD_TOP + (high - value) / (high - low or 1) * plot_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" preserveAspectRatio="xMidYMid meet">'
    ]
    tick = 5 if high - low <= 30 else 10
    for value in range(int(low), int(high) + 1, tick):
        parts.append(
            f'<line class="grid" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" '
            f'y1="{y(value):.1f}" y2="{y(value):.1f}"/>'
            f'<text class="axis" x="{PAD_LEFT - 6}" y="{y(value) + 4:.1f}" '
            f'text-anchor="end">{value:.0f}%</text>'
        )
    every = max(1, len(points) // 8)
    for index, point in enumerate(points):
        if index % every == 0 or index == len(points) - 1:
            text = escape(x_label(point)) + ("*" if point.get("live") else "")
            anchor = "middle"
            if len(points) > 1 and index == 0:
                anchor = "start"
            elif len(points) > 1 and index == len(points) - 1:
                anchor = "end"
            parts.append(
                f'<text class="axis" x="{x(index):.1f}" y="{HEIGHT - 12}" '
                f'text-anchor="{anchor}">{text}</text>'
            )
    for key, legend, colour in series:
        coords = [
            (x(i), y(v), v) for i, p in enumerate(points) if (v := _number(p.get(key))) is not None
        ]
        if not coords:
            continue
        path = " ".join(
            f"{'M' if i == 0 else 'L'}{cx:.1f},{cy:.1f}" for i, (cx, cy, _) in enumerate(coords)
        )
        parts.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2.2"/>')
        for cx, cy, value in coords:
            parts.append(
                f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3.2" fill="{colour}">'
                f"<title>{escape(legend)} {value:.2f}%</title></circle>"
            )
    parts.append("</svg>")
    legend_html = "".join(
        # An SVG swatch, not a style attribute: the Content-Security-Policy allows no inline styles.
        f'<span class="legend-item"><svg class="swatch" viewBox="0 0 1 1" aria-hidden="true">'
        f'<rect width="1" height="1" fill="{colour}"/></svg>{escape(legend)}</span>'
        for _, legend, colour in series
    )
    # Every text put into the markup above went through escape(); numbers are formatted floats.
    html = f'<div class="chart-box">{"".join(parts)}<p class="legend">{legend_html}</p></div>'
    return mark_safe(html)  # noqa: S308


RATE_SERIES = [
    ("response_rate", "响应率 response", "#2563eb"),
    ("resolution_rate", "解决率 resolution", "#16a34a"),
    ("satisfaction_rate", "满意率 satisfaction", "#d97706"),
    ("composite", "综合得分 composite", "#7c3aed"),
]
