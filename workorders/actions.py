"""The ticket actions ``workorders`` owns: the unit's work, intake decisions, the contact.

Registered in ``WorkordersConfig.ready()``. Each input serializer is both the page's form (its
labels, rows and choices are what the page renders) and the API's request body. Fields are
optional where the service asks for them itself, so the page and the API give the same message.
"""

from django.utils import timezone
from rest_framework import serializers

from workorders import services
from workorders.models import Assignment, InvalidReason, PauseStatus, Role, Status
from workorders.registry import TicketAction, register_ticket_actions

TEXT_MAX = 2000
WORKING = (Status.ACCEPTED, Status.IN_PROGRESS)
INTAKE_ROLES = (Role.OPERATOR, Role.DISPATCHER)


def text(label: str, help_text: str = "", *, rows: int = 2, **kwargs) -> serializers.CharField:
    # Optional at this layer: the service asks for what it needs, in the same words everywhere.
    return serializers.CharField(
        label=label,
        required=False,
        allow_blank=True,
        default="",
        max_length=TEXT_MAX,
        help_text=help_text or label,
        style={"rows": rows},
        **kwargs,
    )


class EmptyInput(serializers.Serializer):
    """An action without input."""


class NoteInput(serializers.Serializer):
    note = text("说明 (note)")


class ContactInput(serializers.Serializer):
    note = text("联系情况 (how the citizen was reached)")


class ProgressInput(serializers.Serializer):
    note = text("进展说明 (what was done)")
    public = serializers.BooleanField(
        label="市民可见 (visible to the citizen)",
        required=False,
        default=False,
        help_text="市民可见 (shown to the citizen)",
        style={"initial": True},
    )


class ReasonInput(serializers.Serializer):
    reason = text("理由 (reason)")


class PauseInput(serializers.Serializer):
    reason = serializers.CharField(
        label="暂停理由 (why the clock should stop)",
        required=False,
        allow_blank=True,
        default="",
        max_length=TEXT_MAX,
        help_text="如等待市民补充材料；经派单员同意后停止计时 "
        "(e.g. waiting for the citizen's papers; a dispatcher approves)",
        style={"rows": 2},
    )


class ResponseInput(serializers.Serializer):
    response = text("督办回复 (what your unit is doing about it)")


class ExtensionInput(serializers.Serializer):
    reason = text("延期理由 (reason)")
    requested_due_at = serializers.DateTimeField(
        label="申请延至 (extend to)",
        help_text="申请延至 (new resolve due time)",
        error_messages={
            "required": "请选择延期后的办结时限 (choose the new due time)",
            "null": "请选择延期后的办结时限 (choose the new due time)",
            "invalid": "时间格式不正确 (not a valid date and time)",
        },
        style={"input_type": "datetime-local"},
    )


class ReplyInput(serializers.Serializer):
    reply = text("答复内容 (reply to the citizen)", rows=4)


class MergeInput(serializers.Serializer):
    master_number = serializers.CharField(
        label="主工单编号 (master ticket number)",
        max_length=40,
        help_text="主工单编号 (master number)",
        error_messages={
            "required": "请填写主工单编号 (enter the master ticket's number)",
            "blank": "请填写主工单编号 (enter the master ticket's number)",
        },
    )
    reason = serializers.CharField(
        label="说明 (note)",
        required=False,
        allow_blank=True,
        default="",
        max_length=500,
        help_text="合并说明 (reason)",
    )


