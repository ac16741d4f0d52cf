from django.contrib import admin
from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.urls import include, path, re_path


def moved_to_evaluation(request: HttpRequest, rest: str) -> HttpResponsePermanentRedirect:
    """The evaluation pages were under /follow-up/ before they took their app's name; survey
    links already sent by SMS point there. 308 keeps a POST a POST."""
    query = request.META.get("QUERY_STRING", "")
    response = HttpResponsePermanentRedirect(f"/evaluation/{rest}" + (f"?{query}" if query else ""))
    response.status_code = 308
    return response


# Under /api/ the API's error shape, elsewhere the HTML pages (hotline.error_pages).
handler400 = "hotline.error_pages.bad_request"
handler403 = "hotline.error_pages.permission_denied"
handler404 = "hotline.error_pages.page_not_found"
handler500 = "hotline.error_pages.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("hotline.api_urls")),
    path("dispatch/", include("dispatch.urls")),
    path("evaluation/", include("evaluation.urls")),
    path("knowledge/", include("knowledge.urls")),
    path("analysis/", include("analysis.urls")),
    re_path(r"^follow-up/(?P<rest>.*)$", moved_to_evaluation),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("workorders.urls")),
]
