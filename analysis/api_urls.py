"""API routes of the analysis app, included at /api/analysis/."""

from django.urls import path

from analysis import api
from analysis.hotspots.api import HotspotsView
from analysis.proactive import api as proactive_api
from analysis.topics import api as topics_api

urlpatterns: list = [
    path("hotspots/", HotspotsView.as_view(), name="api_hotspots"),
    path("cockpit/", api.CockpitView.as_view(), name="api-analysis-cockpit"),
    path("proactive/", proactive_api.ProactiveView.as_view(), name="api-analysis-proactive"),
    path("topics/", topics_api.TopicsView.as_view(), name="api-analysis-topics"),
    path("topics/<int:pk>/", topics_api.TopicView.as_view(), name="api-analysis-topic"),
    path(
        "topics/<int:pk>/volume/",
        topics_api.TopicVolumeView.as_view(),
        name="api-analysis-topic-volume",
    ),
    path(
        "topics/<int:pk>/problems/",
        topics_api.ProblemsView.as_view(),
        name="api-analysis-topic-problems",
    ),
    path(
        "topics/<int:pk>/problems/<int:problem_id>/",
        topics_api.ProblemView.as_view(),
        name="api-analysis-topic-problem",
    ),
]
