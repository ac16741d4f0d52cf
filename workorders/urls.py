from django.contrib.auth import views as auth_views
from django.urls import path

from workorders.views import accounts, citizen, common, inbox, leader, operator, unit

urlpatterns = [
    path("", common.home, name="home"),
    path("accounts/login/", accounts.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # citizens
    path("submit/", citizen.submit, name="submit"),
    path("submit/done/", citizen.submit_done, name="submit_done"),
    path("track/", citizen.track, name="track"),
    path("track/supplement/", citizen.track_supplement, name="track_supplement"),
    path("track/forget/", citizen.track_forget, name="track_forget"),
    path("my/", citizen.my_tickets, name="my_tickets"),
    path("my/tickets/<int:pk>/", citizen.my_ticket, name="my_ticket"),
    # staff
    path("operator/", operator.workspace, name="operator"),
    path("unit/", unit.workbench, name="unit"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/read-all/", inbox.read_all, name="inbox_read_all"),
    path("inbox/<int:pk>/read/", inbox.read, name="inbox_read"),
    path("overview/", leader.overview, name="overview"),
    path("tickets/<int:pk>/", common.ticket_detail, name="ticket_detail"),
    path(
        "tickets/<int:pk>/attachments/<str:token>/",
        common.attachment,
        name="ticket_attachment",
    ),
    # Every registered ticket action, whichever app declared it (workorders.registry).
    path("tickets/<int:pk>/<slug:action>/", common.ticket_action, name="ticket_action"),
]