class InvalidationInput(serializers.Serializer):
    reason_code = serializers.ChoiceField(
        label="不予受理原因 (reason)",
        choices=InvalidReason.choices,
        error_messages={
            "required": "请选择不予受理的原因 (choose a reason)",
            "invalid_choice": "请选择不予受理的原因 (choose a reason)",
        },
    )
    note = serializers.CharField(
        label="说明 (note)",
        required=False,
        allow_blank=True,
        default="",
        max_length=500,
        help_text="补充说明 (note)",
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


def _can_reveal(state) -> bool:
    return state.own is not None and not state.ticket.confidential


def _reveal_render(user, pk: int, result) -> dict:
    return RevealedContactSerializer(result).data


UNIT = (Role.UNIT_STAFF,)
BEFORE_DISPATCH = (Status.REGISTERED, Status.TRIAGE)

ACTIONS = (
    TicketAction(
        name="acknowledge_supervision",
        label="回复督办 (Answer the supervision)",
        submit="确认收到并回复 (Acknowledge)",
        done="已回复督办 (Supervision acknowledged)",
        service=services.ticket_acknowledge_supervision,
        roles=UNIT,
        when=lambda state: bool(state.unanswered),
        input=ResponseInput,
        intro="workorders/actions/_supervision_notes.html",
        api_path="acknowledge-supervision",
        api_summary="回复督办 (acknowledge the supervision notices)",
        api_description="被督办单位的工作人员：回复本单位在该工单上所有未回复的督办。"
        "(Staff of the supervised unit; answers all its open notices on the ticket.)",
        api_tag="unit",
        order=10,
    ),
    TicketAction(
        name="accept",
        label="签收 (Accept)",
        done="已签收 (Accepted)",
        service=services.ticket_accept,
        roles=UNIT,
        when=_can_accept,
        style="button",
        intro="workorders/actions/_accept_due.html",
        api_path="accept",
        api_summary="签收 (accept)",
        api_description="承办单位工作人员：主办单位签收后工单为已签收，协办单位签收只记录。"
        "(Staff of an assigned unit.)",
        api_tag="unit",
        order=20,
    ),
    TicketAction(
        name="contact",
        label="联系诉求人 (Contact the citizen)",
        submit="登记联系 (Record contact)",
        done="已登记联系诉求人 (Contact recorded)",
        service=services.ticket_contact,
        roles=UNIT,
        statuses=WORKING,
        when=_can_contact,
        input=ContactInput,
        api_path="contact",
        api_summary="登记联系诉求人 (record contact with the citizen)",
        api_description="承办单位工作人员；主办单位登记联系后工单转为办理中。"
        "(Staff of an assigned unit.)",
        api_tag="unit",
        order=30,
    ),
    TicketAction(
        name="progress",
        label="办理进展 (Progress note)",
        submit="记录进展 (Add note)",
        done="已记录办理进展 (Progress recorded)",
        service=services.ticket_add_progress,
        roles=UNIT,
        statuses=WORKING,
        when=_working_unit,
        input=ProgressInput,
        tone="secondary",
        api_path="progress",
        api_summary="登记办理进展 (add a progress note)",
        api_description="承办单位工作人员；public=true 时市民可见。(Staff of an assigned unit.)",
        api_tag="unit",
        order=40,
    ),
    TicketAction(
        name="resolve",
        label="办结 (Resolve)",
        submit="办结并答复 (Resolve with reply)",
        done="已办结 (Resolved)",
        service=services.ticket_resolve,
        roles=UNIT,
        statuses=(Status.IN_PROGRESS,),
        when=_lead,
        input=ReplyInput,
        api_path="resolve",
        api_summary="办结 (resolve with a reply)",
        api_description="主办单位工作人员，办理中的工单。(Lead unit's staff.)",
        api_tag="unit",
        order=50,
    ),
    TicketAction(
        name="resume",
        label="恢复计时 (Resume the clock)",
        submit="恢复计时 (Resume)",
        done="已恢复计时，办结时限顺延 (Clock resumed)",
        service=services.ticket_resume,
        roles=(Role.UNIT_STAFF, Role.DISPATCHER),
        when=_can_resume,
        input=NoteInput,
        intro="workorders/actions/_paused_since.html",
        tone="secondary",
        api_path="resume",
        api_summary="恢复计时 (resume the clock)",
        api_description="主办单位工作人员或派单员；办结时限按暂停时长顺延。"
        "(Lead unit's staff or a dispatcher; the resolve deadline moves by the time paused.)",
        api_tag="unit",
        order=60,
    ),
    TicketAction(
        name="request_pause",
        label="申请暂停计时 (Ask to pause the clock)",
        submit="提交暂停申请 (Request pause)",
        done="已提交暂停计时申请，等待派单员审核 (Pause requested)",
        service=services.ticket_request_pause,
        roles=UNIT,
        statuses=(Status.IN_PROGRESS,),
        when=_can_request_pause,
        input=PauseInput,
        style="collapsed",
        tone="secondary",
        api_path="pause",
        api_summary="申请暂停计时 (ask to stop the resolve clock)",
        api_description="主办单位工作人员，办理中的工单（已联系诉求人）；由派单员审核。"
        "(Lead unit's staff, ticket in progress; a dispatcher decides.)",
        api_tag="unit",
        order=70,
    ),
    TicketAction(
        name="request_extension",
        label="申请延期 (Ask for an extension)",
        submit="提交延期申请 (Request extension)",
        done="已提交延期申请，等待派单员审核 (Extension requested)",
        service=services.ticket_request_extension,
        roles=UNIT,
        statuses=WORKING,
        when=lambda state: _lead(state) and state.pending_extension is None,
        input=ExtensionInput,
        style="collapsed",
        tone="secondary",
        api_path="extension",
        api_summary="申请延期 (ask for an extension)",
        api_description="主办单位工作人员；派单员通过后改办结时限。(Lead unit's staff.)",
        api_tag="unit",
        order=80,
    ),
    TicketAction(
        name="request_return",
        label="申请退单 (Return this ticket)",
        submit="提交退单申请 (Request return)",
        done="已提交退单申请，等待派单员审核 (Return requested)",
        service=services.ticket_request_return,
        roles=UNIT,
        statuses=(Status.DISPATCHED, Status.ACCEPTED),
        when=_in_return_window,
        input=ReasonInput,
        intro="workorders/actions/_return_window.html",
        style="collapsed",
        tone="danger",
        api_path="return",
        api_summary="申请退单 (ask to return)",
        api_description="主办单位工作人员，派单后时限内；由派单员审核。"
        "(Lead unit's staff, within the return window.)",
        api_tag="unit",
        order=90,
    ),
    TicketAction(
        name="answer",
        label="直接答复 (Answer directly)",
        submit="答复并办结 (Answer and resolve)",
        done="已直接答复 (Answered directly)",
        service=services.ticket_answer_directly,
        roles=INTAKE_ROLES,
        statuses=BEFORE_DISPATCH,
        input=ReplyInput,
        api_path="answer",
        api_summary="直接答复 (answer directly)",
        api_description="话务员、派单员：已受理或待分拨的工单。(Operators and dispatchers.)",
        api_tag="intake",
        order=200,
    ),
    TicketAction(
        name="merge",
        label="合并重复工单 (Merge as duplicate)",
        submit="合并 (Merge)",
        done="已合并为重复工单 (Merged as a duplicate)",
        service=services.ticket_merge,
        roles=INTAKE_ROLES,
        statuses=BEFORE_DISPATCH,
        input=MergeInput,
        style="collapsed",
        tone="secondary",
        api_path="merge",
        api_summary="合并重复工单 (merge into a master ticket)",
        api_description="话务员、派单员；市民将看到主工单的结果。(Operators and dispatchers.)",
        api_tag="intake",
        order=220,
    ),
    TicketAction(
        name="invalid",
        label="不予受理 (Mark invalid)",
        done="已标记为不予受理 (Marked invalid)",
        service=services.ticket_mark_invalid,
        roles=INTAKE_ROLES,
        statuses=BEFORE_DISPATCH,
        input=InvalidationInput,
        style="collapsed",
        tone="danger",
        api_path="invalid",
        api_summary="不予受理 (mark invalid)",
        api_description="话务员、派单员；reason_code 为法定不予受理原因之一。"
        "(Operators and dispatchers.)",
        api_tag="intake",
        order=230,
    ),
    TicketAction(
        name="reveal",
        label="查看完整联系方式 (Reveal contact)",
        done="已记录本次查看 (This reveal was logged)",
        service=services.ticket_reveal_contact,
        roles=UNIT,
        when=_can_reveal,
        in_panel=False,
        api_path="reveal-contact",
        api_summary="查看诉求人联系方式 (reveal the citizen's contact; logged)",
        api_description="承办单位工作人员；保密工单不可查看；每次查看都记入时间线。"
        "(Staff of an assigned unit; logged.)",
        api_tag="unit",
        api_response=RevealedContactSerializer,
        api_render=_reveal_render,
    ),
)


def register() -> None:
    register_ticket_actions(*ACTIONS)
