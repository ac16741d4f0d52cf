"""Forms of the evaluation pages: they check the shape; the services check the rules."""

from django import forms

from evaluation.models import CallOutcome, ExemptionReason, Satisfaction

YES_NO = [("yes", "是 (yes)"), ("no", "否 (no)")]


def _choice(label: str, choices, *, required: bool = False, message: str = "") -> forms.Field:
    messages = {"invalid_choice": message or "请选择 (please choose)"}
    if message:
        messages["required"] = message
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=required,
        widget=forms.RadioSelect,
        error_messages=messages,
    )


class AnswersForm(forms.Form):
    """The citizen's answers: the survey page, and the agent's record of a reached call."""

    contacted = _choice("承办单位是否联系过您 (did the unit contact you)", YES_NO)
    solved = _choice("您反映的问题是否已解决 (is the problem solved)", YES_NO)
    satisfaction = _choice("您对办理结果是否满意 (how satisfied are you)", Satisfaction.choices)
    comment = forms.CharField(
        label="意见或建议（选填） (comment, optional)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SurveyForm(AnswersForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # On the citizen's page all three answers are required (the service says so too; the
        # form marks them for the screen reader and the asterisk).
        for name in ("contacted", "solved", "satisfaction"):
            self.fields[name].required = True
            self.fields[name].error_messages["required"] = "请选择一项 (please choose one)"


class CallForm(AnswersForm):
    outcome = _choice(
        "呼叫结果 (call outcome)",
        CallOutcome.choices,
        required=True,
        message="请选择呼叫结果 (choose the call's outcome)",
    )
    note = forms.CharField(
        label="通话备注 (call note)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    decision = _choice(
        "未解决时 (if not solved)",
        [("reopen", "重办 (reopen)"), ("close", "归档 (close)"), ("", "稍后处理 (decide later)")],
    )
    reason = forms.CharField(
        label="重办原因 (reason to reopen)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    field_order = ["outcome", "contacted", "solved", "satisfaction", "comment", "note"]


class DecisionForm(forms.Form):
    decision = _choice(
        "处理 (decision)",
        [("reopen", "重办 (reopen)"), ("close", "归档 (close)")],
        required=True,
        message="请选择重办或归档 (choose reopen or close)",
    )
    reason = forms.CharField(
        label="原因 (reason)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ExemptionForm(forms.Form):
    reason = forms.ChoiceField(
        label="免考核原因 (reason)",
        choices=[("", "—")] + ExemptionReason.choices,
        error_messages={"required": "请选择免考核原因 (choose a reason)"},
    )
    explanation = forms.CharField(
        label="申请说明 (explanation)",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请填写申请说明 (explain the request)"},
    )


class ExemptionDecisionForm(forms.Form):
    decision = _choice(
        "审核结果 (decision)",
        [("approve", "通过 (approve)"), ("reject", "驳回 (reject)")],
        required=True,
        message="请选择通过或驳回 (approve or reject)",
    )
    note = forms.CharField(
        label="审核意见 (note; required to reject)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CloseMonthForm(forms.Form):
    reason = forms.CharField(
        label="重新结算原因（首次结算不填） (reason for a re-close)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
