"""The ticket actions dispatchers own: dispatching, deciding returns, extensions and pauses,
and supervision (督办). Registered in ``DispatchConfig.ready()``.

Dispatching has its own page (the unit and category choices of a whole city do not fit beside
the ticket), so on the ticket page it is a link; the API takes the same input as that page.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from workorders import services
from workorders.actions import TEXT_MAX, text
from workorders.models import (
    RESOLVE_RUNNING,
    Category,
    Light,
    PauseStatus,
    Region,
    RequestType,
    Role,
    Status,
    Unit,
    Urgency,
)
from workorders.registry import TicketAction, register_ticket_actions

# More assisting units than this is not joint handling but a broadcast.
MAX_ASSIST_UNITS = 20
DISPATCHERS = (Role.DISPATCHER,)
WORKING = (Status.ACCEPTED, Status.IN_PROGRESS)


class DispatchInputSerializer(serializers.Serializer):
    lead_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), help_text=_("主办单位 id")
    )
    assist_units = serializers.ListField(
        child=serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all()),
        max_length=MAX_ASSIST_UNITS,
        required=False,
        default=list,
        help_text=_("协办单位 id 列表"),
    )
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.all(), required=False, allow_null=True, default=None
    )
    region = serializers.PrimaryKeyRelatedField(
        queryset=Region.objects.all(), required=False, allow_null=True, default=None
    )
    urgency = serializers.ChoiceField(
        choices=Urgency.choices, required=False, allow_null=True, default=None
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT_MAX
    )
    request_type = serializers.ChoiceField(
        choices=RequestType.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("更正诉求类型（记入时间线）；不传则保留工单现有的或分类器预测的类型"),
    )
    version = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=40,
        help_text=_(
            "工单详情中的 version：若工单此后已被他人改动（如另一位派单员已派单），回答 409 "
            "并说明当前主办单位；不传则不检查"
        ),
    )


class DecisionInput(serializers.Serializer):
    approve = serializers.BooleanField(
        help_text="true 通过 / false 驳回",
        error_messages={
            "required": _("请选择通过或驳回"),
            "invalid": _("请选择通过或驳回"),
        },
    )
    note = text(_("审核意见（驳回时必填）"))


class SupervisionInput(serializers.Serializer):
    note = text(_("督办意见"))


def _pause_pending(state) -> bool:
    return state.open_pause is not None and state.open_pause.status == PauseStatus.PENDING


ACTIONS = (
    TicketAction(
        name="dispatch",
        label=_("派单"),
        done=_("已派单"),
        service=services.ticket_dispatch,
        roles=DISPATCHERS,
        statuses=(Status.REGISTERED, Status.TRIAGE, Status.DISPATCHED),
        input=DispatchInputSerializer,
        style="link",
        intro="dispatch/actions/_dispatch_link.html",
        api_path="dispatch",
        api_summary=_("派单"),
        api_description=_("派单员：已受理、待分拨或尚未签收的工单。"),
        api_tag="dispatch",
        order=210,
    ),
    TicketAction(
        name="decide_return",
        label=_("审核退单"),
        done=_("退单申请已处理"),
        service=services.ticket_decide_return,
        roles=DISPATCHERS,
        statuses=(Status.RETURN_REQUESTED,),
        input=DecisionInput,
        decision=True,
        approve_label=_("同意退单"),
        api_path="return-decision",
        api_summary=_("审核退单"),
        api_description=_("派单员：通过则回到待分拨，驳回须填写 note。"),
        api_tag="dispatch",
        order=300,
    ),
    TicketAction(
        name="decide_extension",
        label=_("审核延期"),
        done=_("延期申请已处理"),
        service=services.ticket_decide_extension,
        roles=DISPATCHERS,
        statuses=WORKING,
        when=lambda state: state.pending_extension is not None,
        input=DecisionInput,
        decision=True,
        approve_label=_("同意延期"),
        api_path="extension-decision",
        api_summary=_("审核延期"),
        api_description=_("派单员：驳回须填写 note。"),
        api_tag="dispatch",
        order=310,
    ),
    TicketAction(
        name="decide_pause",
        label=_("审核暂停计时"),
        done=_("暂停申请已处理"),
        service=services.ticket_decide_pause,
        roles=DISPATCHERS,
        when=_pause_pending,
        input=DecisionInput,
        decision=True,
        approve_label=_("同意暂停"),
        api_path="pause-decision",
        api_summary=_("审核暂停计时"),
        api_description=_("派单员：通过则办结计时立即停止，驳回须填写 note。"),
        api_tag="dispatch",
        order=320,
    ),
    TicketAction(
        name="supervise",
        label=_("督办"),
        submit=_("发出督办"),
        done=_("已督办，承办单位将收到通知"),
        service=services.ticket_supervise,
        roles=(Role.DISPATCHER, Role.LEADER),
        statuses=tuple(RESOLVE_RUNNING),
        # 督办 is what yellow and red tickets are for (the service would take any with a unit).
        when=lambda state: state.light >= Light.YELLOW,
        input=SupervisionInput,
        intro="dispatch/actions/_supervise_help.html",
        style="collapsed",
        tone="danger",
        api_path="supervise",
        api_summary=_("督办"),
        api_description=_("派单员、领导：承办中的工单；主办单位收到通知并须回复。"),
        api_tag="supervision",
        order=400,
    ),
)


def register() -> None:
    register_ticket_actions(*ACTIONS)
