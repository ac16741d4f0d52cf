"""The inbox (消息中心) in the API: GET /api/inbox/, POST /api/inbox/<id>/read/,
POST /api/inbox/read-all/, GET /api/inbox/unread-count/."""

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from workorders.api.views import ApiView, ListView, errors
from workorders.inbox_selectors import (
    inbox_items_for,
    inbox_unread_count,
    item_link,
    kind_label,
    read_at,
)
from workorders.models import InboxItem
from workorders.services.inbox import inbox_mark_all_read, inbox_mark_read


class InboxTicketSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()


class InboxItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(
        help_text=gettext_lazy("消息类型：工单事件类型（如 dispatched、supervised）或其他通知")
    )
    title = serializers.SerializerMethodField(help_text=gettext_lazy("标题"))
    text = serializers.CharField(help_text=gettext_lazy("内容"))
    ticket = serializers.SerializerMethodField()
    link = serializers.SerializerMethodField(help_text=gettext_lazy("处理页面（工单或知识条目）"))
    urgent = serializers.BooleanField(help_text=gettext_lazy("紧急工单的通知"))
    created_at = serializers.DateTimeField()
    read = serializers.SerializerMethodField()
    read_at = serializers.SerializerMethodField(
        help_text=gettext_lazy("本人读过的时间；为空表示未读（或超过未读统计期限）")
    )

    def get_title(self, item) -> str:
        return item.title or kind_label(item)

    @extend_schema_field(InboxTicketSerializer(allow_null=True))
    def get_ticket(self, item) -> dict | None:
        if item.ticket_id is None:
            return None
        return {"id": item.ticket_id, "number": item.ticket.number, "title": item.ticket.title}

    def get_link(self, item) -> str:
        return item_link(item)

    def get_read(self, item) -> bool:
        return not item.is_unread

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_read_at(self, item):
        moment = read_at(item)
        return serializers.DateTimeField().to_representation(moment) if moment else None


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text=gettext_lazy("标为已读的条数"))
    unread = serializers.IntegerField()


def _unread_flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


class InboxView(ListView):
    serializer_class = InboxItemSerializer

    @extend_schema(
        summary=gettext_lazy("消息中心"),
        description=gettext_lazy(
            "本人需要处理的通知：本单位的（派单、督办、退单/延期/暂停审核结果、红灯超期、"
            "知识条目待复核等）、派单员的（待审核的申请）和发给本人的，最新的在前。"
        ),
        tags=["inbox"],
        parameters=[
            OpenApiParameter(
                "unread",
                OpenApiTypes.BOOL,
                description=gettext_lazy("只看未读"),
            )
        ],
        responses={200: InboxItemSerializer(many=True), **errors(401)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return InboxItem.objects.none()
        unread = _unread_flag(self.request.query_params.get("unread"))
        return inbox_items_for(user=self.request.user, unread=unread)


class InboxReadView(ApiView):
    @extend_schema(
        summary=gettext_lazy("标为已读"),
        description=gettext_lazy("把本人的一条消息标为已读（再次调用不变）。"),
        tags=["inbox"],
        request=None,
        responses={200: InboxItemSerializer, **errors(401, 404)},
    )
    def post(self, request, pk: int):
        item = inbox_mark_read(user=request.user, item_id=pk)
        return Response(InboxItemSerializer(item).data)


class InboxReadAllView(ApiView):
    @extend_schema(
        summary=gettext_lazy("全部标为已读"),
        tags=["inbox"],
        request=None,
        responses={200: ReadAllSerializer, **errors(401)},
    )
    def post(self, request):
        marked = inbox_mark_all_read(user=request.user)
        return Response({"marked": marked, "unread": inbox_unread_count(user=request.user)})


class InboxUnreadCountView(ApiView):
    @extend_schema(
        summary=gettext_lazy("未读消息数"),
        tags=["inbox"],
        responses={200: UnreadCountSerializer, **errors(401)},
    )
    def get(self, request):
        return Response({"unread": inbox_unread_count(user=request.user)})
