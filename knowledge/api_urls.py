"""Routes of the knowledge API, included by hotline.api_urls at /api/knowledge/."""

from django.urls import path

from knowledge import api

urlpatterns = [
    path("entries/", api.EntriesView.as_view(), name="api-knowledge-entries"),
    path("entries/<int:pk>/", api.EntryView.as_view(), name="api-knowledge-entry"),
    path("entries/<int:pk>/versions/", api.VersionsView.as_view(), name="api-knowledge-versions"),
    path("entries/<int:pk>/restore/", api.RestoreView.as_view(), name="api-knowledge-restore"),
    path("search/", api.SearchView.as_view(), name="api-knowledge-search"),
    path("searches/<int:pk>/click/", api.ClickView.as_view(), name="api-knowledge-click"),
]
