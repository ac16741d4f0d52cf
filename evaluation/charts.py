"""The data of the evaluation pages' trend charts. The charts are drawn in the browser by
static/js/charts.js with ECharts (served from static/vendor/echarts/, no CDN), from this dict put
in the page with json_script: no inline script or style, so the Content-Security-Policy holds."""

from decimal import Decimal
from math import floor

from django.utils.translation import gettext_lazy as _


def _number(value) -> float | None:
    if value is None or value == "":
        return None
    try:
        return round(float(Decimal(str(value))), 2)
    except ArithmeticError:
        return None


def line_chart(
    points: list[dict],
    series: list[tuple[str, str]],
    *,
    label: str,
    x_label=lambda point: f"{point['month']:%Y-%m}",
) -> dict | None:
    """Percent lines over months, or None when there is nothing to draw. ``series``: (key in
    each point, legend text). A month still live is marked with "*"."""
    lines = [
        {"name": str(legend), "data": [_number(point.get(key)) for point in points]}
        for key, legend in series
    ]
    values = [value for line in lines for value in line["data"] if value is not None]
    if not points or not values:
        return None
    return {
        "label": str(label),
        "x": [x_label(point) + ("*" if point.get("live") else "") for point in points],
        "series": lines,
        # The axis starts a little below the lowest rate, on a multiple of 5.
        "min": max(0, floor((min(values) - 2) / 5) * 5),
    }


RATE_SERIES = [
    ("response_rate", _("响应率")),
    ("resolution_rate", _("解决率")),
    ("satisfaction_rate", _("满意率")),
    ("composite", _("综合得分")),
]
