"""The menu entries and workspace of follow-up and evaluation."""

from workorders.models import Role
from workorders.registry import NavEntry, Workspace, register_navigation, register_workspaces

ENTRIES = (
    NavEntry(
        "evaluation:followup",
        "回访 (Follow-up)",
        (Role.FOLLOWUP_AGENT, Role.DISPATCHER, Role.ADMIN),
        order=90,
    ),
    NavEntry(
        "evaluation:rankings",
        "考核排名 (Rankings)",
        (Role.LEADER, Role.DISPATCHER, Role.ADMIN),
        order=110,
        prefix="/evaluation/rankings/",
    ),
    NavEntry(
        "evaluation:my_unit",
        "本单位考核 (Our figures)",
        (Role.UNIT_STAFF,),
        order=120,
        prefix="/evaluation/rankings/",
    ),
    NavEntry(
        "evaluation:exemptions",
        "免考核 (Exemptions)",
        (Role.UNIT_STAFF, Role.DISPATCHER, Role.LEADER, Role.ADMIN),
        order=130,
    ),
)

WORKSPACES = (Workspace(Role.FOLLOWUP_AGENT, "evaluation:followup", "回访 (follow-up)"),)


def register() -> None:
    register_navigation(*ENTRIES)
    register_workspaces(*WORKSPACES)
