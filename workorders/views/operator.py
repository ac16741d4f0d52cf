"""The operator's desk: phone intake into the same intake service as the web form, and the recent
tickets not yet dispatched, which an operator may answer directly, merge or mark invalid."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from hotline.lib.errors import DomainError
from workorders import selectors, services
from workorders.forms import PhoneIntakeForm, apply_domain_error
from workorders.models import Channel, InvalidReason, Role, Status
from workorders.views.citizen import intake_arguments
from workorders.views.common import paginate, role_required

RECENT = {"status": [Status.REGISTERED, Status.TRIAGE]}


def _page(request: HttpRequest, form: PhoneIntakeForm, *, error=None, status=200) -> HttpResponse:
    recent = selectors.ticket_list(user=request.user, filters=RECENT)
    context = {
        "form": form,
        "error": error,
        "page": paginate(request, recent),
        "invalid_reasons": InvalidReason.choices,
    }
    return render(request, "workorders/operator.html", context, status=status)


@role_required(Role.OPERATOR, Role.DISPATCHER)
def workspace(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, PhoneIntakeForm())
    form = PhoneIntakeForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        ticket = services.ticket_register(
            channel=Channel.PHONE,
            actor=request.user,
            request_type=form.cleaned_data["request_type"],
            urgency=form.cleaned_data["urgency"],
            **intake_arguments(request, form),
        )
    except DomainError as error:
        apply_domain_error(form, error)
        return _page(request, form, error=error, status=error.http_status)
    messages.success(
        request,
        _("已受理，工单编号 %(number)s，查询码 %(query_code)s，请告知来电人")
        % {"number": ticket.number, "query_code": ticket.query_code},
    )
    return redirect("ticket_detail", pk=ticket.pk)
