"""The citizen's pages: submit a request, follow it with number and query code, add information.

No account is needed. The query code is a secret: it travels in the session and in POST bodies,
never in a URL (URLs end up in browser history, proxies and logs).
"""

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.lib.attempts import client_address, tracking_limited
from hotline.lib.errors import DomainError
from workorders import registry, selectors, services
from workorders.access import role_of, ticket_get_for_user
from workorders.forms import IntakeForm, SupplementForm, TrackForm, apply_domain_error
from workorders.models import Channel, Role, Status, Ticket
from workorders.views.common import paginate, render_error, role_required

SUBMITTED = "submitted"
TRACKING = "tracking"
# Statuses in which the reply is final enough to show the citizen.
REPLIED = (Status.RESOLVED, Status.FOLLOW_UP, Status.CLOSED)


def uploads_from(files) -> list[services.Upload]:
    # Read one byte more than allowed, so an oversized file is reported as too large without
    # ever holding all of it in memory.
    limit = settings.ATTACHMENT_MAX_BYTES + 1
    return [services.Upload(name=file.name, data=file.read(limit)) for file in files]


def intake_arguments(request: HttpRequest, form: IntakeForm) -> dict:
    data = form.cleaned_data
    return {
        "client": client_address(request),
        "title": data["title"],
        "content": data["content"],
        "citizen_name": data["citizen_name"],
        "citizen_phone": data["citizen_phone"],
        "address": data["address"],
        "latitude": data["latitude"] or None,
        "longitude": data["longitude"] or None,
        "confidential": data["confidential"],
        "uploads": uploads_from(data["attachments"]),
        # Form tokens are drawn by the server and unguessable: one scope for all of them.
        "submission_key": f"form\n{token}" if (token := data["submission_token"]) else "",
    }


def _submit_page(request: HttpRequest, context: dict, status: int = 200) -> HttpResponse:
    context["page_panels"] = registry.page_panels("submit", request)
    return render(request, "workorders/submit.html", context, status=status)


def submit(request: HttpRequest) -> HttpResponse:
    is_citizen = role_of(request.user) == Role.CITIZEN
    if request.method != "POST":
        initial = {}
        if is_citizen:
            initial["citizen_name"] = request.user.profile.display_name
        return _submit_page(request, {"form": IntakeForm(initial=initial)})
    form = IntakeForm(request.POST, request.FILES)
    if not form.is_valid():
        return _submit_page(request, {"form": form}, status=400)
    try:
        ticket = services.ticket_register(
            channel=Channel.WEB,
            citizen_user=request.user if is_citizen else None,
            actor=request.user if is_citizen else None,
            **intake_arguments(request, form),
        )
    except DomainError as error:
        apply_domain_error(form, error)
        context = {"form": form, "error": error, "photos_dropped": bool(request.FILES)}
        return _submit_page(request, context, status=error.http_status)
    request.session[SUBMITTED] = {"number": ticket.number, "query_code": ticket.query_code}
    return redirect("submit_done")


def submit_done(request: HttpRequest) -> HttpResponse:
    submitted = request.session.get(SUBMITTED)
    if not submitted:
        return redirect("submit")
    return render(request, "workorders/submit_done.html", submitted)


def _tracked(request: HttpRequest) -> Ticket | None:
    tracking = request.session.get(TRACKING)
    if not tracking:
        return None
    try:
        return services.ticket_get_public(
            number=tracking["number"], query_code=tracking["query_code"]
        )
    except DomainError:
        request.session.pop(TRACKING, None)
        return None


def _track_page(request, *, form=None, supplement=None, error=None, status=200) -> HttpResponse:
    ticket = _tracked(request)
    # The tracking page is the citizen's, whoever opens it: the public view.
    view = selectors.ticket_view(user=None, ticket=ticket) if ticket else None
    master = ticket.merged_into if ticket and ticket.status == Status.MERGED else None
    context = {
        "form": form or TrackForm(initial={"number": request.GET.get("number", "")}),
        "supplement_form": supplement or SupplementForm(),
        "error": error,
        "ticket": ticket,
        "timeline": view.timeline if view else [],
        "attachments": view.attachments if view else [],
        "show_reply": bool(ticket and ticket.status in REPLIED and ticket.reply),
        "master": master,
        "show_master_reply": bool(master and master.status in REPLIED and master.reply),
        "can_supplement": bool(ticket and ticket.status not in (Status.CLOSED, Status.MERGED)),
    }
    return render(request, "workorders/track.html", context, status=status)


def track(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _track_page(request)
    form = TrackForm(request.POST)
    if not form.is_valid():
        return _track_page(request, form=form, status=400)
    try:
        with tracking_limited(request):
            ticket = services.ticket_get_public(
                number=form.cleaned_data["number"], query_code=form.cleaned_data["query_code"]
            )
    except DomainError as error:
        apply_domain_error(form, error)
        return _track_page(request, form=form, error=error, status=error.http_status)
    request.session[TRACKING] = {"number": ticket.number, "query_code": ticket.query_code}
    return redirect("track")


@require_POST
def track_supplement(request: HttpRequest) -> HttpResponse:
    tracking = request.session.get(TRACKING)
    if not tracking:
        return redirect("track")
    form = SupplementForm(request.POST)
    form.is_valid()
    try:
        services.ticket_supplement(
            number=tracking["number"],
            query_code=tracking["query_code"],
            text=form.cleaned_data.get("text", ""),
        )
    except DomainError as error:
        apply_domain_error(form, error)
        return _track_page(request, supplement=form, error=error, status=error.http_status)
    messages.success(request, _("补充信息已提交"))
    return redirect("track")


@require_POST
def track_forget(request: HttpRequest) -> HttpResponse:
    """Stop showing a tracked ticket on this device (a shared or public computer)."""
    request.session.pop(TRACKING, None)
    return redirect("track")


@role_required(Role.CITIZEN)
def my_tickets(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.ticket_list(user=request.user))
    return render(request, "workorders/my_tickets.html", {"page": page})


@role_required(Role.CITIZEN)
def my_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    """A signed-in citizen's own ticket opens on the tracking page, as for everyone else."""
    try:
        ticket = ticket_get_for_user(user=request.user, pk=pk)
    except DomainError as error:
        return render_error(request, error)
    request.session[TRACKING] = {"number": ticket.number, "query_code": ticket.query_code}
    return redirect("track")
