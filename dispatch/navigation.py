"""The dispatchers' menu entries and workspaces."""

from workorders.models import Role
from workorders.registry import (
    NavEntry,
    Workspace,
    register_navigation,
    register_page,
    register_workspaces,
)

ENTRIES = (
    NavEntry("dispatch:triage", "待分拨 (Triage)", (Role.DISPATCHER, Role.ADMIN), order=50),
    NavEntry("dispatch:approvals", "审核 (Approvals)", (Role.DISPATCHER, Role.ADMIN), order=60),
    NavEntry(
        "dispatch:supervision",
        "督办 (Supervision)",
        (Role.DISPATCHER, Role.LEADER, Role.ADMIN),
        order=70,
    ),
    NavEntry(
        "dispatch:tickets",
        "全部工单 (All tickets)",
        (Role.OPERATOR, Role.DISPATCHER, Role.FOLLOWUP_AGENT, Role.LEADER, Role.ADMIN),
        order=800,
    ),
)

WORKSPACES = (
    Workspace(Role.DISPATCHER, "dispatch:triage", "待分拨 (triage queue)"),
    Workspace(Role.ADMIN, "dispatch:tickets", "全部工单 (all tickets)"),
)


def register() -> None:
    register_navigation(*ENTRIES)
    register_workspaces(*WORKSPACES)
    register_page("all_tickets", "dispatch:tickets")
