"""The entry form of the staff pages; it only parses: the rules are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from knowledge.models import Visibility
from workorders.models import Category, Unit


class EntryForm(forms.Form):
    title = forms.CharField(label=_("标题"), required=False, max_length=200)
    body = forms.CharField(
        label=_("答复内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("纯文本，空行分段"),
    )
    keywords = forms.CharField(
        label=_("关键词与同义词"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("每行或逗号分隔一个；同义词用等号连接，如 暖气=供暖=采暖"),
    )
    category = forms.ModelChoiceField(
        label=_("分类"), required=False, queryset=Category.objects.order_by("level", "name")
    )
    visibility = forms.ChoiceField(label=_("可见范围"), choices=Visibility.choices)
    valid_from = forms.DateField(
        label=_("生效日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("失效日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    review_on = forms.DateField(
        label=_("复核日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    unit = forms.ModelChoiceField(
        label=_("责任单位"),
        required=False,
        queryset=Unit.objects.order_by("name"),
        help_text=_("留空即热线中心"),
    )

    def __init__(self, *args, admin: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not admin:
            del self.fields["unit"]  # a unit's staff keep their entries in their unit


class SearchForm(forms.Form):
    q = forms.CharField(label=_("输入您的问题"), required=False, max_length=2000)
