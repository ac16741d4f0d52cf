"""Shapes of the evaluation API: inputs are checked here, the rules are the services'."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from evaluation.models import (
    CallOutcome,
    ExemptionReason,
    FollowUpResult,
    Satisfaction,
)

# What the agent does after "not solved" (one choice set, so one enum in the schema).
DECISIONS = [("reopen", _("重办")), ("close", _("归档"))]


def _text(label: str, *, max_length: int = 2000) -> serializers.CharField:
    return serializers.CharField(
        required=False, allow_blank=True, default="", max_length=max_length, help_text=label
    )


class AnswersInputSerializer(serializers.Serializer):
    contacted = serializers.BooleanField(help_text=_("承办单位是否联系过市民"))
    solved = serializers.BooleanField(help_text=_("问题是否解决"))
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    comment = _text(_("市民意见"), max_length=1000)


class CallInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=CallOutcome.choices)
    contacted = serializers.BooleanField(required=False, allow_null=True, default=None)
    solved = serializers.BooleanField(required=False, allow_null=True, default=None)
    satisfaction = serializers.ChoiceField(
        choices=Satisfaction.choices, required=False, allow_blank=True, default=""
    )
    comment = _text(_("市民意见"), max_length=1000)
    note = _text(_("通话备注"), max_length=1000)
    decision = serializers.ChoiceField(
        choices=DECISIONS,
        required=False,
        allow_blank=True,
        default="",
        help_text="市民表示未解决时：reopen 重办、close 归档、空为稍后处理",
    )
    reason = _text(_("重办或归档原因（市民表示未解决时必填）"), max_length=1000)


class FollowUpDecisionInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=DECISIONS)
    reason = _text(_("原因（重办或归档均须填写）"), max_length=1000)


class CallSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=CallOutcome.choices)
    note = serializers.CharField()
    called_at = serializers.DateTimeField()


class FollowUpSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ticket_id = serializers.IntegerField()
    ticket_number = serializers.CharField(source="ticket.number")
    ticket_title = serializers.CharField(source="ticket.title")
    round = serializers.IntegerField()
    unit = serializers.CharField(source="unit.name", default=None)
    anonymous = serializers.BooleanField()
    confidential = serializers.BooleanField()
    result = serializers.ChoiceField(choices=FollowUpResult.choices)
    result_label = serializers.CharField(source="get_result_display")
    channel = serializers.CharField(help_text=_("sms / call；未作答为空"))
    contacted = serializers.BooleanField(allow_null=True)
    solved = serializers.BooleanField(allow_null=True)
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, allow_blank=True)
    comment = serializers.CharField()
    opened_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    survey_sent_at = serializers.DateTimeField(allow_null=True)
    attempts = serializers.IntegerField()
    next_call_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    decision = serializers.CharField(help_text="closed / reopened；未处理为空")
    calls = CallSerializer(many=True)


class SurveyTicketSerializer(serializers.Serializer):
    """What the citizen sees before answering: their own request and its reply."""

    number = serializers.CharField(source="ticket.number")
    title = serializers.CharField(source="ticket.title")
    reply = serializers.CharField(source="ticket.reply")
    unit = serializers.CharField(source="unit.name", default=None)


class ExemptionInputSerializer(serializers.Serializer):
    ticket = serializers.IntegerField(help_text=_("工单 id"))
    reason = serializers.ChoiceField(choices=ExemptionReason.choices)
    explanation = serializers.CharField(max_length=2000, help_text=_("申请说明"))


class ExemptionDecisionInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = _text(_("审核意见，驳回时必填"))


class ExemptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ticket_id = serializers.IntegerField()
    ticket_number = serializers.CharField(source="ticket.number")
    unit_id = serializers.IntegerField()
    unit = serializers.CharField(source="unit.name")
    reason = serializers.ChoiceField(choices=ExemptionReason.choices)
    reason_label = serializers.CharField(source="get_reason_display")
    explanation = serializers.CharField()
    status = serializers.CharField(help_text="pending / approved / rejected")
    requested_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()


class CloseMonthInputSerializer(serializers.Serializer):
    reason = _text(_("重新结算原因"))


class UnitFiguresSerializer(serializers.Serializer):
    unit_id = serializers.IntegerField()
    unit_name = serializers.CharField()
    kind = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True)
    previous_rank = serializers.IntegerField(allow_null=True)
    movement = serializers.IntegerField(allow_null=True)
    composite = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    response_rate = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    resolution_rate = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    satisfaction_rate = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    finished = serializers.IntegerField()
    valid = serializers.IntegerField()
    responded = serializers.IntegerField()
    solved = serializers.IntegerField()
    satisfied = serializers.IntegerField()
    basically_satisfied = serializers.IntegerField()
    dissatisfied = serializers.IntegerField()
    refused = serializers.IntegerField()
    unreachable = serializers.IntegerField()
    wrong_number = serializers.IntegerField()
    anonymous = serializers.IntegerField()
    confidential = serializers.IntegerField()
    exempt = serializers.IntegerField()
    red_lights = serializers.IntegerField()
    reopens = serializers.IntegerField()
    proactive = serializers.IntegerField(help_text="主动治理：本月办结的主动治理工单 (as lead)")
    presses = serializers.IntegerField(help_text="区政府督促次数")
    volume = serializers.IntegerField(allow_null=True)
    governance = serializers.BooleanField()


class RankingTableSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    rows = UnitFiguresSerializer(many=True)


class MonthSerializer(serializers.Serializer):
    month = serializers.CharField()
    period_start = serializers.DateTimeField()
    period_end = serializers.DateTimeField()
    closed = serializers.BooleanField()
    version = serializers.IntegerField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    rule = serializers.DictField()
    totals = serializers.DictField()
    tables = RankingTableSerializer(many=True)


def month_data(view) -> dict:
    snapshot = view.snapshot
    return MonthSerializer(
        {
            "month": view.period.label,
            "period_start": view.period.start,
            "period_end": view.period.end,
            "closed": snapshot is not None,
            "version": snapshot.version if snapshot else None,
            "closed_at": snapshot.closed_at if snapshot else None,
            "reason": snapshot.reason if snapshot else "",
            "rule": view.rule_values,
            "totals": view.totals,
            "tables": view.tables(),
        }
    ).data
