"""API routes of the analysis app, included at /api/analysis/."""

from django.urls import path

from analysis import api

urlpatterns = [
    path("cockpit/", api.CockpitView.as_view(), name="api-analysis-cockpit"),
]
