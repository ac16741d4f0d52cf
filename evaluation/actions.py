"""The ticket actions of follow-up: closing and reopening after the citizen was asked.

Registered in ``EvaluationConfig.ready()``. They call the follow-up services, which record the
round's decision with the status change; the bare status changes in ``workorders.services`` are
never offered on a page or an endpoint.
"""

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
    raise Conflict("办结后自动转入回访，无需手动开始 (resolving starts the follow-up by itself)")


ACTIONS = (
    TicketAction(
        name="close",
        label="回访完成，归档 (Close after follow-up)",
        submit="归档 (Close)",
        done="已归档 (Closed)",
        service=services.follow_up_close_ticket,
        roles=FOLLOW_UP_ROLES,
        statuses=(Status.FOLLOW_UP,),
        input=NoteInput,
        api_path="close",
        api_summary="归档 (close after the follow-up)",
        api_description="回访员、派单员：须先记录本轮回访结果。(Follow-up agents and dispatchers, "
        "once the round's outcome is recorded.)",
        api_tag="follow-up",
        order=500,
    ),
    TicketAction(
        name="reopen",
        label="市民表示未解决：重办 (Not solved: reopen)",
        submit="重办 (Reopen)",
        done="已重办，工单退回原主办单位 (Reopened)",
        service=services.follow_up_reopen_ticket,
        roles=FOLLOW_UP_ROLES,
        statuses=(Status.FOLLOW_UP,),
        when=lambda state: state.lead is not None,
        input=ReasonInput,
        style="collapsed",
        tone="danger",
        api_path="reopen",
        api_summary="重办 (reopen: the citizen says it is not solved)",
        api_description="回访员、派单员：回到原主办单位重新签收。(Follow-up agents and dispatchers.)",
        api_tag="follow-up",
        order=510,
    ),
    TicketAction(
        name="start_follow_up",
        label="转回访 (Start follow-up)",
        done="",
        service=follow_up_start_retired,
        roles=FOLLOW_UP_ROLES,
        on_page=False,
        api_path="follow-up/start",
        api_summary="转回访 (retired: resolving starts the follow-up)",
        api_description="办结即自动转回访，此接口总是回答 409，仅为兼容保留。"
        "(Resolving enters follow-up by itself; kept for compatibility, always 409.)",
        api_tag="follow-up",
    ),
)


def register() -> None:
    register_ticket_actions(*ACTIONS)
