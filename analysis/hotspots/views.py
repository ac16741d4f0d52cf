"""The page /analysis/hotspots/ (leaders, dispatchers): current hotspots with their history, and
clusters with their tickets."""

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from analysis.hotspots import selectors
from analysis.models import HotspotSettings
from hotline.lib.errors import DomainError
from workorders.views.common import render_error, role_required

PAGE_CLUSTERS = 50  # the biggest first; the API lists them all


def proactive_url(numbers: list[str]) -> str:
    """ "Create a proactive work order" prefilled with these tickets."""
    return f"{reverse('analysis:proactive_new')}?{urlencode({'tickets': ','.join(numbers)})}"


def rows(result: selectors.Report) -> tuple[list[dict], list[dict]]:
    """Hotspots and clusters as the page and the cockpit section show them."""
    trees = result.detection.trees
    history = selectors.histories(result.detection.hotspots, result.detection.period)
    hotspots = []
    for h in result.detection.hotspots:
        past = history.get((str(h.kind), h.category_id, h.region_id, h.spot))
        hotspots.append(
            {
                "hotspot": h,
                "kind_label": selectors.kind_label(h.kind),
                "category": trees.categories[h.category_id],
                "region": trees.regions[h.region_id],
                "history": past,
                "trend_label": selectors.TREND_LABELS.get(past.trend) if past else "",
            }
        )
    clusters = []
    for c in result.clusters[:PAGE_CLUSTERS]:
        clusters.append(
            {
                "cluster": c,
                "region": trees.regions.get(c.region_id),
                "tickets": list(zip(c.ticket_ids, c.numbers, strict=True)),
                "proactive_url": proactive_url(c.numbers),
            }
        )
    return hotspots, clusters


@role_required(*selectors.HOTSPOT_ROLES)
def hotspots_page(request: HttpRequest) -> HttpResponse:
    try:
        result = selectors.report(
            user=request.user, end=request.GET.get("end"), days=request.GET.get("days")
        )
    except DomainError as error:
        return render_error(request, error)
    hotspots, clusters = rows(result)
    context = {
        "period": result.detection.period,
        "hotspots": hotspots,
        "clusters": clusters,
        "cells_tested": result.detection.cells_tested,
        "alpha": result.detection.alpha,
        "rules": HotspotSettings.current(),
        "day_choices": (1, 7, 30),
    }
    return render(request, "analysis/hotspots.html", context)
