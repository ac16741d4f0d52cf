"""The ticket actions ``workorders`` owns: the unit's work, intake decisions, the contact.

Registered in ``WorkordersConfig.ready()``. Each input serializer is both the page's form (its
labels, rows and choices are what the page renders) and the API's request body. Fields are
optional where the service asks for them itself, so the page and the API give the same message.
"""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from workorders import services
from workorders.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Assignment,
    InvalidReason,
    PauseStatus,
    RequestType,
    Role,
    Status,
    Unit,
)
from workorders.registry import TicketAction, register_ticket_actions
from workorders.services.visits import VISIT_STATUSES

TEXT_MAX = 2000
WORKING = (Status.ACCEPTED, Status.IN_PROGRESS)
INTAKE_ROLES = (Role.OPERATOR, Role.DISPATCHER)


def text(
    label: str, help_text: str = "", *, rows: int | None = 2, max_length: int = TEXT_MAX
) -> serializers.CharField:
    """Optional at this layer: the service asks for what it needs, in the same words everywhere.
    ``rows``: a text area of that height on the page; None: a one-line input."""
    return serializers.CharField(
        label=label,
        required=False,
        allow_blank=True,
        default="",
        max_length=max_length,
        help_text=help_text or label,
        style={"rows": rows} if rows else {},
    )


class EmptyInput(serializers.Serializer):
    """An action without input."""


class NoteInput(serializers.Serializer):
    note = text(_("说明"))


class ContactInput(serializers.Serializer):
    note = text(_("联系情况"))


class ProgressInput(serializers.Serializer):
    note = text(_("进展说明"))
    public = serializers.BooleanField(
        label=_("市民可见"),
        required=False,
        default=False,
        help_text=_("市民可见"),
        style={"initial": True},
    )


class ReasonInput(serializers.Serializer):
    reason = text(_("理由"))


class PauseInput(serializers.Serializer):
    reason = text(_("暂停理由"), _("如等待市民补充材料；经派单员同意后停止计时"))


class PressInput(serializers.Serializer):
    note = text(_("督促意见"), _("街道/乡镇将收到通知，并须回复"))


class ResponseInput(serializers.Serializer):
    response = text(_("督办回复"))


class ExtensionInput(serializers.Serializer):
    reason = text(_("延期理由"))
    requested_due_at = serializers.DateTimeField(
        label=_("申请延至"),
        help_text=_("申请延至"),
        error_messages={
            "required": _("请选择延期后的办结时限"),
            "null": _("请选择延期后的办结时限"),
            "invalid": _("时间格式不正确"),
        },
        style={"input_type": "datetime-local"},
    )


class ReplyInput(serializers.Serializer):
    reply = text(_("答复内容"), rows=4)


class MergeInput(serializers.Serializer):
    master_number = serializers.CharField(
        label=_("主工单编号"),
        max_length=40,
        help_text=_("主工单编号"),
        error_messages={
            "required": _("请填写主工单编号"),
            "blank": _("请填写主工单编号"),
        },
    )
    reason = text(_("说明"), _("合并说明"), rows=None, max_length=500)


class AddCallInput(serializers.Serializer):
    text = text(_("来电补充内容"), _("来电人本次反映的新情况，记入工单时间线"), rows=3)


class InvalidationInput(serializers.Serializer):
    reason_code = serializers.ChoiceField(
        label=_("不予受理原因"),
        choices=InvalidReason.choices,
        error_messages={
            "required": _("请选择不予受理的原因"),
            "invalid_choice": _("请选择不予受理的原因"),
        },
    )
    note = text(_("说明"), _("补充说明"), rows=None, max_length=500)


