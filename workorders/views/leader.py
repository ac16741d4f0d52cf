"""The leader's read-only overview: status counts. Where an app registers a "cockpit" page (the
leaders' cockpit), this URL leads there instead, so old bookmarks keep working."""

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from workorders.access import tickets_visible_to
from workorders.models import OPEN_STATUSES, Role, Status
from workorders.registry import has_page, page_url
from workorders.views.common import role_required


@role_required(Role.LEADER)
def overview(request: HttpRequest) -> HttpResponse:
    if has_page("cockpit"):
        return redirect(page_url("cockpit"))
    rows = tickets_visible_to(request.user).order_by().values("status").annotate(n=Count("pk"))
    counts = {row["status"]: row["n"] for row in rows}
    statuses = [
        {
            "value": status.value,
            "label": status.label,
            "count": counts.get(status.value, 0),
            "open": status in OPEN_STATUSES,
        }
        for status in Status
    ]
    context = {
        "all_tickets_url": page_url("all_tickets"),
        "statuses": statuses,
        "total": sum(counts.values()),
        "open_total": sum(counts.get(s, 0) for s in OPEN_STATUSES),
    }
    return render(request, "workorders/overview.html", context)
