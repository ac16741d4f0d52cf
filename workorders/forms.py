"""Forms of the ticket pages.

They only parse and render: every rule about what is valid lives in ``workorders.services``, so a
page and the API give the same answer. Fields are therefore optional here, and the service's
``DomainError.fields`` are put back onto the form next to the field they belong to
(``apply_domain_error``). The field names are the services' argument names for that reason.
"""

from django import forms
from django.conf import settings

from hotline.lib.errors import DomainError
from workorders.models import InvalidReason, RequestType, Urgency
from workorders.selectors import ORDERINGS

REQUIRED = "请填写此项 (this field is required)"
ANY = "— 全部 (any) —"
LIGHT_CHOICES = [
    ("", ANY),
    ("red", "红灯：已超期 (red: overdue)"),
    ("yellow", "黄灯：即将到期 (yellow: due soon)"),
    ("green", "绿灯：正常 (green: on time)"),
]
ORDERING_CHOICES = [("", "默认 (default)"), *ORDERINGS.items()]


class MultipleImageInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files from one ``<input type=file multiple>``; checked by the intake service."""

    widget = MultipleImageInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [file for file in files if file]


def apply_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's per-field messages next to the fields; the rest above the form."""
    placed = False
    for field, messages in error.fields.items():
        # Errors of hidden fields (the map point) have nowhere to show but above the form.
        visible = field in form.fields and not form.fields[field].widget.is_hidden
        target = field if visible else None
        for message in messages:
            form.add_error(target, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


class IntakeForm(forms.Form):
    """A citizen's request: the web form, and the operator's phone intake (with two more fields)."""

    title = forms.CharField(
        label="标题 (title)",
        required=False,
        max_length=100,
        help_text="可不填，系统取内容开头 (optional)",
    )
    content = forms.CharField(
        label="诉求内容 (what happened)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "required": True, "minlength": 5}),
        help_text="请写明时间、地点和具体情况 (when, where, what)",
    )
    citizen_name = forms.CharField(
        label="姓名 (name)",
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    citizen_phone = forms.CharField(
        label="联系电话 (phone)",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text="用于联系和回访；留空即匿名，将无法回访 (leave empty to stay anonymous)",
    )
    address = forms.CharField(
        label="地址 (address)",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
        help_text="区、街道、小区或路名 (district, street, estate or road)",
    )
    latitude = forms.CharField(required=False, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, widget=forms.HiddenInput)
    confidential = forms.BooleanField(
        label="要求保密 (keep my identity confidential)",
        required=False,
        help_text=(
            "勾选后，承办单位看不到您的姓名和电话，由热线中心代为联系 "
            "(the handling office will not see your name or phone)"
        ),
    )
    attachments = MultipleImageField(
        label="现场照片 (photos)",
        required=False,
        widget=MultipleImageInput(
            attrs={
                "accept": "image/*",
                "multiple": True,
                "data-max-files": settings.ATTACHMENT_MAX_COUNT,
            }
        ),
        help_text=(
            f"最多 {settings.ATTACHMENT_MAX_COUNT} 张，每张不超过 "
            f"{settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB "
            f"(up to {settings.ATTACHMENT_MAX_COUNT} images)"
        ),
    )


class PhoneIntakeForm(IntakeForm):
    # Plain text with a select widget: the intake service checks the value, with its messages.
    request_type = forms.CharField(
        label="诉求类型 (request type)",
        required=False,
        widget=forms.Select(choices=[("", "— 自动判断 (automatic) —"), *RequestType.choices]),
    )
    urgency = forms.CharField(
        label="紧急程度 (urgency)",
        required=False,
        widget=forms.Select(choices=[("", "— 自动判断 (automatic) —"), *Urgency.choices]),
    )
    field_order = ["content", "title", "request_type", "urgency"]


class TrackForm(forms.Form):
    number = forms.CharField(
        label="工单编号 (ticket number)",
        max_length=20,
        error_messages={"required": REQUIRED},
        widget=forms.TextInput(attrs={"placeholder": "20261122-000123", "autocomplete": "off"}),
    )
    query_code = forms.CharField(
        label="查询码 (query code)",
        max_length=8,
        error_messages={"required": REQUIRED},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class SupplementForm(forms.Form):
    text = forms.CharField(
        label="补充内容 (additional information)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- actions on a ticket ------------------------------------------------------------------------


class EmptyForm(forms.Form):
    """An action without input (accept, start follow-up): only carries errors back."""


class NoteForm(forms.Form):
    note = forms.CharField(
        label="说明 (note)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ContactForm(forms.Form):
    note = forms.CharField(
        label="联系情况 (how the citizen was reached)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ProgressForm(forms.Form):
    note = forms.CharField(
        label="进展说明 (what was done)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    public = forms.BooleanField(
        label="市民可见 (visible to the citizen)", required=False, initial=True
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="理由 (reason)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ExtensionForm(forms.Form):
    reason = forms.CharField(
        label="延期理由 (reason)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    requested_due_at = forms.DateTimeField(
        label="申请延至 (extend to)",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={
            "required": "请选择延期后的办结时限 (choose the new due time)",
            "invalid": "时间格式不正确 (not a valid date and time)",
        },
    )


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label="答复内容 (reply to the citizen)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class MergeForm(forms.Form):
    master_number = forms.CharField(
        label="主工单编号 (master ticket number)", required=False, max_length=20
    )
    reason = forms.CharField(label="说明 (note)", required=False, max_length=500)


class InvalidForm(forms.Form):
    reason_code = forms.CharField(
        label="不予受理原因 (reason)",
        required=False,
        widget=forms.Select(choices=[("", "— 请选择 (choose) —"), *InvalidReason.choices]),
    )
    note = forms.CharField(label="说明 (note)", required=False, max_length=500)


class DecisionForm(forms.Form):
    """A dispatcher's decision on a return or extension request."""

    decision = forms.ChoiceField(
        choices=[("approve", "通过 (approve)"), ("reject", "驳回 (reject)")],
        error_messages={
            "required": "请选择通过或驳回 (approve or reject)",
            "invalid_choice": "请选择通过或驳回 (approve or reject)",
        },
    )
    note = forms.CharField(
        label="审核意见 (note; required to reject)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PauseForm(forms.Form):
    reason = forms.CharField(
        label="暂停理由 (why the clock should stop)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="如等待市民补充材料；经派单员同意后停止计时 "
        "(e.g. waiting for the citizen's papers; a dispatcher approves)",
    )


class SupervisionForm(forms.Form):
    note = forms.CharField(
        label="督办意见 (note to the unit)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AcknowledgeForm(forms.Form):
    response = forms.CharField(
        label="督办回复 (what your unit is doing about it)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- list filters -------------------------------------------------------------------------------


class LightFilterForm(forms.Form):
    """The light filter and the "most overdue first" sort, for every list of tickets.

    Renders the query string only; the filtering is ``selectors.TicketFilter``."""

    light = forms.ChoiceField(
        label="灯色 (light)",
        required=False,
        choices=LIGHT_CHOICES,
        error_messages={
            "invalid_choice": "灯色应为 red、yellow 或 green (light must be red, yellow or green)"
        },
    )
    ordering = forms.ChoiceField(
        label="排序 (sort)",
        required=False,
        choices=ORDERING_CHOICES,
        error_messages={"invalid_choice": "未知的排序方式 (unknown ordering)"},
    )


class WorkbenchFilterForm(LightFilterForm):
    tab = forms.CharField(required=False, widget=forms.HiddenInput)
    q = forms.CharField(label="搜索 (search)", required=False)
    field_order = ["tab", "q", "light", "ordering"]
