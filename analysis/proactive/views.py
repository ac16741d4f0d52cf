"""Pages of proactive work: the new-order form (from a hotspot or cluster: ?tickets=…) and the
list. Adapters over analysis.proactive.services / selectors."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analysis.proactive import selectors, services
from hotline.lib.errors import DomainError
from workorders.access import role_of, tickets_visible_to
from workorders.forms import apply_domain_error
from workorders.models import Category, Channel, Region, Role, Unit, Urgency
from workorders.views.common import render_error, role_required


def _choices(queryset, label=str) -> list[tuple]:
    return [("", "—")] + [(item.pk, label(item)) for item in queryset]


class ProactiveForm(forms.Form):
    tickets = forms.CharField(
        label=gettext_lazy("来源工单编号"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("多个编号用逗号分隔"),
        required=False,
    )
    title = forms.CharField(label=gettext_lazy("标题"), max_length=100, required=False)
    content = forms.CharField(
        label=gettext_lazy("工作内容"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    address = forms.CharField(label=gettext_lazy("地址"), max_length=200, required=False)
    category = forms.ChoiceField(label=gettext_lazy("诉求分类"), required=False)
    region = forms.ChoiceField(label=gettext_lazy("区域"), required=False)
    unit = forms.ChoiceField(label=gettext_lazy("主办单位"), required=False)
    assist_units = forms.MultipleChoiceField(
        label=gettext_lazy("协办单位"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    urgency = forms.ChoiceField(
        label=gettext_lazy("紧急程度"), choices=Urgency.choices, initial=Urgency.NORMAL
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        categories = Category.objects.filter(is_active=True).select_related("parent__parent")
        self.fields["category"].choices = _choices(
            sorted(categories, key=lambda c: c.full_name), lambda c: c.full_name
        )
        regions = Region.objects.filter(level__gt=0).select_related("parent__parent")
        self.fields["region"].choices = _choices(
            sorted(regions, key=lambda r: r.full_name), lambda r: r.full_name
        )
        units = Unit.objects.filter(is_active=True).order_by("kind", "name")
        self.fields["unit"].choices = _choices(units)
        self.fields["assist_units"].choices = [(u.pk, u.name) for u in units]


@role_required(*services.PROACTIVE_CREATORS)
def proactive_new(request: HttpRequest) -> HttpResponse:
    numbers = services.parse_numbers(request.GET.get("tickets", ""))
    error, status = None, 200
    if request.method == "POST":
        form = ProactiveForm(request.POST)
        # The form renders; the service checks everything and reports per field.
        post = request.POST
        data = {
            name: post.get(name, "")
            for name in ("tickets", "title", "content", "address", "category", "region", "unit")
        }
        data.update(assist_units=post.getlist("assist_units"), urgency=post.get("urgency", ""))
        try:
            ticket = services.proactive_create(actor=request.user, **data)
        except DomainError as exc:
            apply_domain_error(form, exc)
            error, status = exc, exc.http_status
            numbers = services.parse_numbers(request.POST.get("tickets", ""))
        else:
            messages.success(
                request,
                _("主动治理工单 %(number)s 已创建并派给%(unit)s")
                % {"number": ticket.number, "unit": ticket.lead_assignment.unit.name},
            )
            return redirect("ticket_detail", ticket.pk)
    else:
        initial = services.prefill(actor=request.user, numbers=numbers)
        form = ProactiveForm(
            initial={
                "tickets": ",".join(t.number for t in initial["sources"]) or ",".join(numbers),
                **{k: v for k, v in initial.items() if k != "sources" and v},
            }
        )
    sources = list(
        tickets_visible_to(request.user)
        .filter(number__in=numbers)
        .select_related("category", "region")
    )
    # A proactive order cannot be a source (the service refuses it; the prefill leaves it out):
    # list it apart so the count above the form matches the numbers in it.
    skipped = [t.number for t in sources if t.channel == Channel.PROACTIVE]
    sources = [t for t in sources if t.channel != Channel.PROACTIVE]
    context = {"form": form, "error": error, "sources": sources, "skipped": skipped}
    return render(request, "analysis/proactive_new.html", context, status=status)


STATUS_TABS = [
    ("", gettext_lazy("全部")),
    ("open", gettext_lazy("办理中")),
    ("done", gettext_lazy("已办结")),
]


@role_required(*services.PROACTIVE_READERS)
def proactive_list(request: HttpRequest) -> HttpResponse:
    wanted = request.GET.get("status", "")
    try:
        queryset = selectors.proactive_list(user=request.user, status=wanted)
    except DomainError as error:
        return render_error(request, error)
    page = Paginator(queryset, 25).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": wanted,
        "tabs": STATUS_TABS,
        "can_create": role_of(request.user) in (Role.DISPATCHER, Role.ADMIN),
    }
    return render(request, "analysis/proactive_list.html", context)
