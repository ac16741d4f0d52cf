from django.urls import path

from knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("", views.public_search, name="search"),
    path("<int:pk>/", views.entry_page, name="entry"),
    path("manage/", views.manage, name="manage"),
    path("manage/new/", views.create, name="create"),
    path("manage/<int:pk>/", views.edit, name="edit"),
    path("manage/<int:pk>/versions/", views.versions, name="versions"),
    path("manage/<int:pk>/restore/", views.restore, name="restore"),
    path("report/", views.report, name="report"),
]
