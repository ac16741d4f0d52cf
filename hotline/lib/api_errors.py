"""One error shape for the whole API: {"code", "message", "fields"}."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from hotline.lib.errors import DomainError

_MESSAGES = {
    exceptions.NotAuthenticated: _("请先登录"),
    exceptions.AuthenticationFailed: _("身份验证失败"),
    exceptions.PermissionDenied: _("无权执行此操作"),
    exceptions.NotFound: _("未找到"),
    exceptions.MethodNotAllowed: _("不支持该请求方法"),
    exceptions.Throttled: _("请求过于频繁，请稍后再试"),
    exceptions.ParseError: _("请求格式错误"),
    exceptions.UnsupportedMediaType: _("不支持的内容类型"),
}


def _flatten(detail) -> list[str]:
    if isinstance(detail, list):
        return [str(item) for item in detail]
    if isinstance(detail, dict):
        return [f"{key}: {value}" for key, values in detail.items() for value in _flatten(values)]
    return [str(detail)]


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {"code": exc.code, "message": exc.message, "fields": exc.fields}
        return Response(body, status=exc.http_status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = {key: _flatten(value) for key, value in detail.items()}
        response.data = {
            "code": "invalid_input",
            "message": gettext("提交的内容有误，请检查后重试"),
            "fields": fields,
        }
        response.status_code = status.HTTP_400_BAD_REQUEST
        return response
    message = _MESSAGES.get(type(exc), str(getattr(exc, "detail", exc)))
    response.data = {
        "code": getattr(exc, "default_code", "error"),
        "message": message,
        "fields": {},
    }
    return response
