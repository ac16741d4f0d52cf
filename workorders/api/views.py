"""REST endpoints of the Ticket aggregate: intake, tracking, reads and the unit's actions.

Every endpoint is an adapter (STYLE.md rule 6): check the request's shape with a serializer, call
the same service or selector as the pages, render. Who may do what is decided by the services and
by ``access.ticket_get_for_user``; DomainErrors become ``{"code", "message", "fields"}`` in
``hotline.lib.api_errors``. Dispatcher endpoints live in ``dispatch.api``, follow-up ones in
``evaluation.api``; all routes are in ``hotline.api_urls``.
"""

from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import gettext, gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, parsers, permissions, serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from hotline.lib.attempts import check, client_address, login_guards, tracking_limited
from hotline.lib.errors import InvalidInput
from workorders import selectors, services
from workorders.access import (
    TicketStub,
    role_of,
    ticket_get_for_user,
    ticket_or_stub_for_user,
    ticket_stub,
)
from workorders.api import serializers as s
from workorders.api.parsers import BODY_LIMITS, JSONParser, RequestTooLarge
from workorders.attachments import attachment_response
from workorders.models import (
    Assignment,
    Category,
    Channel,
    Region,
    Role,
    Supervision,
    Ticket,
    Unit,
)
from workorders.models.tickets import red_at_expression
from workorders.selectors import open_supervisions, unit_light_counts
from workorders.services.intake import records_calls

_ERROR_DESCRIPTIONS = {
    400: gettext_lazy("输入有误"),
    401: gettext_lazy("未登录"),
    403: gettext_lazy("角色或单位无权执行"),
    404: gettext_lazy("工单不存在或无权查看"),
    409: gettext_lazy("工单当前状态不允许"),
    413: gettext_lazy("请求内容过大"),
    429: gettext_lazy("失败次数过多，稍后再试"),
}


def errors(*codes: int) -> dict:
    return {
        code: OpenApiResponse(s.ErrorSerializer, description=_ERROR_DESCRIPTIONS[code])
        for code in codes
    }


