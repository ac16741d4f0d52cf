from django.urls import path

from evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("", views.followup, name="followup"),
    path("tickets/<int:pk>/start/", views.start, name="start_follow_up"),
    path("tickets/<int:pk>/close/", views.close, name="close"),
    path("tickets/<int:pk>/reopen/", views.reopen, name="reopen"),
]
