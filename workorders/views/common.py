"""What every staff page shares: the role gate, error pages, the ticket detail and its actions.

Views are adapters (STYLE.md rule 6): parse a form, call one service, render. Every ticket is
fetched through ``access.ticket_get_for_user``; every rule about who may do what is the service's,
and ``available_actions`` only decides which forms are worth showing.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from hotline.lib.errors import DomainError, InvalidInput, NotFound
from workorders import selectors, services
from workorders.access import (
    require_role,
    role_of,
    ticket_get_for_user,
    unit_of,
)
from workorders.forms import (
    AcknowledgeForm,
    ContactForm,
    DecisionForm,
    EmptyForm,
    ExtensionForm,
    InvalidForm,
    MergeForm,
    NoteForm,
    PauseForm,
    ProgressForm,
    ReasonForm,
    ReplyForm,
    SupervisionForm,
    apply_domain_error,
)
from workorders.lights import DEADLINE_LABELS, ticket_supervisions
from workorders.models import (
    RESOLVE_RUNNING,
    Assignment,
    Light,
    PauseStatus,
    RequestStatus,
    Role,
    Status,
    Ticket,
    TicketPause,
)

STAFF_ROLES = tuple(role for role in Role.values if role != Role.CITIZEN)
PAGE_SIZE = 25
# Where each role starts: the home page and the navigation link to it.
WORKSPACES = {
    Role.CITIZEN: ("my_tickets", "我的诉求 (my requests)"),
    Role.OPERATOR: ("operator", "话务受理 (phone intake)"),
    Role.DISPATCHER: ("dispatch:triage", "待分拨 (triage queue)"),
    Role.UNIT_STAFF: ("unit", "承办工作台 (unit workbench)"),
    Role.FOLLOWUP_AGENT: ("evaluation:followup", "回访 (follow-up)"),
    Role.LEADER: ("overview", "总览 (overview)"),
    Role.ADMIN: ("dispatch:tickets", "全部工单 (all tickets)"),
}


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


# --- actions on a ticket ------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    form: type[forms.Form]
    # (ticket, actor, cleaned form data) → calls exactly one service.
    run: Callable[[Ticket, object, dict], object]
    done: str


def _decide(service):
    def run(ticket, actor, data):
        return service(
            ticket_id=ticket.pk,
            actor=actor,
            approve=data["decision"] == "approve",
            note=data["note"],
        )

    return run


ACTIONS: dict[str, Action] = {
    # unit staff
    "accept": Action(
        EmptyForm,
        lambda t, u, d: services.ticket_accept(ticket_id=t.pk, actor=u),
        "已签收 (Accepted)",
    ),
    "contact": Action(
        ContactForm,
        lambda t, u, d: services.ticket_contact(ticket_id=t.pk, actor=u, note=d["note"]),
        "已登记联系诉求人 (Contact recorded)",
    ),
    "progress": Action(
        ProgressForm,
        lambda t, u, d: services.ticket_add_progress(
            ticket_id=t.pk, actor=u, note=d["note"], public=d["public"]
        ),
        "已记录办理进展 (Progress recorded)",
    ),
    "request_return": Action(
        ReasonForm,
        lambda t, u, d: services.ticket_request_return(ticket_id=t.pk, actor=u, reason=d["reason"]),
        "已提交退单申请，等待派单员审核 (Return requested)",
    ),
    "request_extension": Action(
        ExtensionForm,
        lambda t, u, d: services.ticket_request_extension(
            ticket_id=t.pk, actor=u, reason=d["reason"], requested_due_at=d["requested_due_at"]
        ),
        "已提交延期申请，等待派单员审核 (Extension requested)",
    ),
    "resolve": Action(
        ReplyForm,
        lambda t, u, d: services.ticket_resolve(ticket_id=t.pk, actor=u, reply=d["reply"]),
        "已办结 (Resolved)",
    ),
    "request_pause": Action(
        PauseForm,
        lambda t, u, d: services.ticket_request_pause(ticket_id=t.pk, actor=u, reason=d["reason"]),
        "已提交暂停计时申请，等待派单员审核 (Pause requested)",
    ),
    "resume": Action(
        NoteForm,
        lambda t, u, d: services.ticket_resume(ticket_id=t.pk, actor=u, note=d["note"]),
        "已恢复计时，办结时限顺延 (Clock resumed)",
    ),
    "acknowledge_supervision": Action(
        AcknowledgeForm,
        lambda t, u, d: services.ticket_acknowledge_supervision(
            ticket_id=t.pk, actor=u, response=d["response"]
        ),
        "已回复督办 (Supervision acknowledged)",
    ),
    # operators and dispatchers, before dispatch
    "answer": Action(
        ReplyForm,
        lambda t, u, d: services.ticket_answer_directly(ticket_id=t.pk, actor=u, reply=d["reply"]),
        "已直接答复 (Answered directly)",
    ),
    "merge": Action(
        MergeForm,
        lambda t, u, d: services.ticket_merge(
            ticket_id=t.pk, actor=u, master_number=d["master_number"], reason=d["reason"]
        ),
        "已合并为重复工单 (Merged as a duplicate)",
    ),
    "invalid": Action(
        InvalidForm,
        lambda t, u, d: services.ticket_mark_invalid(
            ticket_id=t.pk, actor=u, reason_code=d["reason_code"], note=d["note"]
        ),
        "已标记为不予受理 (Marked invalid)",
    ),
    # dispatchers' decisions (posted to dispatch/ URLs)
    "decide_return": Action(
        DecisionForm, _decide(services.ticket_decide_return), "退单申请已处理 (Return decided)"
    ),
    "decide_extension": Action(
        DecisionForm,
        _decide(services.ticket_decide_extension),
        "延期申请已处理 (Extension decided)",
    ),
    "decide_pause": Action(
        DecisionForm, _decide(services.ticket_decide_pause), "暂停申请已处理 (Pause decided)"
    ),
    "supervise": Action(
        SupervisionForm,
        lambda t, u, d: services.ticket_supervise(ticket_id=t.pk, actor=u, note=d["note"]),
        "已督办，承办单位将收到通知 (Supervision sent to the unit)",
    ),
    # follow-up (posted to follow-up/ URLs)
    "start_follow_up": Action(
        EmptyForm,
        lambda t, u, d: services.ticket_start_follow_up(ticket_id=t.pk, actor=u),
        "已开始回访 (Follow-up started)",
    ),
    "close": Action(
        NoteForm,
        lambda t, u, d: services.ticket_close(ticket_id=t.pk, actor=u, note=d["note"]),
        "已归档 (Closed)",
    ),
    "reopen": Action(
        ReasonForm,
        lambda t, u, d: services.ticket_reopen(ticket_id=t.pk, actor=u, reason=d["reason"]),
        "已重办，工单退回原主办单位 (Reopened)",
    ),
}


def _own_assignment(ticket: Ticket, user) -> Assignment | None:
    unit = unit_of(user)
    if unit is None:
        return None
    return ticket.assignments.filter(active=True, unit=unit).first()


def available_actions(
    *,
    user,
    ticket: Ticket,
    own: Assignment | None,
    open_pause: TicketPause | None = None,
    unanswered: int = 0,
    light: int = Light.NONE,
) -> list[str]:
    """The action forms worth showing to this user now. The services still decide.

    ``open_pause``: the ticket's pending or running pause; ``unanswered``: 督办 notices to the
    user's unit still waiting for its answer; ``light``: the ticket's light now. 督办 is offered
    on yellow and red tickets, what it is for (the service would take any ticket with a unit)."""
    role, status = role_of(user), ticket.status
    names: list[str] = []
    working = (Status.ACCEPTED, Status.IN_PROGRESS)
    if role == Role.UNIT_STAFF and own is not None:
        lead = own.role == Assignment.Role.LEAD
        can_accept = (
            status == Status.DISPATCHED if lead else status in (Status.DISPATCHED, *working)
        )
        if own.accepted_at is None and can_accept:
            names.append("accept")
        if own.accepted_at is not None and status in working:
            if own.contacted_at is None:
                names.append("contact")
            names.append("progress")
        window_ends = own.dispatched_at + timedelta(days=settings.RETURN_WINDOW_DAYS)
        if (
            lead
            and status in (Status.DISPATCHED, Status.ACCEPTED)
            and not ticket.reopen_count
            and timezone.now() <= window_ends
        ):
            names.append("request_return")
        if lead and status in working and not _pending(ticket.extension_requests):
            names.append("request_extension")
        if lead and status == Status.IN_PROGRESS:
            names.append("resolve")
            if open_pause is None:
                names.append("request_pause")
        if lead and _running(open_pause):
            names.append("resume")
    if role == Role.UNIT_STAFF and unanswered:
        names.append("acknowledge_supervision")
    if role == Role.UNIT_STAFF and own is not None and not ticket.confidential:
        names.append("reveal")
    if role in (Role.OPERATOR, Role.DISPATCHER, Role.ADMIN) and status in (
        Status.REGISTERED,
        Status.TRIAGE,
    ):
        names += ["answer", "merge", "invalid"]
    if role in (Role.DISPATCHER, Role.ADMIN):
        if status in (Status.REGISTERED, Status.TRIAGE, Status.DISPATCHED):
            names.append("dispatch")
        if status == Status.RETURN_REQUESTED:
            names.append("decide_return")
        if status in working and _pending(ticket.extension_requests):
            names.append("decide_extension")
        if open_pause is not None and open_pause.status == PauseStatus.PENDING:
            names.append("decide_pause")
        if _running(open_pause):
            names.append("resume")
    if (
        role in (Role.DISPATCHER, Role.LEADER, Role.ADMIN)
        and status in RESOLVE_RUNNING
        and light >= Light.YELLOW
    ):
        names.append("supervise")
    if role in (Role.FOLLOWUP_AGENT, Role.DISPATCHER, Role.ADMIN):
        if status == Status.RESOLVED:
            names.append("start_follow_up")
        if status == Status.FOLLOW_UP:
            names.append("close")
            if ticket.assignments.filter(active=True, role=Assignment.Role.LEAD).exists():
                names.append("reopen")
    return names


def _pending(requests):
    return requests.filter(status=RequestStatus.PENDING).select_related("unit").first()


def _running(pause: TicketPause | None) -> bool:
    return pause is not None and pause.status == PauseStatus.ACTIVE


DEADLINE_TITLES = {
    "accept": "签收时限 (accept by)",
    "contact": "联系时限 (contact by)",
    "resolve": "办结时限 (resolve by)",
}


def deadline_rows(ticket: Ticket, lead: Assignment | None) -> list[dict]:
    """签收 / 联系 / 办结 for the detail page: due and warning times, the light while the clock
    runs, and when it was met (on time or late) once it no longer does. One query for the
    lights, computed by the same SQL expressions as every list."""
    lights = (
        Ticket.objects.with_lights()
        .filter(pk=ticket.pk)
        .values("accept_light", "contact_light", "resolve_light")
        .first()
    ) or {}
    met = {
        "accept": lead.accepted_at if lead else None,
        "contact": lead.contacted_at if lead else None,
        "resolve": ticket.resolved_at,
    }
    rows = []
    for name, label in DEADLINE_LABELS.items():
        due = getattr(ticket, f"{name}_due_at")
        if due is None:
            continue
        light = lights.get(f"{name}_light") or Light.NONE
        done = met[name] if light == Light.NONE else None
        rows.append(
            {
                "name": name,
                "label": label,
                "title": DEADLINE_TITLES[name],
                "due": due,
                "warn": getattr(ticket, f"{name}_warn_at"),
                "light": light,
                "done": done,
                "late": bool(done and done > due),
            }
        )
    return rows


def ticket_detail_context(
    request: HttpRequest,
    ticket: Ticket,
    *,
    failed: dict[str, forms.Form] | None = None,
    error: DomainError | None = None,
    revealed: dict | None = None,
) -> dict:
    user = request.user
    own = _own_assignment(ticket, user)
    open_pause = (
        ticket.pauses.filter(status__in=[PauseStatus.PENDING, PauseStatus.ACTIVE])
        .select_related("unit", "requested_by__profile")
        .first()
    )
    supervisions = list(
        ticket_supervisions(ticket=ticket).select_related(
            "created_by__profile", "acknowledged_by__profile"
        )
    )
    unit = unit_of(user)
    unanswered = [
        notice
        for notice in supervisions
        if unit is not None and notice.unit_id == unit.pk and notice.acknowledged_at is None
    ]
    assignments = list(ticket.assignments.select_related("unit").order_by("-active", "role", "pk"))
    lead = next((a for a in assignments if a.active and a.role == Assignment.Role.LEAD), None)
    deadlines = deadline_rows(ticket, lead)
    light = max((row["light"] for row in deadlines), default=Light.NONE)
    actions = available_actions(
        user=user,
        ticket=ticket,
        own=own,
        open_pause=open_pause,
        unanswered=len(unanswered),
        light=light,
    )
    failed = failed or {}
    action_forms = {
        name: failed.get(name) or ACTIONS[name].form() for name in actions if name in ACTIONS
    }
    view = selectors.ticket_view(user=user, ticket=ticket)
    citizen = view.citizen
    if revealed:
        citizen = {"level": "full", **revealed}
    return {
        "ticket": ticket,
        "citizen": citizen,
        "revealed": bool(revealed),
        "show_query_code": view.show_query_code,
        "assignments": assignments,
        "deadlines": deadlines,
        "light": light,
        "open_pause": open_pause,
        "supervisions": supervisions,
        "unanswered": unanswered,
        "own_assignment": own,
        "attachments": view.attachments,
        "timeline": view.timeline,
        "actions": actions,
        "has_actions": any(name != "reveal" for name in actions),
        "forms": action_forms,
        "error": error,
        "pending_return": _pending(ticket.return_requests),
        "pending_extension": _pending(ticket.extension_requests),
        "return_window_ends": (
            own.dispatched_at + timedelta(days=settings.RETURN_WINDOW_DAYS) if own else None
        ),
        "next": request.get_full_path() if request.method == "GET" else "",
    }


def render_ticket_detail(request: HttpRequest, ticket: Ticket, *, status: int = 200, **kwargs):
    context = ticket_detail_context(request, ticket, **kwargs)
    return render(request, "workorders/ticket_detail.html", context, status=status)


def run_ticket_action(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Parse the action's form, call its service; on a domain error show the ticket again with
    the message next to the form, with the error's status; nothing was changed."""
    action = ACTIONS[name]
    try:
        ticket = ticket_get_for_user(user=request.user, pk=pk)
    except DomainError as error:
        return render_error(request, error)
    form = action.form(request.POST)
    if not form.is_valid():
        error = InvalidInput("提交的内容有误，请检查后重试 (please correct the errors)")
        return render_ticket_detail(request, ticket, failed={name: form}, error=error, status=400)
    try:
        action.run(ticket, request.user, form.cleaned_data)
    except DomainError as error:
        apply_domain_error(form, error)
        ticket.refresh_from_db()
        return render_ticket_detail(
            request, ticket, failed={name: form}, error=error, status=error.http_status
        )
    messages.success(request, f"{ticket.number}：{action.done}")
    return redirect(safe_next(request, reverse("ticket_detail", args=[ticket.pk])))