@extend_schema_field({"type": "array", "items": {"type": "string", "format": "binary"}})
class PhotosField(serializers.ListField):
    """Photos from a multipart body (several ``photos`` parts), as ``services.Upload``: the
    service checks them like the citizen's. Each file is read only up to one byte past the size
    limit, so an oversized file is refused without being held in memory."""

    child = serializers.FileField(
        allow_empty_file=True,
        error_messages={
            "invalid": _("照片请以 multipart/form-data 上传，每张一个 photos 字段"),
            "no_name": _("照片缺少文件名"),
        },
    )

    default_error_messages = {
        "not_a_list": _("照片请以 multipart/form-data 上传，每张一个 photos 字段")
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("default", list)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        files = super().to_internal_value(data)
        limit = settings.ATTACHMENT_MAX_BYTES + 1
        return [services.Upload(name=item.name or "", data=item.read(limit)) for item in files]


class FieldVisitInput(serializers.Serializer):
    visited_at = serializers.DateTimeField(
        label=_("走访时间"),
        help_text=_("走访时间，不能晚于现在"),
        required=False,
        allow_null=True,
        default=None,
        error_messages={"invalid": _("时间格式不正确")},
        style={"input_type": "datetime-local"},
    )
    visitors = text(_("走访人员"), _("参加走访的人员姓名，如：张三、李四（网格员）"), rows=None)
    findings = text(_("走访情况"), _("现场看到的情况、与诉求人或相关方沟通的结果"), rows=4)
    # Text, not a DecimalField: phones send 15 decimal places, which are rounded (to 0.1 m),
    # not refused; the service checks the range.
    latitude = serializers.CharField(
        label=_("纬度"),
        help_text=_("走访地点纬度（可选，-90 到 90）"),
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        max_length=40,
    )
    longitude = serializers.CharField(
        label=_("经度"),
        help_text=_("走访地点经度（可选，-180 到 180）"),
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        max_length=40,
    )
    photos = PhotosField(label=_("现场照片"), help_text=_("现场照片（可多张，仅工作人员可见）"))


class RequestTypeInput(serializers.Serializer):
    request_type = serializers.ChoiceField(
        label=_("诉求类型"),
        choices=RequestType.choices,
        error_messages={
            "required": _("请选择诉求类型"),
            "invalid_choice": _("请选择诉求类型"),
        },
    )


class RevealedContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()


# --- when the page offers them ------------------------------------------------------------------


def _lead(state) -> bool:
    return state.own is not None and state.own.role == Assignment.Role.LEAD


def _can_accept(state) -> bool:
    own, status = state.own, state.ticket.status
    if own is None or own.accepted_at is not None:
        return False
    # Assisting units may acknowledge as long as the ticket is being worked on.
    return status == Status.DISPATCHED if _lead(state) else status in (Status.DISPATCHED, *WORKING)


def _working_unit(state) -> bool:
    return state.own is not None and state.own.accepted_at is not None


def _can_contact(state) -> bool:
    return _working_unit(state) and state.own.contacted_at is None


def _in_return_window(state) -> bool:
    if not _lead(state) or state.ticket.reopen_count:
        return False
    return timezone.now() <= state.return_window_ends


def _can_request_pause(state) -> bool:
    return _lead(state) and state.open_pause is None


def _clock_paused(state) -> bool:
    return state.open_pause is not None and state.open_pause.status == PauseStatus.ACTIVE


def _can_resume(state) -> bool:
    # The lead unit's staff, or the center (dispatchers: roles of the action).
    return _clock_paused(state) and (state.role != Role.UNIT_STAFF or _lead(state))


def _can_visit(state) -> bool:
    # Any unit with an accepted active assignment: lead, assisting or a community handed the
    # ticket down to; the service applies the same rule.
    return _working_unit(state) and state.ticket.status in VISIT_STATUSES


def _can_reveal(state) -> bool:
    return state.own is not None and not state.ticket.confidential


def _district_over(state) -> bool:
    """The user's unit is the district government above a unit handling the ticket."""
    unit = state.unit
    if unit is None or unit.kind != Unit.Kind.DISTRICT:
        return False
    return any(a.active and a.unit.parent_id == unit.pk for a in state.assignments)


def _has_duplicates(state) -> bool:
    return state.ticket.duplicates.filter(status=Status.MERGED).exists()


def _reply_from_report(state) -> dict:
    # Late: workorders.hand_offs imports this module.
    from workorders.hand_offs import reply_from_report

    return reply_from_report(state)


def _reveal_render(user, pk: int, result) -> dict:
    return RevealedContactSerializer(result).data


UNIT = (Role.UNIT_STAFF,)
BEFORE_DISPATCH = (Status.REGISTERED, Status.TRIAGE)

ACTIONS = (
    TicketAction(
        name="acknowledge_supervision",
        label=_("回复督办"),
        submit=_("确认收到并回复"),
        done=_("已回复督办"),
        service=services.ticket_acknowledge_supervision,
        roles=UNIT,
        when=lambda state: bool(state.unanswered),
        input=ResponseInput,
        intro="workorders/actions/_supervision_notes.html",
        api_path="acknowledge-supervision",
        api_summary=_("回复督办"),
        api_description=_("被督办单位的工作人员：回复本单位在该工单上所有未回复的督办。"),
        api_tag="unit",
        order=10,
    ),
    TicketAction(
        name="press",
        label=_("督促街道/乡镇"),
        submit=_("发出督促"),
        done=_("已督促，街道/乡镇将收到通知"),
        service=services.ticket_press,
        roles=UNIT,
        statuses=tuple(OPEN_STATUSES),
        when=_district_over,
        input=PressInput,
        style="collapsed",
        tone="danger",
        api_path="press",
        api_summary=_("区政府督促"),
        api_description=_(
            "区政府工作人员：督促本区承办该工单的街道/乡镇（主办优先）；街道收到通知并须回复"
            "（acknowledge-supervision），督促次数计入街道的月度考核。已办结的工单返回 400。"
        ),
        api_tag="unit",
        order=15,
    ),
    TicketAction(
        name="accept",
        label=_("签收"),
        done=_("已签收"),
        service=services.ticket_accept,
        roles=UNIT,
        when=_can_accept,
        style="button",
        intro="workorders/actions/_accept_due.html",
        api_path="accept",
        api_summary=_("签收"),
        api_description=_("承办单位工作人员：主办单位签收后工单为已签收，协办单位签收只记录。"),
        api_tag="unit",
        order=20,
    ),
    TicketAction(
        name="contact",
        label=_("联系诉求人"),
        submit=_("登记联系"),
        done=_("已登记联系诉求人"),
        service=services.ticket_contact,
        roles=UNIT,
        statuses=WORKING,
        when=_can_contact,
        input=ContactInput,
        api_path="contact",
        api_summary=_("登记联系诉求人"),
        api_description=_("承办单位工作人员；主办单位登记联系后工单转为办理中。"),
        api_tag="unit",
        order=30,
    ),
    TicketAction(
        name="progress",
        label=_("办理进展"),
        submit=_("记录进展"),
        done=_("已记录办理进展"),
        service=services.ticket_add_progress,
        roles=UNIT,
        statuses=WORKING,
        when=_working_unit,
        input=ProgressInput,
        tone="secondary",
        api_path="progress",
        api_summary=_("登记办理进展"),
        api_description=_("承办单位工作人员；public=true 时市民可见。"),
        api_tag="unit",
        order=40,
    ),
    TicketAction(
        name="resolve",
        label=_("办结"),
        submit=_("办结并答复"),
        done=_("已办结"),
        service=services.ticket_resolve,
        roles=UNIT,
        statuses=(Status.IN_PROGRESS,),
        when=_lead,
        input=ReplyInput,
        initial=lambda state: _reply_from_report(state),
        intro="workorders/actions/_visit_required.html",
        api_path="resolve",
        api_summary=_("办结"),
        api_description=_("主办单位工作人员，办理中的工单。"),
        api_tag="unit",
        order=50,
    ),
    TicketAction(
        name="field_visit",
        label=_("登记上门走访"),
        submit=_("登记走访"),
        done=_("已登记上门走访"),
        service=services.ticket_record_field_visit,
        roles=UNIT,
        statuses=VISIT_STATUSES,
        when=_can_visit,
        input=FieldVisitInput,
        style="collapsed",
        tone="secondary",
        api_path="visits",
        api_summary=_("登记上门走访"),
        api_description=_(
            "在该工单上有有效派单的承办单位（主办、协办或转派的社区）签收后登记："
            "走访时间（不能晚于现在）、走访人员、走访情况，可附现场照片（multipart，字段 photos，"
            "可多张）和经纬度。照片仅工作人员可见；市民时间线只显示“承办单位已上门走访”。"
        ),
        api_tag="unit",
        order=45,
    ),
    TicketAction(
        name="resume",
        label=_("恢复计时"),
        submit=_("恢复计时"),
        done=_("已恢复计时，办结时限顺延"),
        service=services.ticket_resume,
        roles=(Role.UNIT_STAFF, Role.DISPATCHER),
        when=_can_resume,
        input=NoteInput,
        intro="workorders/actions/_paused_since.html",
        tone="secondary",
        api_path="resume",
        api_summary=_("恢复计时"),
        api_description=_("主办单位工作人员或派单员；办结时限按暂停时长顺延。"),
        api_tag="unit",
        order=60,
    ),
    TicketAction(
        name="request_pause",
        label=_("申请暂停计时"),
        submit=_("提交暂停申请"),
        done=_("已提交暂停计时申请，等待派单员审核"),
        service=services.ticket_request_pause,
        roles=UNIT,
        statuses=(Status.IN_PROGRESS,),
        when=_can_request_pause,
        input=PauseInput,
        style="collapsed",
        tone="secondary",
        api_path="pause",
        api_summary=_("申请暂停计时"),
        api_description=_("主办单位工作人员，办理中的工单（已联系诉求人）；由派单员审核。"),
        api_tag="unit",
        order=70,
    ),
    TicketAction(
        name="request_extension",
        label=_("申请延期"),
        submit=_("提交延期申请"),
        done=_("已提交延期申请，等待派单员审核"),
        service=services.ticket_request_extension,
        roles=UNIT,
        statuses=WORKING,
        when=lambda state: _lead(state) and state.pending_extension is None,
        input=ExtensionInput,
        style="collapsed",
        tone="secondary",
        api_path="extension",
        api_summary=_("申请延期"),
        api_description=_("主办单位工作人员；派单员通过后改办结时限。"),
        api_tag="unit",
        order=80,
    ),
    TicketAction(
        name="request_return",
        label=_("申请退单"),
        submit=_("提交退单申请"),
        done=_("已提交退单申请，等待派单员审核"),
        service=services.ticket_request_return,
        roles=UNIT,
        statuses=(Status.DISPATCHED, Status.ACCEPTED),
        when=_in_return_window,
        input=ReasonInput,
        intro="workorders/actions/_return_window.html",
        style="collapsed",
        tone="danger",
        api_path="return",
        api_summary=_("申请退单"),
        api_description=_("主办单位工作人员，派单后时限内；由派单员审核。"),
        api_tag="unit",
        order=90,
    ),
    TicketAction(
        name="answer",
        label=_("直接答复"),
        submit=_("答复并办结"),
        done=_("已直接答复"),
        service=services.ticket_answer_directly,
        roles=INTAKE_ROLES,
        statuses=BEFORE_DISPATCH,
        input=ReplyInput,
        api_path="answer",
        api_summary=_("直接答复"),
        api_description=_("话务员、派单员：已受理或待分拨的工单。"),
        api_tag="intake",
        order=200,
    ),
    TicketAction(
        name="merge",
        label=_("合并重复工单"),
        submit=_("合并"),
        done=_("已合并为重复工单"),
        service=services.ticket_merge,
        roles=INTAKE_ROLES,
        statuses=BEFORE_DISPATCH,
        input=MergeInput,
        preview=services.ticket_merge_preview,
        confirm="workorders/actions/_merge_confirm.html",
        confirm_submit=_("确认合并"),
        style="collapsed",
        tone="secondary",
        api_path="merge",
        api_summary=_("合并重复工单"),
        api_description=_(
            "话务员、派单员；市民将看到主工单的结果。主工单须未归档、未合并、未不予受理；"
            "已有工单合并到本工单时不能再合并本工单。"
        ),
        api_tag="intake",
        order=220,
    ),
    TicketAction(
        name="hand_back_duplicates",
        label=_("退回合并的工单"),
        submit=_("退回合并的工单"),
        done=_("合并到本工单的重复工单已退回待分拨"),
        service=services.ticket_hand_back_duplicates,
        roles=INTAKE_ROLES,
        when=_has_duplicates,
        input=NoteInput,
        intro="workorders/actions/_duplicates.html",
        style="collapsed",
        tone="secondary",
        api_path="hand-back-duplicates",
        api_summary=_("退回合并的工单"),
        api_description=_(
            "话务员、派单员：取消合并到本工单的所有重复工单，它们回到待分拨、各自办理；"
            "之后本工单才能不予受理。"
        ),
        api_tag="intake",
        order=225,
    ),
    TicketAction(
        name="add_call",
        label=_("补充来电"),
        submit=_("补充到此工单"),
        done=_("已将本次来电补充到工单"),
        service=services.ticket_add_call,
        roles=INTAKE_ROLES,
        statuses=tuple(OPEN_STATUSES),
        input=AddCallInput,
        style="collapsed",
        tone="secondary",
        api_path="calls",
        api_summary=_("补充来电"),
        api_description=_(
            "话务员、派单员：同一来电人就未办结的工单再次来电，将本次来电内容补充到该工单，"
            "不再登记新工单。"
        ),
        api_tag="intake",
        order=210,
    ),
    TicketAction(
        name="request_type",
        label=_("更正诉求类型"),
        submit=_("更正"),
        done=_("已更正诉求类型"),
        service=services.ticket_set_request_type,
        roles=INTAKE_ROLES,
        when=lambda state: state.ticket.status not in FINAL_STATUSES,
        input=RequestTypeInput,
        style="collapsed",
        tone="secondary",
        api_path="request-type",
        api_summary=_("更正诉求类型"),
        api_description=_(
            "话务员、派单员：更正咨询/求助/投诉/举报/建议/表扬（分类器已预测的也可更正），"
            "记入时间线；已归档、已合并、不予受理的工单不能更正。"
        ),
        api_tag="intake",
        order=215,
    ),
    TicketAction(
        name="invalid",
        label=_("不予受理"),
        done=_("已标记为不予受理"),
        service=services.ticket_mark_invalid,
        roles=INTAKE_ROLES,
        statuses=BEFORE_DISPATCH,
        input=InvalidationInput,
        style="collapsed",
        tone="danger",
        api_path="invalid",
        api_summary=_("不予受理"),
        api_description=_("话务员、派单员；reason_code 为法定不予受理原因之一。"),
        api_tag="intake",
        order=230,
    ),
    TicketAction(
        name="reveal",
        label=_("查看完整联系方式"),
        done=_("已记录本次查看"),
        service=services.ticket_reveal_contact,
        roles=UNIT,
        when=_can_reveal,
        in_panel=False,
        api_path="reveal-contact",
        api_summary=_("查看诉求人联系方式"),
        api_description=_("承办单位工作人员；保密工单不可查看；每次查看都记入时间线。"),
        api_tag="unit",
        api_response=RevealedContactSerializer,
        api_render=_reveal_render,
    ),
)


def register() -> None:
    register_ticket_actions(*ACTIONS)
