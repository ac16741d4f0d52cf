"""Pages of the analysis app, under /analysis/."""

from django.urls import path

from analysis import views

app_name = "analysis"

urlpatterns = [
    path("cockpit/", views.cockpit, name="cockpit"),
    path("cockpit/export.xlsx", views.cockpit_export, name="cockpit_export"),
    path("cockpit/map.json", views.cockpit_map, name="cockpit_map"),
]
