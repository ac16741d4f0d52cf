from django.contrib.auth import views as auth_views
from django.urls import path

from workorders.views import accounts, citizen, common, leader, operator, unit

# Action names accepted by /tickets/<pk>/<action>/; the others post to dispatch/ and follow-up/.
TICKET_ACTIONS = (
    "accept",
    "contact",
    "progress",
    "request_return",
    "request_extension",
    "resolve",
    "request_pause",
    "resume",
    "acknowledge_supervision",
    "answer",
    "merge",
    "invalid",
)

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
    path("overview/", leader.overview, name="overview"),
    path("tickets/<int:pk>/", common.ticket_detail, name="ticket_detail"),
    path("tickets/<int:pk>/reveal/", common.reveal_contact, name="ticket_reveal"),
    path(
        "tickets/<int:pk>/attachments/<str:token>/",
        common.attachment,
        name="ticket_attachment",
    ),
]
urlpatterns += [
    path(f"tickets/<int:pk>/{name}/", common.ticket_action, {"action": name}, name=f"ticket_{name}")
    for name in TICKET_ACTIONS
]
