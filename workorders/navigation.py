"""The menu entries and workspaces ``workorders`` owns; ``base.html`` renders every app's."""

from workorders.models import Role
from workorders.registry import NavEntry, Workspace, register_navigation, register_workspaces

ANONYMOUS = "anonymous"  # a visitor without an account: the citizens' front door
INTAKE = (Role.OPERATOR, Role.DISPATCHER, Role.ADMIN)

ENTRIES = (
    NavEntry("submit", "提交诉求 (Submit)", (ANONYMOUS, Role.CITIZEN), order=10),
    NavEntry("track", "查询工单 (Track)", (ANONYMOUS, Role.CITIZEN), order=20),
    NavEntry("my_tickets", "我的诉求 (My requests)", (Role.CITIZEN,), order=30),
    NavEntry("operator", "话务受理 (Intake)", INTAKE, order=40),
    NavEntry("unit", "工作台 (Workbench)", (Role.UNIT_STAFF,), order=80),
    NavEntry("overview", "总览 (Overview)", (Role.LEADER, Role.ADMIN), order=100),
    NavEntry(
        "admin:index",
        "系统管理 (Admin)",
        (Role.ADMIN,),
        order=900,
        prefix="/admin/",
        when=lambda user: user is not None and user.is_staff,
    ),
)

WORKSPACES = (
    Workspace(Role.CITIZEN, "my_tickets", "我的诉求 (my requests)"),
    Workspace(Role.OPERATOR, "operator", "话务受理 (phone intake)"),
    Workspace(Role.UNIT_STAFF, "unit", "承办工作台 (unit workbench)"),
    Workspace(Role.LEADER, "overview", "总览 (overview)"),
)


def register() -> None:
    register_navigation(*ENTRIES)
    register_workspaces(*WORKSPACES)
