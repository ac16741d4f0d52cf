"""The unit's workbench: its tickets by tab, with a count on every tab, their lights, and the
督办 notices the unit still has to answer."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from hotline.lib.errors import DomainError
from workorders import registry, selectors
from workorders.access import ticket_stub, unit_of
from workorders.forms import WorkbenchFilterForm
from workorders.models import Role, Ticket, Unit
from workorders.selectors import district_street_figures, open_supervisions, unit_light_counts
from workorders.views.common import paginate, render_error, role_required


@role_required(Role.UNIT_STAFF)
def workbench(request: HttpRequest) -> HttpResponse:
    unit = unit_of(request.user)
    # A district government handles little itself: it starts on its streets' tickets.
    district = unit is not None and unit.kind == Unit.Kind.DISTRICT
    tab = request.GET.get("tab") or ("all" if district else "new")
    now = timezone.now()
    try:
        counts = {
            name: selectors.unit_workbench(user=request.user, tab=name).count()
            for name in selectors.WORKBENCH_TABS
        }
        selectors.unit_workbench(user=request.user, tab=tab)  # an unknown tab is a 400 page
    except DomainError as error:
        return render_error(request, error)
    # A bad filter is a message above an empty list, with the filters still there to fix.
    error, status = None, 200
    try:
        tickets = selectors.unit_workbench(user=request.user, tab=tab, filters=request.GET, now=now)
    except DomainError as exc:
        error, status, tickets = exc, exc.http_status, Ticket.objects.none()
    tabs = [
        {"name": name, "label": label, "count": counts[name], "active": name == tab}
        for name, label in selectors.WORKBENCH_TABS.items()
    ]
    page = paginate(request, tickets)
    if tab == "ended":
        page.object_list = [ticket_stub(ticket) for ticket in page.object_list]
    shown = request.GET.copy()
    shown["tab"] = tab  # the filters stay on the tab they were set on
    context = {
        "tabs": tabs,
        "tab": tab,
        "page": page,
        "error": error,
        "now": now,
        "filter_form": WorkbenchFilterForm(shown),
        "filtered": any(value for key, value in request.GET.items() if key not in ("page", "tab")),
        "lights": unit_light_counts(user=request.user, now=now),
        "unit": unit,
        "district_streets": district_street_figures(user=request.user, now=now) if district else [],
        "supervisions": open_supervisions(user=request.user).select_related(
            "created_by__profile", "by_unit"
        ),
        "page_panels": registry.page_panels("unit_workbench", request),
    }
    return render(request, "workorders/unit_workbench.html", context, status=status)
