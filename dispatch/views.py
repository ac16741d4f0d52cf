"""The dispatcher's pages: triage queue, the dispatch form, approvals, supervision (督办) of
red-light tickets, and all tickets."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from dispatch.forms import (
    AllTicketsFilterForm,
    DispatchForm,
    SupervisionFilterForm,
    TicketFilterForm,
    dispatch_initial,
)
from dispatch.services import classifier_description
from hotline.lib.errors import DomainError
from workorders import selectors, services
from workorders.access import CENTER_ROLES, ticket_get_for_user
from workorders.forms import apply_domain_error
from workorders.models import (
    RESOLVE_RUNNING,
    Category,
    EventKind,
    Light,
    Region,
    RequestType,
    Role,
    Ticket,
    Unit,
    Urgency,
)
from workorders.selectors import pending_pauses, red_counts_by_unit
from workorders.views.common import (
    paginate,
    render_error,
    role_required,
    safe_next,
)


def _ticket_list_page(
    request, *, select, form_class, template: str, extra: dict | None = None
) -> HttpResponse:
    error, status = None, 200
    now = timezone.now()
    try:
        tickets = select(user=request.user, filters=request.GET, now=now)
    except DomainError as exc:
        error, status = exc, exc.http_status
        tickets = Ticket.objects.none()
    context = {
        "filter_form": form_class(request.GET or None),
        "page": paginate(request, tickets),
        "error": error,
        "filtered": any(value for key, value in request.GET.items() if key != "page"),
        "now": now,
        **(extra or {}),
    }
    return render(request, template, context, status=status)


@role_required(Role.DISPATCHER)
def triage(request: HttpRequest) -> HttpResponse:
    # The queue's own lights are the dispatch deadline; the units' red tickets are elsewhere,
    # and the dispatcher starts here: say how many wait for 督办.
    red = Ticket.objects.filter(status__in=RESOLVE_RUNNING).overdue().count()
    return _ticket_list_page(
        request,
        select=selectors.triage_queue,
        form_class=TicketFilterForm,
        template="dispatch/triage.html",
        extra={"red_total": red},
    )


@role_required(*CENTER_ROLES)
def all_tickets(request: HttpRequest) -> HttpResponse:
    return _ticket_list_page(
        request,
        select=selectors.ticket_list,
        form_class=AllTicketsFilterForm,
        template="dispatch/tickets.html",
    )


def _request_type_label(value) -> str:
    return RequestType(value).label if value in RequestType.values else ""


def _suggestion_view(ticket) -> dict:
    """The classifier's suggestion with names instead of ids, for the dispatcher to judge."""
    suggestion = ticket.suggestion or {}
    ids = [suggestion.get("category_id")] + [pk for pk, _ in suggestion.get("alternatives", [])]
    categories = {c.pk: c for c in Category.objects.filter(pk__in=[i for i in ids if i])}
    unit_ids = [suggestion.get("lead_unit_id"), *(suggestion.get("assist_unit_ids") or [])]
    units = {u.pk: u for u in Unit.objects.filter(pk__in=[i for i in unit_ids if i])}
    region = Region.objects.filter(pk=suggestion.get("region_id") or 0).first()
    urgency = suggestion.get("urgency")
    return {
        "present": bool(suggestion.get("model")),
        "classifier": classifier_description(suggestion.get("model", "")),
        "category": categories.get(suggestion.get("category_id")),
        "category_confidence": suggestion.get("category_confidence"),
        "alternatives": [
            (categories[pk], confidence)
            for pk, confidence in suggestion.get("alternatives", [])
            if pk in categories
        ],
        "region": region,
        "region_confidence": suggestion.get("region_confidence"),
        "urgency": Urgency(urgency).label if urgency in Urgency.values else "",
        "urgency_confidence": suggestion.get("urgency_confidence"),
        "urgency_given": suggestion.get("urgency_given", False),
        "request_type": _request_type_label(suggestion.get("request_type")),
        "request_type_confidence": suggestion.get("request_type_confidence"),
        "lead_unit": units.get(suggestion.get("lead_unit_id")),
        "assist_units": [
            units[pk] for pk in suggestion.get("assist_unit_ids") or [] if pk in units
        ],
        "returned_by": suggestion.get("returned_by", ""),
    }


