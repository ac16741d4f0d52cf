"""Forms of the ticket pages.

They only parse and render: every rule about what is valid lives in ``workorders.services``, so a
page and the API give the same answer. Fields are therefore optional here, and the service's
``DomainError.fields`` are put back onto the form next to the field they belong to
(``apply_domain_error``). The field names are the services' argument names for that reason.
"""

import secrets

from django import forms
from django.conf import settings
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hotline.lib.errors import DomainError
from workorders.models import RequestType, Ticket, Urgency
from workorders.selectors import ORDERINGS

REQUIRED = _("请填写此项")
ANY = format_lazy("— {} —", _("全部"))
LIGHT_CHOICES = [
    ("", ANY),
    ("red", _("红灯：已超期")),
    ("yellow", _("黄灯：即将到期")),
    ("green", _("绿灯：正常")),
]
ORDERING_CHOICES = [("", _("默认")), *ORDERINGS.items()]


def _attachments_help() -> str:
    # Called when the form renders, so the limits read in the request's language.
    return gettext("最多 %(count)s 张，每张不超过 %(megabytes)s MB") % {
        "count": settings.ATTACHMENT_MAX_COUNT,
        "megabytes": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024),
    }


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
        label=_("标题"),
        required=False,
        max_length=100,
        help_text=_("可不填，系统取内容开头"),
    )
    content = forms.CharField(
        label=_("诉求内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "required": True, "minlength": 5}),
        help_text=_("请写明时间、地点和具体情况"),
    )
    citizen_name = forms.CharField(
        label=_("姓名"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    citizen_phone = forms.CharField(
        label=_("联系电话"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("用于联系和回访；留空即匿名，将无法回访"),
    )
    address = forms.CharField(
        label=_("地址"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
        help_text=_("区、街道、小区或路名"),
    )
    latitude = forms.CharField(required=False, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, widget=forms.HiddenInput)
    confidential = forms.BooleanField(
        label=_("要求保密"),
        required=False,
        help_text=(_("勾选后，承办单位看不到您的姓名和电话，由热线中心代为联系")),
    )
    attachments = MultipleImageField(
        label=_("现场照片"),
        required=False,
        widget=MultipleImageInput(
            attrs={
                "accept": "image/*",
                "multiple": True,
                "data-max-files": settings.ATTACHMENT_MAX_COUNT,
            }
        ),
        help_text=lazy(_attachments_help, str)(),
    )
    # One per form shown: the same form sent twice (back, then submit again) registers once.
    submission_token = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_token", secrets.token_urlsafe(24))


class PhoneIntakeForm(IntakeForm):
    # Plain text with a select widget: the intake service checks the value, with its messages.
    request_type = forms.CharField(
        label=_("诉求类型"),
        required=False,
        widget=forms.Select(
            choices=[("", format_lazy("— {} —", _("自动判断"))), *RequestType.choices]
        ),
    )
    urgency = forms.CharField(
        label=_("紧急程度"),
        required=False,
        widget=forms.Select(choices=[("", format_lazy("— {} —", _("自动判断"))), *Urgency.choices]),
    )
    # An inquiry answered on the line: registered and answered directly in one step.
    reply = forms.CharField(
        label=_("直接答复（可选）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("咨询类来电可当场答复：填写后受理并直接办结"),
    )
    # Set by the "repeat call" button (caller.js): the caller's open ticket this call repeats.
    # Not rendered as a field: the button carries it.
    repeat_of = forms.CharField(required=False, max_length=20)
    field_order = ["content", "title", "request_type", "urgency"]

    def clean(self):
        cleaned = super().clean()
        number = (cleaned.get("repeat_of") or "").strip()
        if number and not Ticket.objects.open().filter(number=number).exists():
            self.add_error(None, _("原工单 %(number)s 不存在或已办结") % {"number": number})
        cleaned["repeat_of"] = number
        return cleaned


class TrackForm(forms.Form):
    number = forms.CharField(
        label=_("工单编号"),
        max_length=20,
        error_messages={"required": REQUIRED},
        widget=forms.TextInput(attrs={"placeholder": "20261122-000123", "autocomplete": "off"}),
    )
    query_code = forms.CharField(
        label=_("查询码"),
        max_length=8,
        error_messages={"required": REQUIRED},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class SupplementForm(forms.Form):
    text = forms.CharField(
        label=_("补充内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- list filters -------------------------------------------------------------------------------


class LightFilterForm(forms.Form):
    """The light filter and the "most overdue first" sort, for every list of tickets.

    Renders the query string only; the filtering is ``selectors.TicketFilter``."""

    light = forms.ChoiceField(
        label=_("灯色"),
        required=False,
        choices=LIGHT_CHOICES,
        error_messages={"invalid_choice": _("灯色应为 red、yellow 或 green")},
    )
    ordering = forms.ChoiceField(
        label=_("排序"),
        required=False,
        choices=ORDERING_CHOICES,
        error_messages={"invalid_choice": _("未知的排序方式")},
    )


class WorkbenchFilterForm(LightFilterForm):
    tab = forms.CharField(required=False, widget=forms.HiddenInput)
    q = forms.CharField(label=_("搜索"), required=False)
    field_order = ["tab", "q", "light", "ordering"]
