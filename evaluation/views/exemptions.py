"""免考核 pages: a unit asks (from its figures or a ticket), a dispatcher decides, and the list
keeps every request with its reason and decision."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from evaluation import selectors, services
from evaluation.forms import ExemptionDecisionForm, ExemptionForm
from evaluation.selectors import EXEMPTION_READERS
from hotline.lib.errors import DomainError, InvalidInput
from workorders.access import role_of
from workorders.forms import apply_domain_error
from workorders.models import RequestStatus, Role
from workorders.views.common import render_error, role_required, safe_next

STATUS_TABS = [("", gettext_lazy("全部"))] + list(RequestStatus.choices)


def _list(request: HttpRequest, *, failed: dict | None = None, error=None, status=200):
    role = role_of(request.user)
    default = RequestStatus.PENDING if role in (Role.DISPATCHER, Role.ADMIN) else ""
    wanted = request.GET.get("status", default)
    queryset = selectors.exemption_list(user=request.user, status=wanted)
    page = Paginator(queryset, 25).get_page(request.GET.get("page"))
    failed = failed or {}
    for exemption in page:
        exemption.form = failed.get(exemption.pk) or ExemptionDecisionForm(
            prefix=f"e{exemption.pk}"
        )
    context = {
        "page": page,
        "status": wanted,
        "tabs": STATUS_TABS,
        "can_decide": role in (Role.DISPATCHER, Role.ADMIN),
        "error": error,
    }
    return render(request, "evaluation/exemptions.html", context, status=status)


@role_required(*EXEMPTION_READERS)
def exemptions(request: HttpRequest) -> HttpResponse:
    try:
        return _list(request)
    except DomainError as error:
        return render_error(request, error)


@role_required(Role.UNIT_STAFF)
def exemption_new(request: HttpRequest, ticket_id: int) -> HttpResponse:
    try:
        ticket = selectors.unit_tickets_for_exemption(user=request.user, ticket_id=ticket_id)
    except DomainError as error:
        return render_error(request, error)
    form = ExemptionForm(request.POST or None)
    error, status = None, 200
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise InvalidInput(_("提交的内容有误，请检查后重试"))
            services.exemption_request(
                ticket_id=ticket.pk,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                explanation=form.cleaned_data["explanation"],
            )
        except DomainError as exc:
            if exc.fields:
                apply_domain_error(form, exc)
            error, status = exc, exc.http_status
        else:
            messages.success(
                request,
                _("%(number)s：免考核申请已提交，等待派单员审核") % {"number": ticket.number},
            )
            return redirect(safe_next(request, reverse("evaluation:exemptions")))
    context = {
        "ticket": ticket,
        "form": form,
        "error": error,
        "history": selectors.exemptions_of_ticket(ticket),
        "next": request.GET.get("next", ""),
    }
    return render(request, "evaluation/exemption_new.html", context, status=status)


@require_POST
@role_required(Role.DISPATCHER)
def exemption_decide(request: HttpRequest, pk: int) -> HttpResponse:
    form = ExemptionDecisionForm(request.POST, prefix=f"e{pk}")
    try:
        if not form.is_valid():
            raise InvalidInput(_("请选择通过或驳回"))
        exemption = services.exemption_decide(
            exemption_id=pk,
            actor=request.user,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
        )
    except DomainError as error:
        apply_domain_error(form, error)
        try:
            return _list(request, failed={pk: form}, error=error, status=error.http_status)
        except DomainError as other:
            return render_error(request, other)
    messages.success(
        request,
        _("%(number)s：免考核申请%(status)s")
        % {"number": exemption.ticket.number, "status": exemption.get_status_display()},
    )
    return redirect(safe_next(request, reverse("evaluation:exemptions")))
