"""Writes of the evaluation app: follow-up, exemptions, closing months. Import from here."""

from evaluation.services.exemptions import exemption_decide, exemption_request
from evaluation.services.follow_up import (
    LinkExpired,
    follow_up_close_ticket,
    follow_up_decide,
    follow_up_open,
    follow_up_record_call,
    follow_up_reopen_ticket,
    survey_get,
    survey_submit,
    survey_token,
)
from evaluation.services.months import (
    close_due_month,
    current_snapshot,
    month_close,
    month_compute,
)
from evaluation.services.sweep import (
    open_failed_surveys,
    open_missing_rounds_on_worker_start,
    sweep_follow_ups,
)

__all__ = [
    "LinkExpired",
    "close_due_month",
    "current_snapshot",
    "exemption_decide",
    "exemption_request",
    "follow_up_close_ticket",
    "follow_up_decide",
    "follow_up_open",
    "follow_up_record_call",
    "follow_up_reopen_ticket",
    "month_close",
    "month_compute",
    "survey_get",
    "survey_submit",
    "survey_token",
    "open_failed_surveys",
    "open_missing_rounds_on_worker_start",
    "sweep_follow_ups",
]
