"""The operator's desk: phone intake into the same intake service as the web form (answered on
the line at once when the operator writes the answer), what other apps show beside the form
(``registry.page_panels``), and the recent tickets not yet dispatched, which an operator may
answer directly, merge or mark invalid."""

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from hotline.lib.errors import DomainError
from workorders import registry, selectors, services
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
        "page_panels": registry.page_panels("operator_desk", request),
    }
    return render(request, "workorders/operator.html", context, status=status)


@role_required(Role.OPERATOR, Role.DISPATCHER)
def workspace(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, PhoneIntakeForm())
    form = PhoneIntakeForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    reply = form.cleaned_data["reply"].strip()
    repeat_of = form.cleaned_data["repeat_of"]
    try:
        # Registered and answered, or neither: a failed answer leaves no half-done ticket.
        with transaction.atomic():
            ticket = services.ticket_register(
                channel=Channel.PHONE,
                actor=request.user,
                request_type=form.cleaned_data["request_type"],
                urgency=form.cleaned_data["urgency"],
                **intake_arguments(request, form),
            )
            # A resubmitted form returns the first ticket, already handled: not again.
            fresh = ticket.status in (Status.REGISTERED, Status.TRIAGE)
            if repeat_of and fresh:
                # The regulation's "repeated request without new facts": recorded, not dispatched.
                registry.run_action_service(
                    registry.ticket_action("invalid"),
                    ticket_id=ticket.pk,
                    actor=request.user,
                    data={
                        "reason_code": InvalidReason.REPEAT_NO_NEW_FACTS,
                        "note": _("重复来电，原工单 %(number)s") % {"number": repeat_of},
                    },
                    raw=request.POST,
                )
            elif reply and fresh:
                registry.run_action_service(
                    registry.ticket_action("answer"),
                    ticket_id=ticket.pk,
                    actor=request.user,
                    data={"reply": reply},
                    raw=request.POST,
                )
    except DomainError as error:
        apply_domain_error(form, error)
        return _page(request, form, error=error, status=error.http_status)
    if repeat_of:
        messages.success(
            request,
            _("已登记为重复来电（不予受理），工单编号 %(number)s；原工单 %(master)s")
            % {"number": ticket.number, "master": repeat_of},
        )
        return redirect("ticket_detail", pk=ticket.pk)
    done = (
        _("已受理并直接答复，工单编号 %(number)s，查询码 %(query_code)s，请告知来电人")
        if reply
        else _("已受理，工单编号 %(number)s，查询码 %(query_code)s，请告知来电人")
    )
    messages.success(request, done % {"number": ticket.number, "query_code": ticket.query_code})
    return redirect("ticket_detail", pk=ticket.pk)
