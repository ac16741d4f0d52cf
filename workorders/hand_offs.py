"""What the hand-off to a community (转派社区) adds to the ticket page and the API: the street's
hand-off, send-back and withdrawal, the community's report, and the panel showing the hand-off.
The services are in workorders.services.hand_offs; the community accepts, contacts and records
progress with the actions every unit on a ticket has."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from workorders import services
from workorders.access import CENTER_ROLES, unit_of
from workorders.actions import WORKING, text
from workorders.models import Assignment, HandOffStatus, Role, Unit
from workorders.registry import (
    PagePanel,
    TicketAction,
    TicketPanel,
    register_kept_tickets,
    register_page_panels,
    register_ticket_actions,
    register_ticket_panels,
)
from workorders.services.hand_offs import hand_off_kept_tickets, hand_offs_waiting

UNIT = (Role.UNIT_STAFF,)
CHOOSE_COMMUNITY = _("请选择本街道（乡镇）下属的社区（村）")


class HandOffInput(serializers.Serializer):
    unit = serializers.IntegerField(
        label=_("社区（村）"),
        help_text=_("本街道（乡镇）下属社区（村）的单位 id"),
        required=False,
        allow_null=True,
        default=None,
        # Bounded: an id past the database's integer range must be a 400, not an overflow.
        min_value=1,
        max_value=2**31 - 1,
        error_messages={
            key: CHOOSE_COMMUNITY
            for key in ("invalid", "max_string_length", "min_value", "max_value")
        },
    )
    note = text(_("转派说明"), _("交办社区的事项和要求"), rows=3)


class ReportInput(serializers.Serializer):
    report = text(_("办理结果"), _("社区的办理情况和结果，供街道审核后答复市民"), rows=4)


class SendBackInput(serializers.Serializer):
    reason = text(_("退回理由"), _("社区需补充办理的内容"))


class WithdrawInput(serializers.Serializer):
    reason = text(_("撤回理由"))


# --- when the page offers them ------------------------------------------------------------------


def _street_lead(state) -> bool:
    own = state.own
    return (
        own is not None
        and own.role == Assignment.Role.LEAD
        and state.unit is not None
        and state.unit.kind == Unit.Kind.STREET
    )


def _open(state):
    hand_off = state.hand_off
    return hand_off if hand_off is not None and hand_off.is_open else None


def _can_hand_off(state) -> bool:
    return _street_lead(state) and _open(state) is None


def _can_report(state) -> bool:
    own, hand_off = state.own, _open(state)
    return (
        own is not None
        and own.role == Assignment.Role.COMMUNITY
        and own.accepted_at is not None
        and hand_off is not None
        and hand_off.community_id == own.unit_id
        and hand_off.status in (HandOffStatus.ACCEPTED, HandOffStatus.SENT_BACK)
    )


def _can_send_back(state) -> bool:
    hand_off = _open(state)
    return (
        _street_lead(state) and hand_off is not None and hand_off.status == HandOffStatus.REPORTED
    )


def _can_withdraw(state) -> bool:
    return _street_lead(state) and _open(state) is not None


def _community_choices(state) -> dict:
    communities = services.street_communities(state.unit) if state.unit is not None else []
    return {"unit": [(unit.pk, unit.name) for unit in communities]}


def reply_from_report(state) -> dict:
    """The resolve form starts from the community's report, for the street to check and edit."""
    hand_off = _open(state)
    if hand_off is not None and hand_off.status == HandOffStatus.REPORTED:
        return {"reply": hand_off.report}
    return {}


ACTIONS = (
    TicketAction(
        name="hand_off",
        label=_("转派社区"),
        submit=_("转派"),
        done=_("已转派社区，等待社区签收"),
        service=services.ticket_hand_off,
        roles=UNIT,
        statuses=WORKING,
        when=_can_hand_off,
        input=HandOffInput,
        choices=_community_choices,
        intro="workorders/actions/_hand_off_intro.html",
        style="collapsed",
        tone="secondary",
        api_path="hand-off",
        api_summary=_("转派社区"),
        api_description=_(
            "主办的街道（乡镇）工作人员，已签收或办理中的工单：交本街道下属的一个社区（村）"
            "承办。街道仍是主办单位、对时限负责，时限不变；同一时间只能转派一个社区，"
            "已有进行中的转派时回答 409。"
        ),
        api_tag="unit",
        order=45,
    ),
    TicketAction(
        name="hand_off_report",
        label=_("反馈办理结果"),
        submit=_("提交街道审核"),
        done=_("已向街道反馈办理结果"),
        service=services.ticket_hand_off_report,
        roles=UNIT,
        statuses=WORKING,
        when=_can_report,
        input=ReportInput,
        api_path="hand-off/report",
        api_summary=_("社区反馈办理结果"),
        api_description=_(
            "承办转派的社区（村）工作人员，签收后：向街道反馈办理结果，由街道审核后办结或退回。"
        ),
        api_tag="unit",
        order=44,
    ),
    TicketAction(
        name="hand_off_send_back",
        label=_("退回社区"),
        submit=_("退回社区重新办理"),
        done=_("已退回社区"),
        service=services.ticket_hand_off_send_back,
        roles=UNIT,
        statuses=WORKING,
        when=_can_send_back,
        input=SendBackInput,
        style="collapsed",
        tone="secondary",
        api_path="hand-off/send-back",
        api_summary=_("退回社区"),
        api_description=_("主办的街道工作人员：社区反馈不符合要求时，写明理由退回社区继续办理。"),
        api_tag="unit",
        order=51,
    ),
    TicketAction(
        name="hand_off_withdraw",
        label=_("撤回转派"),
        submit=_("撤回转派"),
        done=_("已撤回转派，工单由街道自行办理"),
        service=services.ticket_hand_off_withdraw,
        roles=UNIT,
        when=_can_withdraw,
        input=WithdrawInput,
        style="collapsed",
        tone="danger",
        api_path="hand-off/withdraw",
        api_summary=_("撤回转派"),
        api_description=_("主办的街道工作人员：收回进行中的转派（如转错社区），社区不再承办。"),
        api_tag="unit",
        order=85,
    ),
)


def _panel(state) -> dict | None:
    if state.hand_off is None or state.role not in (Role.UNIT_STAFF, *CENTER_ROLES):
        return None
    return {"hand_off": state.hand_off}


PANELS = (TicketPanel("hand_off", "workorders/panels/_hand_off.html", _panel, order=35),)


def _waiting(request) -> dict | None:
    unit = unit_of(request.user)
    if unit is None or unit.kind not in (Unit.Kind.STREET, Unit.Kind.COMMUNITY):
        return None
    waiting = list(hand_offs_waiting(unit=unit)[:WAITING_SHOWN])
    return {"hand_offs": waiting, "unit": unit} if waiting else None


WAITING_SHOWN = 20


def register() -> None:
    register_ticket_actions(*ACTIONS)
    register_ticket_panels(*PANELS)
    register_page_panels(
        PagePanel(
            "unit_workbench", "hand_offs", "workorders/panels/_hand_offs_waiting.html", _waiting
        )
    )
    register_kept_tickets(hand_off_kept_tickets)