# --- pages --------------------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    role = role_of(request.user)
    workspace = WORKSPACES.get(role)
    return render(
        request,
        "workorders/home.html",
        {
            "workspace_url": reverse(workspace[0]) if workspace else "",
            "workspace_label": workspace[1] if workspace else "",
        },
    )


@role_required(*STAFF_ROLES)
def ticket_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        ticket = ticket_get_for_user(user=request.user, pk=pk)
    except DomainError as error:
        return render_error(request, error)
    return render_ticket_detail(request, ticket)


@require_POST
@role_required(*STAFF_ROLES)
def ticket_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    return run_ticket_action(request, pk, action)


@require_POST
@role_required(Role.UNIT_STAFF)
def reveal_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the full contact once, on this response only; the service logs that it was shown."""
    try:
        ticket = ticket_get_for_user(user=request.user, pk=pk)
    except DomainError as error:
        return render_error(request, error)
    try:
        revealed = services.ticket_reveal_contact(ticket_id=ticket.pk, actor=request.user)
    except DomainError as error:
        return render_ticket_detail(request, ticket, error=error, status=error.http_status)
    return render_ticket_detail(request, ticket, revealed=revealed)


def _ticket_for_attachment(request: HttpRequest, pk: int) -> Ticket:
    if request.user.is_authenticated and role_of(request.user):
        return ticket_get_for_user(user=request.user, pk=pk)
    # A citizen without an account sees the photos of the ticket they are tracking.
    tracking = request.session.get("tracking") or {}
    ticket = services.ticket_get_public(
        number=tracking.get("number", ""), query_code=tracking.get("query_code", "")
    )
    if ticket.pk != pk:
        raise NotFound("附件不存在或无权查看 (attachment not found)")
    return ticket


def attachment(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """Attachments are never public media: each request is checked like the ticket itself."""
    try:
        ticket = _ticket_for_attachment(request, pk)
    except DomainError as error:
        return render_error(request, error)
    item = ticket.attachments.filter(token=token).first()
    if item is None:
        return render_error(request, NotFound("附件不存在 (attachment not found)"))
    try:
        stream = item.file.open("rb")
    except OSError:
        # The row outlived its file (a restore without media): say so, do not crash.
        return render_error(request, NotFound("附件文件已丢失 (the file is missing)"))
    response = FileResponse(stream, content_type=item.content_type)
    response["Content-Disposition"] = f'inline; filename="{item.token}.{item.extension}"'
    response["Cache-Control"] = "private, max-age=3600"
    return response
