"""Routes of the REST API, included at /api/. Views: workorders.api, dispatch.api, evaluation.api,
knowledge.api (its own routes, knowledge.api_urls);
the ticket actions are whatever the apps registered (workorders.registry)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from dispatch import api as dispatch_api
from evaluation import api as evaluation_api
from workorders.api import inbox, views
from workorders.api.actions import TicketActionView
from workorders.api.docs import API_DESCRIPTION, RedocView, SwaggerView
from workorders.registry import ticket_actions

urlpatterns = [
    path("tickets/", views.TicketsView.as_view(), name="api-tickets"),
    path(
        "tickets/similar/",
        dispatch_api.SimilarTicketsView.as_view(),
        name="api-tickets-similar",
    ),
    path(
        "tickets/caller-history/",
        views.CallerHistoryView.as_view(),
        name="api-caller-history",
    ),
    path("tickets/<int:pk>/", views.TicketDetailView.as_view(), name="api-ticket"),
    path("tickets/<int:pk>/events/", views.TicketEventsView.as_view(), name="api-ticket-events"),
    path(
        "tickets/<int:pk>/attachments/<str:token>/",
        views.TicketAttachmentView.as_view(),
        name="api-ticket-attachment",
    ),
    # Every registered ticket action (workorders.registry), one view for all.
    *[
        path(
            f"tickets/<int:pk>/{action.api_path}/",
            TicketActionView.as_view(action_name=action.name),
            name=f"api-ticket-{action.api_path.replace('/', '-')}",
        )
        for action in ticket_actions()
        if action.api_path
    ],
    path(
        "public/tickets/<str:number>/",
        views.PublicTicketView.as_view(),
        name="api-public-ticket",
    ),
    path(
        "public/tickets/<str:number>/attachments/<str:token>/",
        views.PublicAttachmentView.as_view(),
        name="api-public-ticket-attachment",
    ),
    path(
        "public/tickets/<str:number>/supplements/",
        views.PublicSupplementView.as_view(),
        name="api-public-supplement",
    ),
    path("triage/", dispatch_api.TriageQueueView.as_view(), name="api-triage"),
    path("triage/returns/", dispatch_api.PendingReturnsView.as_view(), name="api-returns"),
    path("triage/extensions/", dispatch_api.PendingExtensionsView.as_view(), name="api-extensions"),
    path("triage/pauses/", dispatch_api.PendingPausesView.as_view(), name="api-pauses"),
    path("supervision/", dispatch_api.SupervisionQueueView.as_view(), name="api-supervision"),
    path(
        "supervision/units/",
        dispatch_api.SupervisionUnitsView.as_view(),
        name="api-supervision-units",
    ),
    path("unit/tickets/", views.UnitWorkbenchView.as_view(), name="api-unit-tickets"),
    path(
        "unit/supervisions/",
        views.UnitSupervisionsView.as_view(),
        name="api-unit-supervisions",
    ),
    path("inbox/", inbox.InboxView.as_view(), name="api-inbox"),
    path("inbox/read-all/", inbox.InboxReadAllView.as_view(), name="api-inbox-read-all"),
    path(
        "inbox/unread-count/", inbox.InboxUnreadCountView.as_view(), name="api-inbox-unread-count"
    ),
    path("inbox/<int:pk>/read/", inbox.InboxReadView.as_view(), name="api-inbox-read"),
    path("unit/lights/", views.UnitLightCountsView.as_view(), name="api-unit-lights"),
    path("follow-up/", evaluation_api.FollowUpQueueView.as_view(), name="api-follow-up"),
    # follow-up rounds, the citizen's survey, exemptions and rankings (evaluation.api)
    path("follow-ups/", evaluation_api.FollowUpListView.as_view(), name="api-follow-ups"),
    path(
        "follow-ups/<int:pk>/",
        evaluation_api.FollowUpDetailView.as_view(),
        name="api-follow-up-one",
    ),
    path(
        "follow-ups/<int:pk>/calls/",
        evaluation_api.FollowUpCallView.as_view(),
        name="api-follow-up-calls",
    ),
    path(
        "follow-ups/<int:pk>/decision/",
        evaluation_api.FollowUpDecisionView.as_view(),
        name="api-follow-up-decision",
    ),
    path("public/surveys/<str:token>/", evaluation_api.SurveyView.as_view(), name="api-survey"),
    path("exemptions/", evaluation_api.ExemptionsView.as_view(), name="api-exemptions"),
    path(
        "exemptions/<int:pk>/decision/",
        evaluation_api.ExemptionDecisionView.as_view(),
        name="api-exemption-decision",
    ),
    path("rankings/<str:month>/", evaluation_api.RankingsView.as_view(), name="api-rankings"),
    path(
        "rankings/<str:month>/export.xlsx",
        evaluation_api.ExportView.as_view(),
        name="api-rankings-xlsx",
    ),
    path(
        "rankings/<str:month>/export.csv",
        evaluation_api.CsvExportView.as_view(),
        name="api-rankings-csv",
    ),
    path(
        "rankings/<str:month>/close/",
        evaluation_api.CloseMonthView.as_view(),
        name="api-rankings-close",
    ),
    path(
        "rankings/<str:month>/units/<int:unit_id>/",
        evaluation_api.UnitMonthView.as_view(),
        name="api-rankings-unit",
    ),
    path(
        "rankings/<str:month>/units/<int:unit_id>/<str:figure>/",
        evaluation_api.DrillDownView.as_view(),
        name="api-rankings-drill-down",
    ),
    path("knowledge/", include("knowledge.api_urls")),
    path("analysis/", include("analysis.api_urls")),
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
