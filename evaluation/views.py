"""The follow-up agent's console: resolved tickets to call back, and the three actions.

The actions are the workorders services; this app only decides what the agent's page shows.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from hotline.lib.errors import DomainError
from workorders import selectors
from workorders.access import citizen_view
from workorders.models import Role
from workorders.views.common import paginate, role_required, run_ticket_action

FOLLOW_UP_ROLES = (Role.FOLLOWUP_AGENT, Role.DISPATCHER)


@role_required(*FOLLOW_UP_ROLES)
def followup(request: HttpRequest) -> HttpResponse:
    error, status = None, 200
    try:
        tickets = selectors.followup_queue(user=request.user, filters=request.GET)
    except DomainError as exc:
        error, status = exc, exc.http_status
        tickets = selectors.followup_queue(user=request.user)
    page = paginate(request, tickets)
    for ticket in page:
        # The agent calls the citizen: the page shows the number the access rules allow.
        ticket.citizen = citizen_view(request.user, ticket)
    context = {"page": page, "error": error}
    return render(request, "evaluation/followup.html", context, status=status)


@require_POST
@role_required(*FOLLOW_UP_ROLES)
def start(request: HttpRequest, pk: int) -> HttpResponse:
    return run_ticket_action(request, pk, "start_follow_up")


@require_POST
@role_required(*FOLLOW_UP_ROLES)
def close(request: HttpRequest, pk: int) -> HttpResponse:
    return run_ticket_action(request, pk, "close")


@require_POST
@role_required(*FOLLOW_UP_ROLES)
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    return run_ticket_action(request, pk, "reopen")
