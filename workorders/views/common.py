"""What every staff page shares: the role gate, error pages, the ticket page and its actions.

Views are adapters (STYLE.md rule 6): parse a form, call one service, render. Every ticket is
fetched through ``access.ticket_get_for_user``. Every action on a ticket, whichever app declared
it (``workorders.registry``), is posted to ``/tickets/<pk>/<action>/`` and run by
``run_ticket_action``; every rule about who may do what is the service's, and an action's
``roles``/``statuses``/``when`` only decide which forms are worth showing.
"""

from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hotline.lib.errors import DomainError, InvalidInput, NotFound
from workorders import registry, services
from workorders.access import (
    TicketStub,
    require_role,
    role_of,
    ticket_get_for_user,
    ticket_or_stub_for_user,
)
from workorders.attachments import attachment_response
from workorders.forms import apply_domain_error
from workorders.models import Role, Ticket
from workorders.ticket_page import page_context, parse_action_input, ticket_state

STAFF_ROLES = tuple(role for role in Role.values if role != Role.CITIZEN)
PAGE_SIZE = 25


# --- gates and errors ---------------------------------------------------------------------------


def render_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    """A whole-page error: 403 / 404 pages for those, a generic page for the rest."""
    status = error.http_status
    template = f"{status}.html" if status in (403, 404) else "400.html"
    return render(request, template, {"message": error.message}, status=status)


def role_required(*roles: str):
    """Signed in (else to the login page) and one of ``roles`` (else the 403 page)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            try:
                require_role(request.user, *roles)
            except DomainError as error:
                return render_error(request, error)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def paginate(request: HttpRequest, queryset, per_page: int = PAGE_SIZE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


# --- the ticket page and its actions ------------------------------------------------------------


def render_ticket_detail(
    request: HttpRequest,
    ticket: Ticket,
    *,
    status: int = 200,
    failed: dict[str, forms.Form] | None = None,
    error: DomainError | None = None,
    extra: dict | None = None,
    previews: dict | None = None,
) -> HttpResponse:
    """The page from what the apps registered; ``failed``: an action's form shown again with
    its errors (or, with ``previews``, for its confirmation step); ``extra``: what an action's
    result adds for this response only."""
    state = ticket_state(user=request.user, ticket=ticket)
    state.extra = extra or {}
    context = {
        **page_context(state, failed=failed, previews=previews),
        "error": error,
        "next": request.get_full_path() if request.method == "GET" else "",
    }
    return render(request, "workorders/ticket_detail.html", context, status=status)


def run_ticket_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Parse the action's input from the form, call its service; on a domain error show the
    ticket again with the message next to the form, with the error's status; nothing changed."""
    action = registry.ticket_action(name)
    if action is None or not action.on_page:
        return render_error(request, NotFound(_("没有这个操作")))
    try:
        ticket = ticket_get_for_user(user=request.user, pk=pk)
    except DomainError as error:
        return render_error(request, error)
    data, form = parse_action_input(action, request.POST, request.FILES)
    if data is None:
        error = InvalidInput(_("提交的内容有误，请检查后重试"))
        return render_ticket_detail(request, ticket, failed={name: form}, error=error, status=400)
    try:
        if action.preview is not None and request.POST.get("confirmed") != "1":
            # First the confirmation step: nothing changes until the person has seen it.
            preview = action.preview(ticket_id=ticket.pk, actor=request.user, **data)
            return render_ticket_detail(
                request, ticket, failed={name: form}, previews={name: preview}
            )
        result = registry.run_action_service(
            action, ticket_id=ticket.pk, actor=request.user, data=data, raw=request.POST
        )
    except DomainError as error:
        apply_domain_error(form, error)
        ticket.refresh_from_db()
        return render_ticket_detail(
            request, ticket, failed={name: form}, error=error, status=error.http_status
        )
    if not action.in_panel:
        # Shown once, on this response only (the revealed contact): no redirect.
        ticket.refresh_from_db()
        return render_ticket_detail(request, ticket, extra={name: result})
    messages.success(request, f"{ticket.number}：{action.done}")
    return redirect(safe_next(request, reverse("ticket_detail", args=[ticket.pk])))


# --- pages --------------------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    workspace = registry.workspace_for(role_of(request.user))
    return render(
        request,
        "workorders/home.html",
        {
            "workspace_url": reverse(workspace.url_name) if workspace else "",
            "workspace_label": workspace.label if workspace else "",
        },
    )


@role_required(*STAFF_ROLES)
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        ticket = ticket_or_stub_for_user(user=request.user, pk=pk)
    except DomainError as error:
        return render_error(request, error)
    if isinstance(ticket, TicketStub):
        # The unit's part ended: the number, the title and when, nothing the next unit wrote.
        return render(request, "workorders/ticket_stub.html", {"stub": ticket})
    return render_ticket_detail(request, ticket)


@require_POST
@role_required(*STAFF_ROLES)
def ticket_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    return run_ticket_action(request, pk, action)


def _ticket_for_attachment(request: HttpRequest, pk: int) -> Ticket:
    if request.user.is_authenticated and role_of(request.user):
        return ticket_get_for_user(user=request.user, pk=pk)
    # A citizen without an account sees the photos of the ticket they are tracking.
    tracking = request.session.get("tracking") or {}
    ticket = services.ticket_get_public(
        number=tracking.get("number", ""), query_code=tracking.get("query_code", "")
    )
    if ticket.pk != pk:
        raise NotFound(_("附件不存在或无权查看"))
    return ticket


def attachment(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """Attachments are never public media: each request is checked like the ticket itself."""
    try:
        ticket = _ticket_for_attachment(request, pk)
        staff = role_of(request.user) not in (None, Role.CITIZEN)
        return attachment_response(ticket=ticket, token=token, staff=staff)
    except DomainError as error:
        return render_error(request, error)
