"""API routes of the analysis app, included at /api/analysis/."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
