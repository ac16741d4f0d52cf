"""Pages of 每月一题: the list (this month's and past topics), the form, and the topic page with
its weekly volume, problems and progress. Adapters over analysis.topics.services / selectors."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from analysis.models import MonthlyTopic
from analysis.models.topics import ProblemStatus
from analysis.topics import selectors, services
from hotline.lib.errors import DomainError
from workorders.access import tickets_visible_to, unit_of
from workorders.forms import apply_domain_error
from workorders.models import Category, Region, Unit
from workorders.views.common import render_error, role_required

READERS = services.TOPIC_READERS
EDITORS = services.TOPIC_EDITORS


def _units():
    return Unit.objects.filter(is_active=True).order_by("kind", "name")


class TopicForm(forms.Form):
    month = forms.CharField(
        label=gettext_lazy("月份"), widget=forms.DateInput(attrs={"type": "month"})
    )
    title = forms.CharField(label=gettext_lazy("题目"), max_length=100)
    description = forms.CharField(
        label=gettext_lazy("说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("类别"), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    regions = forms.MultipleChoiceField(
        label=gettext_lazy("区域"), required=False, widget=forms.SelectMultiple(attrs={"size": 6})
    )
    keywords = forms.CharField(
        label=gettext_lazy("关键词"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=gettext_lazy(
            "每行一个。诉求属于本题目：符合类别或关键词之一，且在所选区域内（未选的条件不限）。"
        ),
    )
    lead_unit = forms.ChoiceField(label=gettext_lazy("牵头单位"))
    assist_units = forms.MultipleChoiceField(
        label=gettext_lazy("配合单位"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    goal = forms.CharField(label=gettext_lazy("目标"), widget=forms.Textarea(attrs={"rows": 3}))
    target_reduction = forms.CharField(
        label=gettext_lazy("诉求量下降目标（%）"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "max": 100}),
        help_text=gettext_lazy("可空；例如 30 表示每周诉求量比题目所在月之前下降 30%"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        categories = Category.objects.filter(is_active=True).select_related("parent__parent")
        self.fields["categories"].choices = sorted(
            ((c.pk, c.full_name) for c in categories), key=lambda item: item[1]
        )
        regions = Region.objects.filter(level__gt=0).select_related("parent__parent")
        self.fields["regions"].choices = sorted(
            ((r.pk, r.full_name) for r in regions), key=lambda item: item[1]
        )
        units = [(u.pk, u.name) for u in _units()]
        self.fields["lead_unit"].choices = [("", "—"), *units]
        self.fields["assist_units"].choices = units


def _topic_data(post) -> dict:
    data = {
        name: post.get(name, "")
        for name in ("month", "title", "description", "keywords", "lead_unit", "goal")
    }
    data["target_reduction"] = post.get("target_reduction", "")
    for name in ("categories", "regions", "assist_units"):
        data[name] = post.getlist(name)
    return data


def _initial(topic: MonthlyTopic) -> dict:
    return {
        "month": f"{topic.month:%Y-%m}",
        "title": topic.title,
        "description": topic.description,
        "categories": [c.pk for c in topic.categories.all()],
        "regions": [r.pk for r in topic.regions.all()],
        "keywords": topic.keywords,
        "lead_unit": topic.lead_unit_id,
        "assist_units": [u.pk for u in topic.assist_units.all()],
        "goal": topic.goal,
        "target_reduction": topic.target_reduction or "",
    }


@role_required(*READERS)
def topic_list(request: HttpRequest) -> HttpResponse:
    topics = list(selectors.topics_for_user(user=request.user).prefetch_related("problems"))
    this_month = timezone.localdate().replace(day=1)
    context = {
        "current": [t for t in topics if t.month == this_month],
        "upcoming": [t for t in topics if t.month > this_month],
        "past": [t for t in topics if t.month < this_month],
        "can_edit": services.can_edit(request.user),
    }
    return render(request, "analysis/topic_list.html", context)


def _form_page(request, *, topic: MonthlyTopic | None):
    error, status = None, 200
    if request.method == "POST":
        form = TopicForm(request.POST)
        try:
            data = _topic_data(request.POST)
            if topic is None:
                topic = services.topic_create(actor=request.user, **data)
            else:
                topic = services.topic_update(actor=request.user, topic_id=topic.pk, **data)
        except DomainError as exc:
            apply_domain_error(form, exc)
            error, status = exc, exc.http_status
        else:
            messages.success(request, _("已保存：%(title)s") % {"title": topic.title})
            return redirect("analysis:topic_detail", topic.pk)
    elif topic is None:
        form = TopicForm(initial={"month": f"{timezone.localdate():%Y-%m}"})
    else:
        form = TopicForm(initial=_initial(topic))
    context = {"form": form, "topic": topic, "error": error}
    return render(request, "analysis/topic_form.html", context, status=status)


@role_required(*EDITORS)
def topic_new(request: HttpRequest) -> HttpResponse:
    return _form_page(request, topic=None)


@role_required(*EDITORS)
def topic_edit(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        topic = services.topic_get_for_user(user=request.user, pk=pk)
    except DomainError as error:
        return render_error(request, error)
    return _form_page(request, topic=topic)


class ProblemForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("问题"), max_length=200)
    owner_unit = forms.ChoiceField(label=gettext_lazy("责任单位"))
    note = forms.CharField(label=gettext_lazy("说明"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].choices = [("", "—"), *((u.pk, u.name) for u in _units())]


class ProgressForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("状态"), choices=ProblemStatus.choices)
    note = forms.CharField(label=gettext_lazy("进展"), widget=forms.Textarea(attrs={"rows": 2}))


def _detail(
    request, topic: MonthlyTopic, *, problem_form=None, progress_errors=None, error=None, status=200
):
    weeks = request.GET.get("weeks", "")
    weeks = (
        int(weeks)
        if weeks.isdigit() and 1 <= int(weeks) <= selectors.MAX_WEEKS
        else (selectors.DEFAULT_WEEKS)
    )
    volume = selectors.topic_volume(topic=topic, weeks=weeks)
    unit = unit_of(request.user)
    editor = services.can_edit(request.user)
    problems = list(topic.problems.select_related("owner_unit").prefetch_related("notes__unit"))
    progress_errors = progress_errors or {}
    for problem in problems:
        problem.can_update = editor or (unit is not None and unit.pk == problem.owner_unit_id)
        problem.form = progress_errors.get(problem.pk) or ProgressForm(
            prefix=f"p{problem.pk}", initial={"status": problem.status}
        )
    tickets = (
        selectors.topic_tickets(topic)
        .filter(pk__in=tickets_visible_to(request.user).values("pk"))
        .select_related("category", "region")
        .order_by("-registered_at")[:20]
    )
    context = {
        "topic": topic,
        "volume": volume,
        "problems": problems,
        "tickets": tickets,
        "can_edit": editor,
        "can_add_problem": editor or (unit is not None and unit.pk == topic.lead_unit_id),
        "problem_form": problem_form or ProblemForm(),
        "error": error,
    }
    return render(request, "analysis/topic_detail.html", context, status=status)


@role_required(*READERS)
def topic_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        topic = services.topic_get_for_user(user=request.user, pk=pk)
    except DomainError as error:
        return render_error(request, error)
    return _detail(request, topic)


@require_POST
@role_required(*READERS)
def topic_problem_add(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        topic = services.topic_get_for_user(user=request.user, pk=pk)
    except DomainError as error:
        return render_error(request, error)
    form = ProblemForm(request.POST)
    try:
        services.problem_add(
            actor=request.user,
            topic_id=topic.pk,
            title=request.POST.get("title", ""),
            owner_unit=request.POST.get("owner_unit", ""),
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        apply_domain_error(form, exc)
        return _detail(request, topic, problem_form=form, error=exc, status=exc.http_status)
    messages.success(request, _("已添加问题"))
    return redirect("analysis:topic_detail", topic.pk)


@require_POST
@role_required(*READERS)
def topic_problem_update(request: HttpRequest, pk: int, problem_id: int) -> HttpResponse:
    try:
        topic = services.topic_get_for_user(user=request.user, pk=pk)
    except DomainError as error:
        return render_error(request, error)
    prefix = f"p{problem_id}"
    form = ProgressForm(request.POST, prefix=prefix)
    try:
        services.problem_update(
            actor=request.user,
            topic_id=topic.pk,
            problem_id=problem_id,
            status=request.POST.get(f"{prefix}-status", ""),
            note=request.POST.get(f"{prefix}-note", ""),
        )
    except DomainError as exc:
        if exc.http_status in (403, 404):
            return render_error(request, exc)
        apply_domain_error(form, exc)
        return _detail(
            request, topic, progress_errors={problem_id: form}, error=exc, status=exc.http_status
        )
    messages.success(request, _("已更新进展"))
    return redirect("analysis:topic_detail", topic.pk)
