"""The menu entries and workspace of follow-up and evaluation."""

from django.utils.translation import gettext_lazy as _

from workorders.models import Role
from workorders.registry import NavEntry, Workspace, register_navigation, register_workspaces

ENTRIES = (
    NavEntry(
        "evaluation:follow_up",
        _("回访"),
        (Role.FOLLOW_UP_AGENT, Role.DISPATCHER, Role.ADMIN),
        order=90,
    ),
    NavEntry(
        "evaluation:rankings",
        _("考核排名"),
        (Role.LEADER, Role.DISPATCHER, Role.ADMIN),
        order=110,
        prefix="/evaluation/rankings/",
    ),
    NavEntry(
        "evaluation:my_unit",
        _("本单位考核"),
        (Role.UNIT_STAFF,),
        order=120,
        prefix="/evaluation/rankings/",
    ),
    NavEntry(
        "evaluation:exemptions",
        _("免考核"),
        (Role.UNIT_STAFF, Role.DISPATCHER, Role.LEADER, Role.ADMIN),
        order=130,
    ),
)

WORKSPACES = (Workspace(Role.FOLLOW_UP_AGENT, "evaluation:follow_up", _("回访")),)


def register() -> None:
    register_navigation(*ENTRIES)
    register_workspaces(*WORKSPACES)
