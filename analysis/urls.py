"""Pages of the analysis app, under /analysis/."""

from django.urls import path

from analysis import views
from analysis.hotspots import views as hotspots
from analysis.proactive import views as proactive
from analysis.topics import views as topics

app_name = "analysis"

urlpatterns: list = [
    path("cockpit/", views.cockpit, name="cockpit"),
    path("cockpit/export.xlsx", views.cockpit_export, name="cockpit_export"),
    path("cockpit/map.json", views.cockpit_map, name="cockpit_map"),
    path("proactive/", proactive.proactive_list, name="proactive_list"),
    path("proactive/new/", proactive.proactive_new, name="proactive_new"),
    path("topics/", topics.topic_list, name="topic_list"),
    path("topics/new/", topics.topic_new, name="topic_new"),
    path("topics/<int:pk>/", topics.topic_detail, name="topic_detail"),
    path("topics/<int:pk>/edit/", topics.topic_edit, name="topic_edit"),
    path("topics/<int:pk>/problems/", topics.topic_problem_add, name="topic_problem_add"),
    path(
        "topics/<int:pk>/problems/<int:problem_id>/",
        topics.topic_problem_update,
        name="topic_problem_update",
    ),
    path("hotspots/", hotspots.hotspots_page, name="hotspots"),
]
