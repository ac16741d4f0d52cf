"""The dispatchers' menu entries and workspaces."""

from django.utils.translation import gettext_lazy as _

from workorders.models import Role
from workorders.registry import (
    NavEntry,
    Workspace,
    register_navigation,
    register_page,
    register_workspaces,
)

ENTRIES = (
    NavEntry("dispatch:triage", _("待分拨"), (Role.DISPATCHER, Role.ADMIN), order=50),
    NavEntry("dispatch:approvals", _("审核"), (Role.DISPATCHER, Role.ADMIN), order=60),
    NavEntry(
        "dispatch:supervision",
        _("督办"),
        (Role.DISPATCHER, Role.LEADER, Role.ADMIN),
        order=70,
    ),
    NavEntry(
        "dispatch:tickets",
        _("全部工单"),
        (Role.OPERATOR, Role.DISPATCHER, Role.FOLLOW_UP_AGENT, Role.LEADER, Role.ADMIN),
        order=800,
    ),
)

WORKSPACES = (
    Workspace(Role.DISPATCHER, "dispatch:triage", _("待分拨")),
    Workspace(Role.ADMIN, "dispatch:tickets", _("全部工单")),
)


def register() -> None:
    register_navigation(*ENTRIES)
    register_workspaces(*WORKSPACES)
    register_page("all_tickets", "dispatch:tickets")
