"""What the services of a ticket check before they write: the text they were given, the ticket
locked for this transaction, and the actor's place on it."""

from django.utils.translation import gettext as _

from hotline.lib.errors import InvalidInput, NotAllowed
from workorders.access import require_unit, ticket_get_for_user
from workorders.models import Assignment, Role, Ticket

# Who dispatches by hand and decides on return and extension requests.
CENTER_DECIDERS = (Role.DISPATCHER,)


def clean_text(
    value: str | None, *, field: str, label: str, minimum: int, maximum: int = 4000
) -> str:
    value = (value or "").strip()
    if not minimum <= len(value) <= maximum:
        message = _("请填写%(label)s（%(minimum)s 到 %(maximum)s 字）") % {
            "label": label,
            "minimum": minimum,
            "maximum": maximum,
            "field": field,
        }
        raise InvalidInput(message, fields={field: [message]})
    return value


def ticket_locked(ticket_id: int, actor) -> Ticket:
    """The ticket, visible to ``actor`` and locked for this transaction."""
    return ticket_get_for_user(user=actor, pk=ticket_id, for_update=True)


def ticket_locked_by_system(ticket_id: int) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket_id)


def lead_assignment(ticket: Ticket) -> Assignment | None:
    return ticket.assignments.filter(active=True, role=Assignment.Role.LEAD).first()


def own_assignment(ticket: Ticket, actor) -> Assignment:
    unit = require_unit(actor)
    assignment = ticket.assignments.filter(active=True, unit=unit).first()
    if assignment is None:
        raise NotAllowed(_("该工单未派给您的单位"))
    return assignment


def require_lead(ticket: Ticket, actor) -> Assignment:
    assignment = own_assignment(ticket, actor)
    if assignment.role != Assignment.Role.LEAD:
        raise NotAllowed(_("仅主办单位可执行此操作"))
    return assignment
