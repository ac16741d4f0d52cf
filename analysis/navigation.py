"""Menu entries of the analysis app (the cockpit, proactive work, 每月一题), the leaders'
workspace and the named page workorders links to."""

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
    # Leaders land on the cockpit: it comes first in their menu (before 督办, order 70); for
    # dispatchers it follows their own queues.
    NavEntry(
        "analysis:cockpit",
        _("领导驾驶舱"),
        (Role.LEADER,),
        order=60,
        prefix="/analysis/cockpit/",
    ),
    NavEntry(
        "analysis:cockpit",
        _("领导驾驶舱"),
        (Role.DISPATCHER, Role.ADMIN),
        order=100,
        prefix="/analysis/cockpit/",
    ),
    NavEntry(
        "analysis:proactive_list",
        _("主动治理"),
        (Role.DISPATCHER, Role.LEADER, Role.ADMIN),
        order=140,
        prefix="/analysis/proactive/",
    ),
    NavEntry(
        "analysis:topic_list",
        _("每月一题"),
        (Role.LEADER, Role.DISPATCHER, Role.UNIT_STAFF, Role.ADMIN),
        order=150,
        prefix="/analysis/topics/",
    ),
)
# Leaders sign in to the cockpit; it replaces workorders' status overview, whose URL
# (/overview/) redirects to the page registered as "cockpit".
WORKSPACES = (Workspace(Role.LEADER, "analysis:cockpit", _("领导驾驶舱")),)


def register() -> None:
    register_navigation(*ENTRIES)
    register_workspaces(*WORKSPACES)
    register_page("cockpit", "analysis:cockpit")
