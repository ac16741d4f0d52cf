"""The inbox page (消息中心): the notices a unit's staff or a dispatcher must act on, unread
first to the eye, newest first in order; read one, or all."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from hotline.lib.errors import DomainError
from workorders.inbox_selectors import (
    inbox_items_for,
    inbox_unread_count,
    item_link,
    kind_label,
    read_at,
)
from workorders.models import Role
from workorders.services.inbox import inbox_mark_all_read, inbox_mark_read
from workorders.views.common import paginate, render_error, role_required

INBOX_ROLES = (Role.UNIT_STAFF, Role.DISPATCHER)


@role_required(*INBOX_ROLES)
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    page = paginate(request, inbox_items_for(user=request.user, unread=unread_only))
    rows = [
        {
            "item": item,
            "title": item.title or kind_label(item),
            "link": item_link(item),
            "read_at": read_at(item),
        }
        for item in page.object_list
    ]
    context = {
        "page": page,
        "rows": rows,
        "unread_only": unread_only,
        "unread": inbox_unread_count(user=request.user),
    }
    return render(request, "workorders/inbox.html", context)


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@require_POST
@role_required(*INBOX_ROLES)
def read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notice read, then go on (to its ticket when "查看" was pressed)."""
    try:
        inbox_mark_read(user=request.user, item_id=pk)
    except DomainError as error:
        return render_error(request, error)
    return redirect(_next(request, "inbox"))


@require_POST
@role_required(*INBOX_ROLES)
def read_all(request: HttpRequest) -> HttpResponse:
    inbox_mark_all_read(user=request.user)
    return redirect(_next(request, "inbox"))
