"""Writes on the Ticket aggregate: intake and the lifecycle. Import from here."""

from workorders.services.center import (
    ticket_add_call,
    ticket_answer_directly,
    ticket_dispatch,
    ticket_fill_predicted_request_type,
    ticket_hand_back_duplicates,
    ticket_mark_invalid,
    ticket_merge,
    ticket_merge_preview,
    ticket_send_to_triage,
    ticket_set_request_type,
)
from workorders.services.deadline_sweep import sweep_deadlines
from workorders.services.follow_up import ticket_close, ticket_reopen
from workorders.services.hand_offs import (
    street_communities,
    ticket_hand_off,
    ticket_hand_off_report,
    ticket_hand_off_send_back,
    ticket_hand_off_withdraw,
)
from workorders.services.intake import (
    Upload,
    enqueue_registered,
    ticket_get_public,
    ticket_register,
    ticket_supplement,
)
from workorders.services.lifecycle import (
    ticket_accept,
    ticket_add_progress,
    ticket_contact,
    ticket_decide_extension,
    ticket_decide_return,
    ticket_request_extension,
    ticket_request_return,
    ticket_resolve,
    ticket_reveal_contact,
)
from workorders.services.pauses import ticket_decide_pause, ticket_request_pause, ticket_resume
from workorders.services.supervision import (
    ticket_acknowledge_supervision,
    ticket_press,
    ticket_supervise,
)
from workorders.services.visits import ticket_record_field_visit

__all__ = [
    "ticket_add_call",
    "Upload",
    "enqueue_registered",
    "sweep_deadlines",
    "ticket_acknowledge_supervision",
    "ticket_decide_pause",
    "ticket_request_pause",
    "ticket_resume",
    "ticket_press",
    "ticket_supervise",
    "ticket_accept",
    "ticket_add_progress",
    "ticket_answer_directly",
    "ticket_close",
    "ticket_contact",
    "ticket_decide_extension",
    "ticket_decide_return",
    "ticket_dispatch",
    "ticket_fill_predicted_request_type",
    "ticket_get_public",
    "ticket_mark_invalid",
    "ticket_hand_back_duplicates",
    "ticket_merge",
    "ticket_merge_preview",
    "ticket_register",
    "ticket_reopen",
    "ticket_request_extension",
    "ticket_request_return",
    "ticket_resolve",
    "ticket_reveal_contact",
    "ticket_record_field_visit",
    "ticket_send_to_triage",
    "street_communities",
    "ticket_hand_off",
    "ticket_hand_off_report",
    "ticket_hand_off_send_back",
    "ticket_hand_off_withdraw",
    "ticket_set_request_type",
    "ticket_supplement",
]
