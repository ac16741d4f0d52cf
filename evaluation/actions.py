"""The ticket actions of follow-up: closing and reopening after the citizen was asked.

Registered in ``EvaluationConfig.ready()``. They call the follow-up services, which record the
round's decision with the status change; the bare status changes in ``workorders.services`` are
never offered on a page or an endpoint.
"""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from evaluation import services
from evaluation.selectors import FOLLOW_UP_ROLES
from hotline.lib.errors import Conflict
from workorders.access import require_role, ticket_get_for_user
from workorders.actions import NoteInput, ReasonInput
from workorders.models import Status
from workorders.registry import TicketAction, register_ticket_actions


def follow_up_start_retired(*, ticket_id: int, actor):
    """``POST /api/tickets/<id>/follow-up/start/`` stays in the API contract, but resolving
    enters follow-up in the same transaction, so no ticket is ever left waiting for it."""
    require_role(actor, *FOLLOW_UP_ROLES)
    ticket_get_for_user(user=actor, pk=ticket_id)
    raise Conflict(gettext("办结后自动转入回访，无需手动开始"))


ACTIONS = (
    TicketAction(
        name="close",
        label=_("回访完成，归档"),
        submit=_("归档"),
        done=_("已归档"),
        service=services.follow_up_close_ticket,
        roles=FOLLOW_UP_ROLES,
        statuses=(Status.FOLLOW_UP,),
        input=NoteInput,
        api_path="close",
        api_summary=_("归档"),
        api_description=_("回访员、派单员：须先记录本轮回访结果。"),
        api_tag="follow-up",
        order=500,
    ),
    TicketAction(
        name="reopen",
        label=_("市民表示未解决：重办"),
        submit=_("重办"),
        done=_("已重办，工单退回原主办单位"),
        service=services.follow_up_reopen_ticket,
        roles=FOLLOW_UP_ROLES,
        statuses=(Status.FOLLOW_UP,),
        when=lambda state: state.lead is not None,
        input=ReasonInput,
        style="collapsed",
        tone="danger",
        api_path="reopen",
        api_summary=_("重办"),
        api_description=_("回访员、派单员：回到原主办单位重新签收。"),
        api_tag="follow-up",
        order=510,
    ),
    TicketAction(
        name="start_follow_up",
        label=_("转回访"),
        done="",
        service=follow_up_start_retired,
        roles=FOLLOW_UP_ROLES,
        on_page=False,
        api_path="follow-up/start",
        api_summary=_("转回访"),
        api_description=_("办结即自动转回访，此接口总是回答 409，仅为兼容保留。"),
        api_tag="follow-up",
    ),
)


def register() -> None:
    register_ticket_actions(*ACTIONS)
