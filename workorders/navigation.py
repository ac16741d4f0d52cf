"""The menu entries and workspaces ``workorders`` owns; ``base.html`` renders every app's."""

from django.utils.translation import gettext_lazy as _

from workorders.inbox_selectors import inbox_unread_count
from workorders.models import Role
from workorders.registry import (
    NavEntry,
    Workspace,
    has_page,
    register_navigation,
    register_workspaces,
)

ANONYMOUS = "anonymous"  # a visitor without an account: the citizens' front door
INTAKE = (Role.OPERATOR, Role.DISPATCHER, Role.ADMIN)

ENTRIES = (
    NavEntry("submit", _("提交诉求"), (ANONYMOUS, Role.CITIZEN), order=10),
    NavEntry("track", _("查询工单"), (ANONYMOUS, Role.CITIZEN), order=20),
    NavEntry("my_tickets", _("我的诉求"), (Role.CITIZEN,), order=30),
    NavEntry("operator", _("话务受理"), INTAKE, order=40),
    NavEntry("unit", _("工作台"), (Role.UNIT_STAFF,), order=80),
    NavEntry(
        "inbox",
        _("消息中心"),
        (Role.UNIT_STAFF, Role.DISPATCHER),
        order=82,
        prefix="/inbox/",
        badge=lambda user: inbox_unread_count(user=user),
    ),
    # Replaced by the leaders' cockpit where an app registers one (its page redirects there).
    NavEntry(
        "overview",
        _("总览"),
        (Role.LEADER, Role.ADMIN),
        order=100,
        when=lambda user: not has_page("cockpit"),
    ),
    NavEntry(
        "admin:index",
        _("系统管理"),
        (Role.ADMIN,),
        order=900,
        prefix="/admin/",
        when=lambda user: user is not None and user.is_staff,
    ),
)

WORKSPACES = (
    Workspace(Role.CITIZEN, "my_tickets", _("我的诉求")),
    Workspace(Role.OPERATOR, "operator", _("话务受理")),
    Workspace(Role.UNIT_STAFF, "unit", _("承办工作台")),
    Workspace(Role.LEADER, "overview", _("总览")),
)


def register() -> None:
    register_navigation(*ENTRIES)
    register_workspaces(*WORKSPACES)
