"""Forms of the dispatcher's pages: the ticket filters and the dispatch form.

Choices show full paths (城乡建设 › 市政管理 › 路灯) sorted as a tree, and units grouped by kind,
because a real city has hundreds of each.
"""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from workorders.forms import LightFilterForm
from workorders.models import Category, Channel, Region, RequestType, Status, Ticket, Unit, Urgency

ANY = format_lazy("— {} —", _("全部"))


def category_choices(*, blank: str) -> list[tuple]:
    categories = Category.objects.filter(is_active=True).select_related("parent__parent")
    return [("", blank), *sorted(((c.pk, c.full_name) for c in categories), key=lambda c: c[1])]


def region_choices(*, blank: str) -> list[tuple]:
    regions = Region.objects.filter(level__gt=Region.Level.CITY).select_related("parent__parent")
    return [("", blank), *sorted(((r.pk, r.full_name) for r in regions), key=lambda r: r[1])]


def unit_choices(*, blank: str | None) -> list[tuple]:
    groups: dict[str, list[tuple[int, str]]] = {}
    for unit in Unit.objects.filter(is_active=True).order_by("kind", "name"):
        groups.setdefault(unit.get_kind_display(), []).append((unit.pk, unit.name))
    choices = list(groups.items())
    return [("", blank), *choices] if blank is not None else choices


class TicketFilterForm(forms.Form):
    """Renders the query-string filters; the filtering itself is ``selectors.TicketFilter``."""

    q = forms.CharField(label=_("搜索"), required=False)
    category = forms.ChoiceField(label=_("分类"), required=False)
    region = forms.ChoiceField(label=_("区域"), required=False)
    urgency = forms.ChoiceField(
        label=_("紧急程度"), required=False, choices=[("", ANY), *Urgency.choices]
    )
    channel = forms.ChoiceField(
        label=_("渠道"), required=False, choices=[("", ANY), *Channel.choices]
    )
    request_type = forms.ChoiceField(
        label=_("诉求类型"), required=False, choices=[("", ANY), *RequestType.choices]
    )
    registered_after = forms.DateField(
        label=_("受理日期从"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    registered_before = forms.DateField(
        label=_("至"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(blank=ANY)
        self.fields["region"].choices = region_choices(blank=ANY)


class AllTicketsFilterForm(TicketFilterForm, LightFilterForm):
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", ANY), *Status.choices]
    )
    unit = forms.ChoiceField(label=_("承办单位"), required=False)
    field_order = ["q", "status", "light", "ordering"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = unit_choices(blank=ANY)


class SupervisionFilterForm(forms.Form):
    """The 督办 list: red (the default) or yellow tickets, narrowed like the other lists.

    Renders the query string only; the filtering is ``selectors.supervision_list``."""

    # Chosen with the page's red / yellow tabs; kept when the other filters change.
    light = forms.CharField(required=False, widget=forms.HiddenInput)
    q = forms.CharField(label=_("搜索"), required=False)
    lead_unit = forms.ChoiceField(label=_("主办单位"), required=False)
    category = forms.ChoiceField(label=_("分类"), required=False)
    region = forms.ChoiceField(label=_("区域"), required=False)
    urgency = forms.ChoiceField(
        label=_("紧急程度"), required=False, choices=[("", ANY), *Urgency.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_unit"].choices = unit_choices(blank=ANY)
        self.fields["category"].choices = category_choices(blank=ANY)
        self.fields["region"].choices = region_choices(blank=ANY)


class DispatchForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("诉求分类"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
        error_messages={"invalid_choice": _("分类无效")},
    )
    region = forms.ModelChoiceField(
        label=_("区域"),
        queryset=Region.objects.all(),
        required=False,
        error_messages={"invalid_choice": _("区域无效")},
    )
    urgency = forms.ChoiceField(
        label=_("紧急程度"),
        choices=Urgency.choices,
        error_messages={"required": _("请选择紧急程度")},
    )
    # Pre-filled with the ticket's type (the operator's, or the classifier's); a change is a
    # correction on the timeline.
    request_type = forms.ChoiceField(
        label=_("诉求类型"),
        required=False,
        choices=[("", "—"), *RequestType.choices],
        error_messages={"invalid_choice": _("诉求类型无效")},
    )
    lead_unit = forms.ModelChoiceField(
        label=_("主办单位"),
        queryset=Unit.objects.filter(is_active=True),
        error_messages={
            "required": _("请选择主办单位"),
            "invalid_choice": _("单位无效或已停用"),
        },
    )
    assist_units = forms.ModelMultipleChoiceField(
        label=_("协办单位"),
        queryset=Unit.objects.filter(is_active=True),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("可多选（按住 Ctrl 或长按）"),
        error_messages={"invalid_choice": _("单位无效或已停用")},
    )
    reason = forms.CharField(
        label=_("派单说明"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # The ticket's state when the page was opened: a dispatch by someone else meanwhile is a
    # conflict shown on the page, not silently overwritten.
    version = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(blank=format_lazy("— {} —", _("未分类")))
        self.fields["region"].choices = region_choices(blank=format_lazy("— {} —", _("未知")))
        self.fields["lead_unit"].choices = unit_choices(blank=format_lazy("— {} —", _("请选择")))
        self.fields["assist_units"].choices = unit_choices(blank=None)


def dispatch_initial(ticket: Ticket) -> dict:
    """Pre-fill: a re-dispatch starts from the current choice, a first dispatch from the
    classifier's suggestion."""
    suggestion = ticket.suggestion or {}
    active = list(ticket.assignments.filter(active=True))
    if active:
        lead = next((a.unit_id for a in active if a.role == "lead"), None)
        assists = [a.unit_id for a in active if a.role == "assist"]
        return {
            "version": ticket.version,
            "category": ticket.category_id,
            "region": ticket.region_id,
            "urgency": ticket.urgency,
            "request_type": ticket.request_type,
            "lead_unit": lead,
            "assist_units": assists,
        }
    urgency = suggestion.get("urgency") or ticket.urgency
    if suggestion.get("urgency_given"):
        urgency = ticket.urgency
    lead_unit = suggestion.get("lead_unit_id")
    returned_by = suggestion.get("returned_by")
    if returned_by and Unit.objects.filter(pk=lead_unit, name=returned_by).exists():
        # The unit that just returned it (return approved) is not a sensible default.
        lead_unit = None
    return {
        "version": ticket.version,
        "category": ticket.category_id or suggestion.get("category_id"),
        "region": ticket.region_id or suggestion.get("region_id"),
        "urgency": urgency,
        "request_type": ticket.request_type or suggestion.get("request_type", ""),
        "lead_unit": lead_unit,
        "assist_units": suggestion.get("assist_unit_ids") or [],
    }
