"""Field visits (线上接单、线下走访): any unit working on a ticket records going to the place.

Any unit holding an active assignment on the ticket may record one: the lead, an assisting unit,
a community the street handed the ticket down to. The rule is the assignment, not its role, so a
new kind of assignment needs no change here. The photos go through the citizen's photo checks
(size, count, decoding bounds, metadata stripped) and the hourly upload quota, counted per staff
account; the visit, its photos and the timeline event are stored in one transaction, and the
files written are deleted again if it rolls back.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.lib.errors import Conflict, InvalidInput
from hotline.lib.upload_quota import upload_quota_check, upload_quota_record
from workorders.access import ticket_get_for_user
from workorders.models import Assignment, EventKind, FieldVisit, Status, Ticket
from workorders.services.guards import own_assignment, ticket_locked
from workorders.services.images import attachments_store

# The image checks of intake, shared so that a unit's photo is held to the citizen's rules.
from workorders.services.intake import Upload, photos_check, photos_check_total, point_check
from workorders.transitions import record_event

# While a unit works on the ticket; before acceptance there is nothing to visit for yet.
VISIT_STATUSES = (Status.ACCEPTED, Status.IN_PROGRESS)
VISITORS_MAX = 200
FINDINGS_MIN, FINDINGS_MAX = 5, 4000
# Phones and servers disagree by a little: a visit "now" on a fast phone is not in the future.
CLOCK_SKEW = timedelta(minutes=5)


def _visiting_assignment(ticket: Ticket, actor) -> Assignment:
    """The actor's unit's active assignment, accepted, on a ticket being worked on."""
    assignment = own_assignment(ticket, actor)
    if ticket.status not in VISIT_STATUSES:
        raise Conflict(
            _("工单当前状态为“%(status)s”，不能登记上门走访")
            % {"status": ticket.get_status_display()}
        )
    if assignment.accepted_at is None:
        raise Conflict(_("请先签收工单，再登记上门走访"))
    return assignment


def _validate(
    *, ticket: Ticket, visited_at, visitors: str, findings: str, latitude, longitude, photos
) -> tuple[dict, list]:
    errors: dict[str, list[str]] = {}

    def error(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    now = timezone.now()
    if not isinstance(visited_at, datetime):
        error("visited_at", _("请填写走访时间"))
    elif visited_at > now + CLOCK_SKEW:
        error("visited_at", _("走访时间不能晚于现在"))
    # To the minute: the page's time input has no seconds.
    elif visited_at < ticket.registered_at.replace(second=0, microsecond=0):
        error("visited_at", _("走访时间不能早于工单受理时间"))
    if not visitors:
        error("visitors", _("请填写走访人员"))
    elif len(visitors) > VISITORS_MAX:
        error("visitors", _("走访人员不能超过 %(max)s 字") % {"max": VISITORS_MAX})
    if not FINDINGS_MIN <= len(findings) <= FINDINGS_MAX:
        error(
            "findings",
            _("请填写走访情况（%(minimum)s 到 %(maximum)s 字）")
            % {"minimum": FINDINGS_MIN, "maximum": FINDINGS_MAX},
        )
    point = point_check(latitude, longitude, error)
    checked = photos_check(photos, field="photos", error=error)
    if errors:
        raise InvalidInput(_("提交的内容有误，请检查后重试"), fields=errors)
    return point, checked


def ticket_record_field_visit(
    *,
    ticket_id: int,
    actor,
    visited_at: datetime | None,
    visitors: str = "",
    findings: str = "",
    latitude=None,
    longitude=None,
    photos: list[Upload] | None = None,
) -> FieldVisit:
    """Record one field visit of the actor's unit, with its photos, on the ticket's timeline."""
    photos = list(photos or [])
    visitors, findings = (visitors or "").strip(), (findings or "").strip()
    # Who may, before any photo is decoded: an outsider learns nothing from the checks.
    _visiting_assignment(ticket_get_for_user(user=actor, pk=ticket_id), actor)
    client = f"staff:{actor.pk}"
    photos_check_total(photos)
    upload_quota_check(client=client, incoming=sum(len(upload.data) for upload in photos))
    saved_files = []
    try:
        with transaction.atomic():
            ticket = ticket_locked(ticket_id, actor)
            assignment = _visiting_assignment(ticket, actor)
            point, images = _validate(
                ticket=ticket,
                visited_at=visited_at,
                visitors=visitors,
                findings=findings,
                latitude=latitude,
                longitude=longitude,
                photos=photos,
            )
            now = timezone.now()
            visit = FieldVisit.objects.create(
                ticket=ticket,
                unit=assignment.unit,
                recorded_by=actor,
                visited_at=visited_at,
                visitors=visitors,
                findings=findings,
                recorded_at=now,
                **point,
            )
            attachments_store(
                ticket=ticket, images=images, now=now, saved_files=saved_files, visit=visit
            )
            # Public: the citizen's timeline says a unit went there (selectors summarise it,
            # without the findings, the names or the photos).
            record_event(
                ticket=ticket,
                kind=EventKind.FIELD_VISIT,
                actor=actor,
                unit=assignment.unit,
                reason=findings,
                data={
                    "visit_id": visit.pk,
                    "visited_at": visited_at.isoformat(),
                    "visitors": visitors,
                    "photos": len(images),
                    "role": assignment.role,
                },
                public=True,
                at=now,
            )
    except Exception:
        for stored in saved_files:
            stored.storage.delete(stored.name)
        raise
    upload_quota_record(client=client, stored=sum(len(image.data) for upload, image in images))
    return visit


def field_visit_missing(ticket: Ticket) -> bool:
    """The ticket's category asks for a field visit and none is recorded yet."""
    category = ticket.category
    return bool(category and category.field_visit_required) and not ticket.field_visits.exists()
