from django.urls import path

from dispatch import views

app_name = "dispatch"

urlpatterns = [
    path("triage/", views.triage, name="triage"),
    path("tickets/", views.all_tickets, name="tickets"),
    path("tickets/<int:pk>/dispatch/", views.dispatch_ticket, name="dispatch_ticket"),
    path("approvals/", views.approvals, name="approvals"),
    path("supervision/", views.supervision, name="supervision"),
]
