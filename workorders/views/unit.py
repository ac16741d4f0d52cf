"""The unit's workbench: its tickets by tab, with a count on every tab."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hotline.lib.errors import DomainError
from workorders import selectors
from workorders.models import Role
from workorders.views.common import paginate, render_error, role_required


@role_required(Role.UNIT_STAFF)
def workbench(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", "new")
    try:
        tickets = selectors.unit_workbench(user=request.user, tab=tab)
        counts = {
            name: selectors.unit_workbench(user=request.user, tab=name).count()
            for name in selectors.WORKBENCH_TABS
        }
    except DomainError as error:
        return render_error(request, error)
    tabs = [
        {"name": name, "label": label, "count": counts[name], "active": name == tab}
        for name, label in selectors.WORKBENCH_TABS.items()
    ]
    context = {"tabs": tabs, "tab": tab, "page": paginate(request, tickets)}
    return render(request, "workorders/unit_workbench.html", context)