class Pages(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class ApiMixin:
    # Token first: an anonymous call gets 401 with "WWW-Authenticate: Token", which tells phone
    # systems and apps how to sign in. Neither class touches the database for anonymous calls.
    authentication_classes = [TokenAuthentication, SessionAuthentication]
    # JSON and multipart cover every client; no form-urlencoded.
    parser_classes = [JSONParser, parsers.MultiPartParser]
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = None

    def handle_exception(self, exc):
        if isinstance(exc, BODY_LIMITS):
            exc = RequestTooLarge()
        return super().handle_exception(exc)

    def parse(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class ApiView(ApiMixin, APIView):
    pass


class SelectorFilters(DjangoFilterBackend):
    """Puts the selector's TicketFilter into the schema; the selector itself does the filtering."""

    def filter_queryset(self, request, queryset, view):
        return queryset


class TicketFilterSchema(selectors.TicketFilter):
    """TicketFilter as the schema shows it: "unit" is a unit id (no Ticket field to infer it
    from), "light" one of three names."""

    @extend_schema_field(OpenApiTypes.INT)
    def filter_unit(self, queryset, name, value):
        return super().filter_unit(queryset, name, value)

    @extend_schema_field(OpenApiTypes.INT)
    def filter_lead_unit(self, queryset, name, value):
        return super().filter_lead_unit(queryset, name, value)

    @extend_schema_field(
        {
            "type": "string",
            "enum": ["red", "yellow", "green"],
            "description": gettext_lazy(
                "只看此灯色的工单：red 已超期 / yellow 即将到期 / green 正常"
            ),
        }
    )
    def filter_light(self, queryset, name, value):
        return super().filter_light(queryset, name, value)


class ListView(ApiMixin, generics.ListAPIView):
    pagination_class = Pages


class TicketQueueView(ListView):
    """A paginated list of tickets from a selector taking (user=, filters=)."""

    serializer_class = s.TicketListSerializer
    filter_backends = [SelectorFilters]
    filterset_class = TicketFilterSchema
    queryset = Ticket.objects.none()  # the model, for the schema; rows come from the selector
    selector = staticmethod(selectors.ticket_list)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Ticket.objects.none()
        return type(self).selector(user=self.request.user, filters=self.request.query_params)


def with_lights(ticket: Ticket) -> Ticket:
    """One ticket from the access funnel, with the lights the list selectors annotate."""
    lights = (
        Ticket.objects.with_lights()
        .filter(pk=ticket.pk)
        # What priority_reason reads besides the lights.
        .annotate(running_due_at=red_at_expression())
        .values(*s.LIGHT_FIELDS, "running_due_at")
        .get()
    )
    for name, value in lights.items():
        setattr(ticket, name, value)
    return ticket


def ticket_detail(user, pk: int) -> dict:
    ticket = with_lights(ticket_get_for_user(user=user, pk=pk))
    active = Assignment.objects.filter(active=True).select_related("unit")
    prefetch_related_objects([ticket], Prefetch("assignments", queryset=active))
    return s.TicketDetailSerializer(ticket, context={"user": user}).data


# --- intake and lists --------------------------------------------------------------------------


def _intake_arguments(request, data: dict) -> dict:
    user = request.user
    staff = records_calls(user)
    citizen = user.is_authenticated and not staff and role_of(user) == Role.CITIZEN
    return {
        # Anonymous and citizens' submissions come from the app; only staff say otherwise.
        "channel": (data["channel"] or Channel.API) if staff else Channel.APP,
        "request_type": data["request_type"] if staff else "",
        "urgency": data["urgency"] if staff else "",
        "title": data["title"],
        "content": data["content"],
        "citizen_name": data["citizen_name"],
        "citizen_phone": data["citizen_phone"],
        "confidential": data["confidential"],
        "address": data["address"],
        "latitude": data["latitude"],
        "longitude": data["longitude"],
        "uploads": data["attachments"],
        "actor": user,
        "citizen_user": user if citizen else None,
        "client": client_address(request),
    }


IDEMPOTENCY_HEADER = "Idempotency-Key"


def _idempotency_key(request) -> str:
    """The client's Idempotency-Key, made its own: another client's same key is another key
    (a replay shows the ticket's query code)."""
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not key:
        return ""
    if len(key) > 200:
        message = gettext("Idempotency-Key 不能超过 200 个字符")
        raise InvalidInput(message, fields={IDEMPOTENCY_HEADER: [message]})
    user = request.user
    client = f"user:{user.pk}" if user.is_authenticated else f"address:{client_address(request)}"
    return f"api\n{client}\n{key}"


@extend_schema_view(
    get=extend_schema(
        summary=gettext_lazy("工单列表"),
        description=gettext_lazy("热线中心看全部，承办单位看本单位及下级单位的，市民看自己的。"),
        tags=["tickets"],
        responses={200: s.TicketListSerializer(many=True), **errors(400, 401)},
    )
)
class TicketsView(TicketQueueView):
    # GET: the tickets this user may see. POST: intake, open to anonymous citizens.

    def get_permissions(self):
        if self.request is not None and self.request.method == "POST":
            return [permissions.AllowAny()]
        return super().get_permissions()

    @extend_schema(
        summary=gettext_lazy("提交诉求"),
        description=(
            "匿名可用，渠道固定为 app；话务员/派单员登录后可指定 channel、request_type、urgency。"
            "图片可用 JSON 的 attachments [{name, data_base64}]（JSON 请求体不超过 5 MB），"
            "或 multipart 的 attachments 文件。"
            "\n\nAnonymous allowed (channel app); operators may set channel, request type and "
            "urgency. Images as base64 in JSON (body at most 5 MB) or as multipart files."
        ),
        tags=["intake"],
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                OpenApiTypes.STR,
                location=OpenApiParameter.HEADER,
                required=False,
                description=(
                    "可选，最长 200 个字符，建议用 UUID。同一客户端（同一账号；匿名时同一地址）"
                    "24 小时内用同一个键重复提交，不会再建工单，而是返回第一次的工单（同样是 201 "
                    "和同样的内容），以便网络中断后安全重试。"
                    "\n\nOptional, at most 200 characters (a UUID, say). Sent again by the same "
                    "client (the same account; when anonymous, the same address) within 24 hours, "
                    "no second ticket is stored: the answer is the first ticket again, the same "
                    "201 and body, so that a request cut off by the network can be retried safely."
                ),
            )
        ],
        request={
            "application/json": s.IntakeJSONSerializer,
            "multipart/form-data": s.IntakeMultipartSerializer,
        },
        responses={201: s.IntakeResultSerializer, **errors(400, 413, 429)},
    )
    def post(self, request):
        key = _idempotency_key(request)
        multipart = request.content_type.startswith("multipart/")
        data = self.parse(s.IntakeMultipartSerializer if multipart else s.IntakeJSONSerializer)
        ticket = services.ticket_register(**_intake_arguments(request, data), submission_key=key)
        return Response(s.IntakeResultSerializer(ticket).data, status=status.HTTP_201_CREATED)


