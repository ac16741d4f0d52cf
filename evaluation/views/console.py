"""The follow-up agent's console: calls due, "not solved" verdicts to decide, SMS answers awaited;
recording a call; and the ticket page's close / reopen, which complete the follow-up round.

Adapters only: parse the form, call one evaluation service, render.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evaluation import selectors, services
from evaluation.forms import CallForm, DecisionForm
from evaluation.selectors import CONSOLE_TABS, FOLLOW_UP_ROLES
from hotline.lib.errors import DomainError, InvalidInput
from workorders.access import citizen_view
from workorders.forms import apply_domain_error
from workorders.views.common import (
    render_error,
    role_required,
    safe_next,
)

PAGE_SIZE = 20


def _console(
    request: HttpRequest, *, failed: dict | None = None, error=None, status=200, focus=None
):
    """The console; ``focus``: the follow-up whose form failed, shown again on the tab and page
    it is on, its row open with the agent's answers and the errors (not on page 1 of "due")."""
    tab = request.GET.get("tab") or "due"
    number = request.GET.get("page")
    place = focus and selectors.console_place(
        user=request.user, follow_up=focus, page_size=PAGE_SIZE
    )
    if place:
        tab, number = place
    if tab not in CONSOLE_TABS:
        tab = "due"
    queryset = selectors.follow_up_queue(user=request.user, tab=tab)
    page = Paginator(queryset, PAGE_SIZE).get_page(number)
    failed = failed or {}
    for follow_up in page:
        follow_up.citizen = citizen_view(request.user, follow_up.ticket)
        follow_up.call_form = failed.get(("call", follow_up.pk)) or CallForm(
            prefix=f"f{follow_up.pk}", initial={"decision": "reopen"}
        )
        follow_up.decision_form = failed.get(("decide", follow_up.pk)) or DecisionForm(
            prefix=f"d{follow_up.pk}"
        )
    context = {
        "tab": tab,
        "tabs": [
            (name, label, count)
            for (name, label), count in zip(
                CONSOLE_TABS.items(),
                selectors.console_counts(user=request.user).values(),
                strict=True,
            )
        ],
        "page": page,
        "error": error,
        # Where the rows' forms come back to: this tab and page (also after a failed post,
        # whose own URL is the form's action).
        "here": f"{reverse('evaluation:follow_up')}?tab={tab}&page={page.number}",
        "focus": focus.pk if focus else None,
    }
    return render(request, "evaluation/follow_up.html", context, status=status)


@role_required(*FOLLOW_UP_ROLES)
def follow_up(request: HttpRequest) -> HttpResponse:
    return _console(request)


def _back(request: HttpRequest) -> str:
    return safe_next(request, reverse("evaluation:follow_up"))


@require_POST
@role_required(*FOLLOW_UP_ROLES)
def record_call(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        follow_up = selectors.follow_up_get(user=request.user, pk=pk)
    except DomainError as error:
        return render_error(request, error)
    form = CallForm(request.POST, prefix=f"f{pk}")
    if not form.is_valid():
        error = InvalidInput(_("提交的内容有误，请检查后重试"))
        return _console(
            request, failed={("call", pk): form}, error=error, status=400, focus=follow_up
        )
    data = form.cleaned_data
    try:
        follow_up = services.follow_up_record_call(
            follow_up_id=follow_up.pk,
            actor=request.user,
            outcome=data["outcome"],
            contacted=data["contacted"] or None,
            solved=data["solved"] or None,
            satisfaction=data["satisfaction"],
            comment=data["comment"],
            note=data["note"],
            decision=data["decision"],
            reason=data["reason"],
        )
    except DomainError as error:
        apply_domain_error(form, error)
        return _console(
            request,
            failed={("call", pk): form},
            error=error,
            status=error.http_status,
            focus=follow_up,
        )
    messages.success(
        request,
        _("%(number)s：已记录回访电话（%(result)s）")
        % {"number": follow_up.ticket.number, "result": follow_up.get_result_display()},
    )
    return redirect(_back(request))


@require_POST
@role_required(*FOLLOW_UP_ROLES)
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        follow_up = selectors.follow_up_get(user=request.user, pk=pk)
    except DomainError as error:
        return render_error(request, error)
    form = DecisionForm(request.POST, prefix=f"d{pk}")
    try:
        if not form.is_valid():
            raise InvalidInput(_("请选择重办或归档"))
        services.follow_up_decide(
            follow_up_id=follow_up.pk,
            actor=request.user,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as error:
        apply_domain_error(form, error)
        return _console(
            request,
            failed={("decide", pk): form},
            error=error,
            status=error.http_status,
            focus=follow_up,
        )
    done = _("已重办") if form.cleaned_data["decision"] == "reopen" else _("已归档")
    messages.success(request, f"{follow_up.ticket.number}：{done}")
    return redirect(_back(request))
