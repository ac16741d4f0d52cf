from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("hotline.api_urls")),
    path("dispatch/", include("dispatch.urls")),
    path("follow-up/", include("evaluation.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("workorders.urls")),
]