class TicketDetailView(ApiView):
    @extend_schema(
        summary=gettext_lazy("工单详情"),
        description=gettext_lazy(
            "承办单位看到的诉求人信息为脱敏的，保密工单则隐藏；市民只看到公开时间线。"
            "已改派或退单通过后，原承办单位只得到 stub 为 true 的简要信息（编号、标题、时间），"
            "计入其考核的工单除外。"
        ),
        tags=["tickets"],
        responses={
            200: PolymorphicProxySerializer(
                component_name="TicketDetailOrStub",
                serializers=[s.TicketDetailSerializer, s.TicketStubSerializer],
                resource_type_field_name=None,
            ),
            **errors(401, 404),
        },
    )
    def get(self, request, pk: int):
        found = ticket_or_stub_for_user(user=request.user, pk=pk)
        if isinstance(found, TicketStub):
            return Response(s.TicketStubSerializer(found).data)
        return Response(ticket_detail(request.user, pk))


class AnyAccept(BaseContentNegotiation):
    """For downloads: browsers ask for images (Accept: image/*), errors still come as JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


IMAGE_RESPONSE = OpenApiResponse(
    OpenApiTypes.BINARY, description=gettext_lazy("图片 (image/jpeg, png, webp, gif)")
)


class TicketAttachmentView(ApiView):
    content_negotiation_class = AnyAccept

    @extend_schema(
        summary=gettext_lazy("下载工单照片"),
        description=gettext_lazy(
            "能查看该工单的人凭令牌或会话下载；其他人 404。地址见工单详情 attachments[].url。"
        ),
        tags=["tickets"],
        responses={(200, "image/*"): IMAGE_RESPONSE, **errors(401, 404)},
    )
    def get(self, request, pk: int, token: str):
        ticket = ticket_get_for_user(user=request.user, pk=pk)
        staff = role_of(request.user) not in (None, Role.CITIZEN)
        return attachment_response(ticket=ticket, token=token, staff=staff)


class TicketEventsView(ApiView):
    @extend_schema(
        summary=gettext_lazy("工单时间线"),
        description=gettext_lazy("工作人员看完整时间线（操作人、理由、数据），市民只看公开事件。"),
        tags=["tickets"],
        responses={200: s.TIMELINE_SCHEMA, **errors(401, 404)},
    )
    def get(self, request, pk: int):
        ticket = ticket_get_for_user(user=request.user, pk=pk)
        return Response(s.timeline_for(user=request.user, ticket=ticket))


class StubRowsSerializer(s.TicketStubSerializer):
    """The workbench's "ended" tab: its rows, annotated by access.tickets_ended_for, as stubs."""

    def to_representation(self, ticket):
        return super().to_representation(ticket_stub(ticket))


@extend_schema_view(
    get=extend_schema(
        summary=gettext_lazy("承办单位工作台"),
        description=gettext_lazy("承办单位工作人员。"),
        tags=["unit"],
        parameters=[
            OpenApiParameter(
                "tab",
                OpenApiTypes.STR,
                enum=list(selectors.WORKBENCH_TABS),
                description=(
                    "new 待签收 / in_progress 办理中 / returned 退单 / all 全部 / "
                    "ended 已改派或退单通过（每行为 TicketStub：编号、标题、时间）"
                ),
            )
        ],
        responses={200: s.TicketListSerializer(many=True), **errors(400, 401, 403)},
    )
)
class UnitWorkbenchView(TicketQueueView):
    def _ended(self) -> bool:
        return self.request is not None and self.request.query_params.get("tab") == "ended"

    def get_serializer_class(self):
        return StubRowsSerializer if self._ended() else super().get_serializer_class()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Ticket.objects.none()
        query = self.request.query_params
        return selectors.unit_workbench(
            user=self.request.user, tab=query.get("tab", "new"), filters=query
        )


