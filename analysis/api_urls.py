"""API routes of the analysis app, included at /api/analysis/."""

from django.urls import path

from analysis.hotspots.api import HotspotsView

urlpatterns: list = [
    path("hotspots/", HotspotsView.as_view(), name="api_hotspots"),
]
