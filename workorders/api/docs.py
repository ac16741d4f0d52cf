"""The API's documentation pages, served with local assets only.

Many government networks have no internet access (DESIGN.md), so Swagger UI and Redoc come from
drf-spectacular-sidecar's static files; this module removes the last outside calls they make:
Swagger UI's online validator badge and the web fonts Redoc's page template loads.
"""

import json

from django.http import HttpResponse
from django.template import engines
from drf_spectacular.settings import spectacular_settings
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

API_DESCRIPTION = """
12345 热线工单平台的接口，供电话系统、移动应用和其他平台使用。
(REST API of the 12345 hotline work-order platform, for phone systems, apps and other platforms.)

**身份验证 (authentication)**：`POST /api/auth/token/` 用用户名和密码换取令牌，之后每个请求带请求头
`Authorization: Token <token>`；浏览器内可用登录会话 (session + CSRF)。提交诉求 `POST /api/tickets/`
和凭查询码查进度 `/api/public/…` 无需登录；查询码放在请求头 `X-Query-Code`（补充信息时放在请求体的
`code`），不要放进网址 (the query code goes in the `X-Query-Code` header, never in the URL)。

**错误 (errors)**：所有错误都是 `{"code", "message", "fields"}`，`fields` 为字段 → 错误信息。
`message` 默认为中文；请求头 `Accept-Language: en` 时为英文 (English with `Accept-Language: en`)。400 输入有误，401 未登录，403 角色无权，404 不存在或无权查看，
409 工单当前状态不允许，413 请求过大，429 请求过于频繁，
503 系统暂时不可用（如数据库重启），按响应头 `Retry-After` 的秒数后重试。
"""


class SwaggerView(SpectacularSwaggerSplitView):
    """The split view: the page's start-up script is served from the same URL (``?script``)
    instead of inline, as the Content-Security-Policy (script-src 'self') requires."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if "settings" in response.data:  # the script's answer
            # validatorUrl null: no badge fetched from validator.swagger.io.
            response.data["settings"] = json.dumps(
                {**spectacular_settings.SWAGGER_UI_SETTINGS, "validatorUrl": None}
            )
        return response


# drf-spectacular's Redoc page, without the Google Fonts links of its <head>.
_REDOC_PAGE = """<!DOCTYPE html>
<html lang="zh-hans">
  <head>
    <title>{{ title }}</title>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <style>body { margin: 0; padding: 0; }</style>
  </head>
  <body>
    <redoc spec-url="{{ schema_url }}"></redoc>
    <script src="{{ redoc_standalone }}"></script>
  </body>
</html>
"""


class RedocView(SpectacularRedocView):
    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        template = engines["django"].from_string(_REDOC_PAGE)
        context = {
            "title": self.title,
            "schema_url": self._get_schema_url(request),
            "redoc_standalone": self._redoc_standalone(),
        }
        return HttpResponse(template.render(context, request))
