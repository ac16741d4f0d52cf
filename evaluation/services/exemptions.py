"""免考核 (exemptions): a unit asks that a ticket leave its rates; a dispatcher decides.

Both steps are on the ticket's timeline. An approved exemption takes the ticket out of that unit's
figures for every month not yet closed when it was approved (closed months keep their figures;
a recorded re-close would include it). Approvals are final; a rejected unit may ask again.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluation.models import Exemption, ExemptionReason
from hotline.lib.errors import Conflict, InvalidInput, NotAllowed, NotFound
from workorders.access import require_role, require_unit, ticket_get_for_user
from workorders.models import EventKind, RequestStatus, Role
from workorders.transitions import record_event

DECIDERS = (Role.DISPATCHER,)


def _text(value: str | None, *, field: str, label: str, minimum: int) -> str:
    value = (value or "").strip()
    if not minimum <= len(value) <= 2000:
        message = _("请填写%(label)s（%(minimum)s 到 2000 字）") % {
            "label": label,
            "minimum": minimum,
            "field": field,
        }
        raise InvalidInput(message, fields={field: [message]})
    return value


def exemption_request(*, ticket_id: int, actor, reason: str, explanation: str) -> Exemption:
    """A unit that handled the ticket (lead or assisting, now or before) asks for 免考核."""
    unit = require_unit(actor)
    errors = {}
    if reason not in ExemptionReason.values:
        errors["reason"] = [_("请选择免考核原因")]
    try:
        explanation = _text(explanation, field="explanation", label="申请说明", minimum=5)
    except InvalidInput as exc:
        errors.update(exc.fields)
    if errors:
        raise InvalidInput(next(iter(errors.values()))[0], fields=errors)
    with transaction.atomic():
        ticket = ticket_get_for_user(user=actor, pk=ticket_id, for_update=True)
        if not ticket.assignments.filter(unit=unit).exists():
            raise NotAllowed(_("该工单不是贵单位办理的"))
        if Exemption.objects.filter(
            ticket=ticket, unit=unit, status__in=[RequestStatus.PENDING, RequestStatus.APPROVED]
        ).exists():
            raise Conflict(_("该工单已有待审核或已通过的免考核申请"))
        now = timezone.now()
        try:
            with transaction.atomic():
                exemption = Exemption.objects.create(
                    ticket=ticket,
                    unit=unit,
                    reason=reason,
                    explanation=explanation,
                    requested_by=actor,
                    requested_at=now,
                )
        except IntegrityError:  # a concurrent request of the same unit won
            raise Conflict(_("该工单已有待审核的免考核申请")) from None
        record_event(
            ticket=ticket,
            kind=EventKind.EXEMPTION_REQUESTED,
            actor=actor,
            unit=unit,
            reason=f"{ExemptionReason(reason).label}：{explanation}",
            data={"exemption": exemption.pk, "reason": reason},
            at=now,
        )
    return exemption


def exemption_decide(*, exemption_id: int, actor, approve: bool, note: str = "") -> Exemption:
    require_role(actor, *DECIDERS)
    note = _text(note, field="note", label="驳回理由", minimum=0 if approve else 2)
    with transaction.atomic():
        exemption = (
            Exemption.objects.select_for_update()
            .select_related("ticket", "unit")
            .filter(pk=exemption_id)
            .first()
        )
        if exemption is None:
            raise NotFound(_("免考核申请不存在"))
        if exemption.status != RequestStatus.PENDING:
            raise Conflict(_("该申请已处理"))
        now = timezone.now()
        exemption.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
        exemption.decided_by, exemption.decided_at, exemption.decision_note = actor, now, note
        exemption.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        label = ExemptionReason(exemption.reason).label
        record_event(
            ticket=exemption.ticket,
            kind=EventKind.EXEMPTION_APPROVED if approve else EventKind.EXEMPTION_REJECTED,
            actor=actor,
            unit=exemption.unit,
            reason=note or label,
            data={"exemption": exemption.pk, "reason": exemption.reason},
            at=now,
        )
    return exemption