@extend_schema_view(
    get=extend_schema(
        summary=gettext_lazy("本单位待回复的督办"),
        description=gettext_lazy("承办单位工作人员，最早的在前。"),
        tags=["unit"],
        responses={200: s.SupervisionSerializer(many=True), **errors(401, 403)},
    )
)
class UnitSupervisionsView(ListView):
    serializer_class = s.SupervisionSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Supervision.objects.none()
        return open_supervisions(user=self.request.user).select_related(
            "unit", "created_by__profile"
        )


class UnitLightCountsView(ApiView):
    @extend_schema(
        summary=gettext_lazy("本单位亮灯统计"),
        description=gettext_lazy(
            "承办单位工作人员：本单位承办（主办或协办）中的红灯、黄灯工单数与待回复督办数。"
        ),
        tags=["unit"],
        responses={200: s.UnitLightCountsSerializer, **errors(401, 403)},
    )
    def get(self, request):
        return Response(unit_light_counts(user=request.user))


# --- the citizen's tracking, without an account ------------------------------------------------


class PublicApiView(ApiView):
    # The number and query code are the credentials: no session, hence no CSRF and no DB lookup
    # for a user; anonymous throttling still applies.
    authentication_classes = []
    permission_classes = [permissions.AllowAny]


# The query code is a secret: in a header, not in the URL (URLs are logged and kept).
QUERY_CODE_HEADER = "X-Query-Code"


class PublicTicketView(PublicApiView):
    @extend_schema(
        summary=gettext_lazy("凭编号与查询码查进度"),
        description=gettext_lazy(
            "无需登录；查询码放在请求头 X-Query-Code 中。编号或查询码不对均为 404。"
        ),
        tags=["tracking"],
        auth=[],
        parameters=[
            OpenApiParameter(
                QUERY_CODE_HEADER,
                OpenApiTypes.STR,
                location=OpenApiParameter.HEADER,
                description="查询码 (query code)",
            ),
            OpenApiParameter(
                "code",
                OpenApiTypes.STR,
                deprecated=True,
                description=(
                    "已弃用：查询码请改用请求头 X-Query-Code（网址会留在浏览器历史、代理和日志里）。"
                    "两者都有时以请求头为准。 Deprecated: send the query code in the X-Query-Code "
                    "header (URLs end up in histories, proxies and logs); the header wins."
                ),
            ),
        ],
        responses={200: s.PublicTicketSerializer, **errors(400, 404, 429)},
    )
    def get(self, request, number: str):
        code = request.headers.get(QUERY_CODE_HEADER)
        if code is None:  # the deprecated form, kept for clients written before the header
            code = request.query_params.get("code", "")
        key = s.TrackingKeySerializer(data={"number": number, "code": code})
        key.is_valid(raise_exception=True)
        with tracking_limited(request):
            ticket = services.ticket_get_public(
                number=key.validated_data["number"], query_code=key.validated_data["code"]
            )
        return Response(s.PublicTicketSerializer(ticket).data)


class PublicAttachmentView(PublicApiView):
    content_negotiation_class = AnyAccept

    @extend_schema(
        summary=gettext_lazy("凭查询码下载工单照片"),
        description=gettext_lazy(
            "无需登录；查询码放在请求头 X-Query-Code（或 ?code=）。编号、查询码或照片不对均为 404，"
            "并计入查询失败次数。地址见查进度答复的 attachments[].url。"
        ),
        tags=["tracking"],
        auth=[],
        parameters=[
            OpenApiParameter(
                "X-Query-Code", OpenApiTypes.STR, OpenApiParameter.HEADER, description="查询码"
            ),
            OpenApiParameter("code", OpenApiTypes.STR, description="查询码（也可用请求头）"),
        ],
        responses={(200, "image/*"): IMAGE_RESPONSE, **errors(400, 404, 429)},
    )
    def get(self, request, number: str, token: str):
        code = request.headers.get("X-Query-Code") or request.query_params.get("code", "")
        key = s.TrackingKeySerializer(data={"number": number, "code": code})
        key.is_valid(raise_exception=True)
        code = key.validated_data["code"]
        with tracking_limited(request):
            ticket = services.ticket_get_public(
                number=key.validated_data["number"],
                # Codes are ASCII; anything else is simply a wrong code (and counted as one).
                query_code=code if code.isascii() else "",
            )
            return attachment_response(ticket=ticket, token=token)