def _dispatch_page(request, ticket, form, *, error=None, status=200) -> HttpResponse:
    why = (
        ticket.events.filter(kind__in=[EventKind.TRIAGED, EventKind.RETURN_APPROVED])
        .order_by("-created_at", "-pk")
        .first()
    )
    view = selectors.ticket_view(user=request.user, ticket=ticket)
    context = {
        "ticket": ticket,
        "form": form,
        "error": error,
        "suggestion": _suggestion_view(ticket),
        "why_triage": why,
        "citizen": view.citizen,
        "attachments": view.attachments,
        "next": safe_next(request, reverse("dispatch:triage")),
    }
    return render(request, "dispatch/dispatch_ticket.html", context, status=status)


@role_required(Role.DISPATCHER)
def dispatch_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        ticket = ticket_get_for_user(user=request.user, pk=pk)
    except DomainError as error:
        return render_error(request, error)
    if request.method != "POST":
        return _dispatch_page(request, ticket, DispatchForm(initial=dispatch_initial(ticket)))
    form = DispatchForm(request.POST)
    if not form.is_valid():
        return _dispatch_page(request, ticket, form, status=400)
    data = form.cleaned_data
    try:
        services.ticket_dispatch(
            ticket_id=ticket.pk,
            actor=request.user,
            lead_unit=data["lead_unit"],
            assist_units=list(data["assist_units"]),
            category=data["category"],
            region=data["region"],
            urgency=data["urgency"],
            reason=data["reason"],
            version=data["version"],
            request_type=data["request_type"],
        )
    except DomainError as error:
        ticket.refresh_from_db()
        if "version" in error.fields:
            # Changed by someone else meanwhile: the page now shows (and sends) the current
            # state, so dispatching again is a decision taken knowing it.
            posted = request.POST.copy()
            posted["version"] = ticket.version
            form = DispatchForm(posted)
            form.is_valid()
        apply_domain_error(form, error)
        return _dispatch_page(request, ticket, form, error=error, status=error.http_status)
    messages.success(
        request,
        gettext("%(number)s：已派单至%(name)s")
        % {"number": ticket.number, "name": data["lead_unit"].name},
    )
    return redirect(safe_next(request, reverse("dispatch:triage")))


@role_required(Role.DISPATCHER)
def approvals(request: HttpRequest) -> HttpResponse:
    context = {
        "returns": selectors.pending_returns(user=request.user),
        "extensions": selectors.pending_extensions(user=request.user),
        "pauses": pending_pauses(user=request.user),
    }
    return render(request, "dispatch/approvals.html", context)


# --- supervision (督办) ---------------------------------------------------------------------------


@role_required(Role.DISPATCHER, Role.LEADER)
def supervision(request: HttpRequest) -> HttpResponse:
    """Red tickets, most overdue first, each with a 督办 form; red tickets per lead unit."""
    now = timezone.now()
    error, status = None, 200
    try:
        tickets = selectors.supervision_list(user=request.user, filters=request.GET, now=now)
    except DomainError as exc:
        error, status = exc, exc.http_status
        tickets = Ticket.objects.none()
    context = {
        "filter_form": SupervisionFilterForm(request.GET or None),
        "filtered": any(value for key, value in request.GET.items() if key != "page"),
        "page": paginate(request, tickets),
        "error": error,
        "now": now,
        "yellow": request.GET.get("light") == "yellow",
        "unit_counts": red_counts_by_unit(user=request.user, now=now),
        "RED": Light.RED,
    }
    return render(request, "dispatch/supervision.html", context, status=status)
