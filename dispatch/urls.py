from django.urls import path

from dispatch import views

app_name = "dispatch"

urlpatterns = [
    path("triage/", views.triage, name="triage"),
    path("tickets/", views.all_tickets, name="tickets"),
    path("tickets/<int:pk>/dispatch/", views.dispatch_ticket, name="dispatch_ticket"),
    path("tickets/<int:pk>/return/", views.decide_return, name="decide_return"),
    path("tickets/<int:pk>/extension/", views.decide_extension, name="decide_extension"),
    path("tickets/<int:pk>/pause/", views.decide_pause, name="decide_pause"),
    path("tickets/<int:pk>/supervise/", views.supervise, name="supervise"),
    path("approvals/", views.approvals, name="approvals"),
    path("supervision/", views.supervision, name="supervision"),
]
