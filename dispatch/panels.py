"""What dispatch adds to other pages: the duplicate suggestions beside the operator's intake form."""

from workorders.access import role_of
from workorders.models import Role
from workorders.registry import PagePanel, register_page_panels


def _desk(request) -> dict | None:
    # The desk is the operators' and dispatchers' page; the check keeps the panel theirs if
    # another role ever reaches it.
    if role_of(request.user) not in (Role.OPERATOR, Role.DISPATCHER, Role.ADMIN):
        return None
    return {}


def register() -> None:
    register_page_panels(
        PagePanel(
            "operator_desk", "duplicates", "dispatch/panels/_duplicates.html", _desk, order=50
        )
    )
