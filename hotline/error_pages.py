"""What the site answers when a request cannot be served: Django's error handlers and the
database-outage middleware.

Under /api/ every answer is the API's error shape ``{"code", "message", "fields"}`` (DRF's views
already answer so; these cover what never reaches a DRF view: unknown paths, ids that do not
match a route, crashes). Pages keep the HTML error pages.

A database that is down or restarting is not a bug: it answers 503 with ``Retry-After`` (JSON
under /api/, a page elsewhere) instead of the 500 page, so that phone systems and apps retry
and people are told to come back shortly. Nothing here touches the database.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext
from django.views import defaults

logger = logging.getLogger(__name__)

# Long enough for PostgreSQL to restart or fail over, short enough that a retry soon succeeds.
RETRY_AFTER_SECONDS = 30
DATABASE_ERRORS = (OperationalError, InterfaceError)


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


def api_error(code: str, message: str, status: int) -> JsonResponse:
    body = {"code": code, "message": message, "fields": {}}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def database_unavailable(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        response = api_error("unavailable", gettext("系统暂时不可用，请稍后再试"), 503)
    else:
        # Rendered without the request: the context processors would ask the database.
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseOutageMiddleware:
    """A view that fails because the database is unreachable answers 503, not 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not isinstance(exception, DATABASE_ERRORS):
            return None  # Django's handling: the 500 handler below, and the error log
        logger.warning(
            "database unavailable (%s) on %s %s",
            type(exception).__name__,
            request.method,
            request.path_info,
        )
        return database_unavailable(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return api_error("bad_request", gettext("请求有误"), 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return api_error("permission_denied", gettext("无权执行此操作"), 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return api_error("not_found", gettext("未找到"), 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this while handling the exception. A database error raised outside a view
    # (a middleware saving the session) did not pass through the middleware above.
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable(request)
    if is_api(request):
        return api_error("error", gettext("系统繁忙，请稍后再试"), 500)
    return defaults.server_error(request)
