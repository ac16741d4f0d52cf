"""The leaders' dashboard (monthly rankings per kind, trends, drill-down, exports), a unit's own
figures, and closing a month. Adapters over evaluation.selectors and evaluation.services."""

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evaluation import exports, selectors, services
from evaluation.charts import RATE_SERIES, line_chart
from evaluation.exports import rules_lines
from evaluation.forms import CloseMonthForm
from evaluation.periods import MONTH_PATTERN as MONTH
from evaluation.periods import add_months, current_month, parse_month
from evaluation.selectors import FIGURES, RANKING_ROLES
from hotline.lib.errors import DomainError, NotAllowed
from workorders.access import role_of, unit_of
from workorders.forms import apply_domain_error
from workorders.models import Role
from workorders.views.common import render_error, role_required

UNIT_PAGE_ROLES = (*RANKING_ROLES, Role.UNIT_STAFF)


def default_month() -> date:
    """Last month once it is published, else the month under way."""
    latest = current_month()
    previous = add_months(latest, -1)
    return previous if services.current_snapshot(previous) else latest


def _month_choices(selected: date) -> list[date]:
    months = selectors.recent_months(count=13)
    if selected not in months:
        months.append(selected)
    return sorted(months, reverse=True)


def _dashboard(request: HttpRequest, month: date, *, close_form=None, error=None, status=200):
    view = selectors.month_view(user=request.user, month=month)
    trend = selectors.city_trend(user=request.user, live=view)
    context = {
        "view": view,
        "tables": view.tables(),
        "rules": view.rule_values,
        "rule_lines": rules_lines(view.rule_values),
        "trend_chart": line_chart(trend, RATE_SERIES, label=_("全市三率趋势")),
        "trend": trend,
        "months": _month_choices(month),
        "selected": month,
        "can_close": role_of(request.user) == Role.ADMIN and view.period.end <= view.computed_at,
        "close_form": close_form or CloseMonthForm(),
        "error": error,
        "figure_names": FIGURES,
    }
    return render(request, "evaluation/rankings.html", context, status=status)


@role_required(*RANKING_ROLES)
def rankings(request: HttpRequest, month: str | None = None) -> HttpResponse:
    try:
        month = month or request.GET.get("month")
        selected = parse_month(month) if month else default_month()
        return _dashboard(request, selected)
    except DomainError as error:
        return render_error(request, error)


@role_required(*RANKING_ROLES)
def version(request: HttpRequest, month: str, number: int) -> HttpResponse:
    """An earlier, superseded version of a closed month."""
    try:
        view = selectors.snapshot_version(
            user=request.user, month=parse_month(month), version=number
        )
    except DomainError as error:
        return render_error(request, error)
    context = {
        "view": view,
        "tables": view.tables(),
        "rule_lines": rules_lines(view.rule_values),
        "selected": view.period.month,
        "figure_names": FIGURES,
        "superseded": not view.snapshot.is_current,
    }
    return render(request, "evaluation/rankings_version.html", context)


def _export(request: HttpRequest, month: str, kind: str) -> HttpResponse:
    try:
        view = selectors.month_view(user=request.user, month=parse_month(month))
    except DomainError as error:
        return render_error(request, error)
    if kind == "xlsx":
        response = HttpResponse(
            exports.xlsx_bytes(view),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(exports.csv_text(view), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(view, kind)}"'
    return response


@role_required(*RANKING_ROLES)
def export_xlsx(request: HttpRequest, month: str) -> HttpResponse:
    return _export(request, month, "xlsx")


@role_required(*RANKING_ROLES)
def export_csv(request: HttpRequest, month: str) -> HttpResponse:
    return _export(request, month, "csv")


@require_POST
@role_required(Role.ADMIN)
def close_month(request: HttpRequest, month: str) -> HttpResponse:
    form = CloseMonthForm(request.POST)
    try:
        selected = parse_month(month)
    except DomainError as error:  # no month to show the dashboard of
        return render_error(request, error)
    try:
        form.is_valid()
        snapshot = services.month_close(
            month=selected, actor=request.user, reason=form.cleaned_data.get("reason", "")
        )
    except DomainError as error:
        apply_domain_error(form, error)
        try:
            return _dashboard(
                request, selected, close_form=form, error=error, status=error.http_status
            )
        except DomainError as other:
            return render_error(request, other)
    messages.success(
        request,
        _("%(month)s 已结算发布（第 %(version)s 版）")
        % {"month": format(snapshot.month, "%Y-%m"), "version": snapshot.version},
    )
    return redirect(reverse("evaluation:rankings_month", args=[f"{snapshot.month:%Y-%m}"]))


# --- one unit ---------------------------------------------------------------------------------------


@role_required(Role.UNIT_STAFF)
def my_unit(request: HttpRequest) -> HttpResponse:
    unit = unit_of(request.user)
    if unit is None:  # an administrator has no unit of their own
        return render_error(request, NotAllowed(_("仅承办单位工作人员")))
    month = request.GET.get("month") or f"{current_month():%Y-%m}"
    if not MONTH.match(month):
        month = f"{current_month():%Y-%m}"
    return redirect(reverse("evaluation:unit_month", args=[month, unit.pk]))


@role_required(*UNIT_PAGE_ROLES)
def unit_month(request: HttpRequest, month: str, unit_id: int) -> HttpResponse:
    try:
        selected = parse_month(month)
        view, figures = selectors.unit_month(user=request.user, month=selected, unit_id=unit_id)
        lost = selectors.drill_down(
            user=request.user, month=selected, unit_id=unit_id, figure="lost_points"
        )
        trend = selectors.unit_trend(user=request.user, unit_id=unit_id)
    except DomainError as error:
        return render_error(request, error)
    if view.live and figures.composite is not None:
        trend = [*trend, {"month": view.period.month, "live": True, **_rates(figures)}][-12:]
    page = Paginator(lost.follow_ups, 20).get_page(request.GET.get("page"))
    context = {
        "view": view,
        "figures": figures,
        "unit": lost.unit,
        "lost": page,
        "trend_chart": line_chart(
            trend, RATE_SERIES, label=_("%(name)s 趋势") % {"name": lost.unit.name}
        ),
        "rule_lines": rules_lines(view.rule_values),
        "months": _month_choices(selected),
        "selected": selected,
        "own_unit": role_of(request.user) == Role.UNIT_STAFF,
        "figure_names": FIGURES,
    }
    return render(request, "evaluation/unit_month.html", context)


def _rates(figures) -> dict:
    return {
        name: getattr(figures, name)
        for name in ("response_rate", "resolution_rate", "satisfaction_rate", "composite")
    }


@role_required(*UNIT_PAGE_ROLES)
def drill_down(request: HttpRequest, month: str, unit_id: int, figure: str) -> HttpResponse:
    try:
        result = selectors.drill_down(
            user=request.user, month=parse_month(month), unit_id=unit_id, figure=figure
        )
    except DomainError as error:
        return render_error(request, error)
    rows = result.follow_ups if result.follow_ups is not None else result.tickets
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    context = {
        "result": result,
        "view": result.view,
        "page": page,
        "is_tickets": result.tickets is not None,
        "own_unit": role_of(request.user) == Role.UNIT_STAFF,
    }
    return render(request, "evaluation/drill_down.html", context)
