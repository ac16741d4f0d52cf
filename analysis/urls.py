"""Pages of the analysis app, under /analysis/."""

from django.urls import path

from analysis.hotspots import views as hotspots

app_name = "analysis"

urlpatterns: list = [
    path("hotspots/", hotspots.hotspots_page, name="hotspots"),
]
