"""Pages of the leaders' cockpit: adapters over analysis.cockpit."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import condition

from analysis import cockpit as reads
from analysis import exports
from hotline.lib.errors import DomainError
from workorders.views.common import render_error, role_required


def _period(request: HttpRequest) -> reads.CockpitPeriod:
    return reads.cockpit_period(period=request.GET.get("period"), end=request.GET.get("end"))


@role_required(*reads.COCKPIT_ROLES)
def cockpit(request: HttpRequest) -> HttpResponse:
    try:
        period = _period(request)
        data = reads.cockpit_data(user=request.user, period=period)
    except DomainError as error:
        return render_error(request, error)
    context = {
        "data": data,
        "period": period,
        "periods": [(value, str(label)) for value, label in reads.PERIODS.items()],
        "category_rows": reads.category_rows(data["categories"]),
        "sections": reads.sections(user=request.user, period=period),
        "has_map": reads.city_map_stamp() != "none",
    }
    return render(request, "analysis/cockpit.html", context)


@role_required(*reads.COCKPIT_ROLES)
def cockpit_export(request: HttpRequest) -> HttpResponse:
    try:
        period = _period(request)
        data = reads.cockpit_data(user=request.user, period=period)
    except DomainError as error:
        return render_error(request, error)
    response = HttpResponse(
        exports.cockpit_xlsx(data),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(data)}"'
    return response


def _map_etag(request: HttpRequest) -> str:
    return reads.city_map_stamp()


@role_required(*reads.COCKPIT_ROLES)
@condition(etag_func=_map_etag)
def cockpit_map(request: HttpRequest) -> HttpResponse:
    """The active city map as two FeatureCollections (districts, streets); the browser keeps it
    and asks again with If-None-Match (a real city's boundaries are megabytes)."""
    data = reads.city_map()
    response = JsonResponse(data or {"districts": None, "streets": None})
    response["Cache-Control"] = "private, no-cache"
    return response