class PublicSupplementView(PublicApiView):
    @extend_schema(
        summary=gettext_lazy("市民补充信息"),
        description=gettext_lazy("无需登录，凭查询码；已归档的工单不能补充 (409)。"),
        tags=["tracking"],
        auth=[],
        request=s.SupplementInputSerializer,
        responses={200: s.PublicTicketSerializer, **errors(400, 404, 409, 429)},
    )
    def post(self, request, number: str):
        data = self.parse(s.SupplementInputSerializer)
        s.TrackingKeySerializer(data={"number": number}).is_valid(raise_exception=True)
        with tracking_limited(request):
            ticket = services.ticket_supplement(
                number=number, query_code=data["code"], text=data["text"]
            )
        return Response(s.PublicTicketSerializer(ticket).data)


# --- reference data and sign-in ----------------------------------------------------------------


class ReferenceView(ListView):
    filter_backends = [DjangoFilterBackend]


@extend_schema_view(
    get=extend_schema(
        summary=gettext_lazy("承办单位"),
        description=gettext_lazy("登录用户可用。"),
        tags=["reference"],
    )
)
class UnitListView(ReferenceView):
    queryset = Unit.objects.order_by("kind", "name", "pk")
    serializer_class = s.UnitSerializer
    filterset_fields = ["kind", "region", "parent", "is_active"]


@extend_schema_view(
    get=extend_schema(
        summary=gettext_lazy("诉求分类"),
        description=gettext_lazy("登录用户可用。"),
        tags=["reference"],
    )
)
class CategoryListView(ReferenceView):
    # Parents loaded with the row: full_name walks up to three levels.
    queryset = Category.objects.select_related("parent__parent").order_by("level", "name", "pk")
    serializer_class = s.CategorySerializer
    filterset_fields = ["parent", "level", "is_active"]


@extend_schema_view(
    get=extend_schema(
        summary=gettext_lazy("区域"), description=gettext_lazy("登录用户可用。"), tags=["reference"]
    )
)
class RegionListView(ReferenceView):
    queryset = Region.objects.select_related("parent__parent__parent").order_by(
        "level", "name", "pk"
    )
    serializer_class = s.RegionSerializer
    filterset_fields = ["parent", "level"]


class TokenView(PublicApiView):
    @extend_schema(
        summary=gettext_lazy("获取接口令牌"),
        description="之后每个请求带请求头 Authorization: Token <token>",
        tags=["auth"],
        auth=[],
        request=AuthTokenSerializer,
        responses={200: s.TokenResultSerializer, **errors(400, 429)},
    )
    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        data = request.data if isinstance(request.data, dict) else {}  # JSON may be any value
        # The authentication backend counts and enforces the limits; this says why.
        check(*login_guards(request, str(data.get("username", ""))))
        serializer.is_valid(raise_exception=True)
        token, _ = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})


class CallerHistoryRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    registered_at = serializers.DateTimeField()
    title = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    is_open = serializers.BooleanField()
    unit = serializers.SerializerMethodField()

    def get_unit(self, ticket) -> str:
        lead = ticket.lead_assignment
        return lead.unit.name if lead else ""


class CallerHistorySerializer(serializers.Serializer):
    results = CallerHistoryRowSerializer(many=True)


class CallerHistoryView(ApiView):
    @extend_schema(
        summary=gettext_lazy("来电人历史工单"),
        description=gettext_lazy(
            "话务员、派单员：该电话号码近 12 个月的工单，最新在前；is_open 为 true 的是未办结的，"
            "可用 POST /api/tickets/<id>/calls/ 将本次来电补充到该工单。"
        ),
        tags=["intake"],
        parameters=[OpenApiParameter("phone", OpenApiTypes.STR, required=True)],
        responses={200: CallerHistorySerializer, **errors(400, 401, 403)},
    )
    def get(self, request):
        tickets = selectors.caller_history(
            user=request.user, phone=request.query_params.get("phone", "")
        )
        return Response(CallerHistorySerializer({"results": tickets}).data)
