"""The citizen's tracking: by number and query code, without an account."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from workorders import selectors
from workorders.api.serializers.common import TEXT_MAX
from workorders.api.serializers.tickets import AttachmentSerializer
from workorders.api.serializers.timeline import PublicEventSerializer
from workorders.models import Status

# Statuses in which the citizen sees the reply.
REPLIED = {Status.RESOLVED, Status.FOLLOW_UP, Status.CLOSED}


class MasterResultSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    reply = serializers.CharField()


class PublicAttachmentSerializer(AttachmentSerializer):
    url = serializers.SerializerMethodField(
        help_text=_("下载地址（站点根路径起），须带查询码：请求头 X-Query-Code（或 ?code=）")
    )

    def get_url(self, attachment) -> str:
        # The code is not in it: URLs end up in browser histories and logs.
        return reverse(
            "api-public-ticket-attachment", args=[attachment.ticket.number, attachment.token]
        )


class PublicTicketSerializer(serializers.Serializer):
    """What anyone holding the number and query code sees: no staff names, no internal notes."""

    number = serializers.CharField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    category = serializers.SerializerMethodField()
    registered_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    reply = serializers.SerializerMethodField()
    invalid_reason = serializers.SerializerMethodField()
    merged_into = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()

    def _view(self, ticket) -> selectors.TicketView:
        view = getattr(self, "_ticket_view", None)
        if view is None or view.ticket.pk != ticket.pk:
            view = self._ticket_view = selectors.ticket_view(user=None, ticket=ticket)
        return view

    def get_category(self, ticket) -> str:
        return ticket.category.name if ticket.category_id else ""

    def get_reply(self, ticket) -> str:
        return ticket.reply if ticket.status in REPLIED else ""

    def get_invalid_reason(self, ticket) -> str:
        return ticket.get_invalid_reason_display() if ticket.invalid_reason else ""

    @extend_schema_field(MasterResultSerializer(allow_null=True))
    def get_merged_into(self, ticket) -> dict | None:
        master = ticket.merged_into if ticket.status == Status.MERGED else None
        if master is None:
            return None
        return {
            "number": master.number,
            "status": master.status,
            "status_label": master.get_status_display(),
            "reply": master.reply if master.status in REPLIED else "",
        }

    @extend_schema_field(PublicEventSerializer(many=True))
    def get_timeline(self, ticket) -> list[dict]:
        return PublicEventSerializer(self._view(ticket).timeline, many=True).data

    @extend_schema_field(PublicAttachmentSerializer(many=True))
    def get_attachments(self, ticket) -> list[dict]:
        return PublicAttachmentSerializer(self._view(ticket).attachments, many=True).data


class TrackingKeySerializer(serializers.Serializer):
    """Number and code as typed by anyone: bounded, and no NUL (PostgreSQL rejects it in text)."""

    number = serializers.CharField(max_length=40)
    code = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")


class SupplementInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=16, help_text=_("查询码"))
    text = serializers.CharField(
        max_length=TEXT_MAX, allow_blank=True, help_text="补充内容 (2–2000 字)"
    )
