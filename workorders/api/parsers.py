"""Request bodies: the JSON parser of the API, and Django's body limits in the API's error shape.

Python's json module raises RecursionError (not ValueError) for deeply nested arrays such as
``[[[[…]]]]``; DRF would let that through as a 500. Bodies are bounded by Django's
DATA_UPLOAD_MAX_MEMORY_SIZE, which DRF applies to JSON too since it reads ``request.body``.
"""

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, parsers, status

# Raised by Django as SuspiciousOperations, which would leave the API's error shape;
# ApiMixin.handle_exception turns them into RequestTooLarge.
BODY_LIMITS = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = _("请求内容过大，大图片请用 multipart 上传")


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON nested too deeply") from None
