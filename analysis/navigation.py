"""Menu entries of proactive work and 每月一题."""

from django.utils.translation import gettext_lazy as _

from workorders.models import Role
from workorders.registry import NavEntry, register_navigation

ENTRIES = (
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


def register() -> None:
    register_navigation(*ENTRIES)
