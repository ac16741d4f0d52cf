"""Forms of the evaluation pages: they check the shape; the services check the rules."""

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from evaluation.models import CallOutcome, ExemptionReason, Satisfaction

YES_NO = [("yes", _("是")), ("no", _("否"))]


def _choice(label: str, choices, *, required: bool = False, message: str = "") -> forms.Field:
    messages = {"invalid_choice": message or gettext("请选择")}
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

    contacted = _choice(_("承办单位是否联系过您"), YES_NO)
    solved = _choice(_("您反映的问题是否已解决"), YES_NO)
    satisfaction = _choice(_("您对办理结果是否满意"), Satisfaction.choices)
    comment = forms.CharField(
        label=_("意见或建议（选填）"),
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
            self.fields[name].error_messages["required"] = gettext("请选择一项")


class CallForm(AnswersForm):
    outcome = _choice(
        _("呼叫结果"),
        CallOutcome.choices,
        required=True,
        message=_("请选择呼叫结果"),
    )
    note = forms.CharField(
        label=_("通话备注"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    decision = _choice(
        _("未解决时"),
        [("reopen", _("重办")), ("close", _("归档")), ("", _("稍后处理"))],
    )
    reason = forms.CharField(
        label=_("重办或归档原因"),
        help_text=_("市民表示未解决时必填"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    field_order = ["outcome", "contacted", "solved", "satisfaction", "comment", "note"]


class DecisionForm(forms.Form):
    decision = _choice(
        _("处理"),
        [("reopen", _("重办")), ("close", _("归档"))],
        required=True,
        message=_("请选择重办或归档"),
    )
    reason = forms.CharField(
        label=_("原因"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ExemptionForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("免考核原因"),
        choices=[("", "—")] + ExemptionReason.choices,
        error_messages={"required": _("请选择免考核原因")},
    )
    explanation = forms.CharField(
        label=_("申请说明"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请填写申请说明")},
    )


class ExemptionDecisionForm(forms.Form):
    decision = _choice(
        _("审核结果"),
        [("approve", _("通过")), ("reject", _("驳回"))],
        required=True,
        message=_("请选择通过或驳回"),
    )
    note = forms.CharField(
        label=_("审核意见"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CloseMonthForm(forms.Form):
    reason = forms.CharField(
        label=_("重新结算原因（首次结算不填）"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
