"""Forms of the ticket pages.

They only parse and render: every rule about what is valid lives in ``workorders.services``, so a
page and the API give the same answer. Fields are therefore optional here, and the service's
``DomainError.fields`` are put back onto the form next to the field they belong to
(``apply_domain_error``). The field names are the services' argument names for that reason.
"""

from django import forms
from django.conf import settings

from hotline.lib.errors import DomainError
from workorders.models import RequestType, Urgency
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
