"""Routes of the REST API, included at /api/. Views: workorders.api, dispatch.api, evaluation.api."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from dispatch import api as dispatch_api
from evaluation import api as evaluation_api
from workorders.api import views
from workorders.api.docs import API_DESCRIPTION, RedocView, SwaggerView

ticket_actions = [
    ("accept", views.AcceptView),
    ("contact", views.ContactView),
    ("progress", views.ProgressView),
    ("return", views.ReturnView),
    ("return-decision", dispatch_api.ReturnDecisionView),
    ("extension", views.ExtensionView),
    ("extension-decision", dispatch_api.ExtensionDecisionView),
    ("resolve", views.ResolveView),
    ("answer", views.AnswerView),
    ("merge", views.MergeView),
    ("invalid", views.InvalidView),
    ("dispatch", dispatch_api.DispatchView),
    ("follow-up/start", evaluation_api.FollowUpStartView),
    ("close", evaluation_api.CloseView),
    ("reopen", evaluation_api.ReopenView),
    ("reveal-contact", views.RevealContactView),
]

urlpatterns = [
    path("tickets/", views.TicketsView.as_view(), name="api-tickets"),
    path("tickets/<int:pk>/", views.TicketDetailView.as_view(), name="api-ticket"),
    path("tickets/<int:pk>/events/", views.TicketEventsView.as_view(), name="api-ticket-events"),
    *[
        path(
            f"tickets/<int:pk>/{action}/",
            view.as_view(),
            name=f"api-ticket-{action.replace('/', '-')}",
        )
        for action, view in ticket_actions
    ],
    path(
        "public/tickets/<str:number>/",
        views.PublicTicketView.as_view(),
        name="api-public-ticket",
    ),
    path(
        "public/tickets/<str:number>/supplements/",
        views.PublicSupplementView.as_view(),
        name="api-public-supplement",
    ),
    path("triage/", dispatch_api.TriageQueueView.as_view(), name="api-triage"),
    path("triage/returns/", dispatch_api.PendingReturnsView.as_view(), name="api-returns"),
    path("triage/extensions/", dispatch_api.PendingExtensionsView.as_view(), name="api-extensions"),
    path("unit/tickets/", views.UnitWorkbenchView.as_view(), name="api-unit-tickets"),
    path("follow-up/", evaluation_api.FollowUpQueueView.as_view(), name="api-follow-up"),
    path("units/", views.UnitListView.as_view(), name="api-units"),
    path("categories/", views.CategoryListView.as_view(), name="api-categories"),
    path("regions/", views.RegionListView.as_view(), name="api-regions"),
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path(
        "schema/",
        SpectacularAPIView.as_view(custom_settings={"DESCRIPTION": API_DESCRIPTION}),
        name="api-schema",
    ),
    path("docs/", SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", RedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
