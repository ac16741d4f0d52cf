"""Pages of the analysis app, under /analysis/."""

from django.urls import path  # noqa: F401

app_name = "analysis"

urlpatterns: list = []
