"""Intake: registering a citizen request, and what a citizen may add to it later.

A ticket is stored before anything is queued: the classification task is published only after
the transaction commits, and a broker outage at that moment is logged, not raised, because the
stale-ticket sweep re-queues whatever stays registered.
"""

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from hotline.celery import app as celery_app
from hotline.lib.errors import Conflict, InvalidInput, NotAllowed, NotFound, TooLarge
from hotline.lib.upload_quota import size_label, upload_quota_check, upload_quota_record
from workorders.access import role_of
from workorders.models import (
    FINAL_STATUSES,
    Channel,
    EventKind,
    RequestType,
    Role,
    Status,
    SubmissionKey,
    Ticket,
    Urgency,
)
from workorders.services.images import CleanImage, attachments_store, image_clean
from workorders.services.queueing import mark_enqueue_failed
from workorders.transitions import record_event

logger = logging.getLogger(__name__)
# Who records calls and other platforms' requests, and may say what a request is and how urgent:
# the hotline's own staff. Citizens' submissions are classified by the worker instead.
INTAKE_ROLES = (Role.OPERATOR, Role.DISPATCHER)
STAFF_CHANNELS = (Channel.PHONE, Channel.API)

MOBILE_OR_LANDLINE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
# Query codes avoid look-alike characters (0/O, 1/I/L) because citizens read them off a phone.
QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class Upload:
    """A file as received from a form or the API, before it is checked."""

    name: str
    data: bytes


def _clean_text(value: str | None) -> str:
    return (value or "").strip()


def _check_image(upload: Upload) -> CleanImage | str:
    """The image as it will be stored (metadata stripped), or an error message."""
    if len(upload.data) > settings.ATTACHMENT_MAX_BYTES:
        limit = settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)
        return gettext("图片“%(name)s”超过 %(limit)s MB") % {"name": upload.name, "limit": limit}
    return image_clean(name=upload.name, data=upload.data)


def point_check(latitude, longitude, error) -> dict:
    """{"latitude", "longitude"} as Decimals (or None), errors reported through ``error``:
    a request's map point and a field visit's alike."""
    point: dict = {}
    for field, value, limit in (("latitude", latitude, 90), ("longitude", longitude, 180)):
        if value in (None, ""):
            point[field] = None
            continue
        try:
            number = Decimal(str(value)).quantize(Decimal("0.000001"))
        except (InvalidOperation, ValueError):
            error(field, gettext("坐标格式不正确"))
            continue
        # NaN and Infinity parse as Decimals; comparing a NaN would raise.
        if not number.is_finite() or not -limit <= number <= limit:
            error(field, gettext("坐标超出范围"))
            continue
        point[field] = number
    if set(point) == {"latitude", "longitude"} and (point["latitude"] is None) != (
        point["longitude"] is None
    ):
        error("latitude", gettext("经纬度需同时填写"))
    return {"latitude": point.get("latitude"), "longitude": point.get("longitude")}


def photos_check(uploads: list[Upload], *, field: str, error) -> list:
    """(upload, CleanImage) pairs of the photos that pass; the count limit and each photo's
    problem reported through ``error`` under ``field``."""
    if len(uploads) > settings.ATTACHMENT_MAX_COUNT:
        error(
            field,
            gettext("最多上传 %(ATTACHMENT_MAX_COUNT)s 张图片")
            % {"ATTACHMENT_MAX_COUNT": settings.ATTACHMENT_MAX_COUNT},
        )
    checked = []
    for upload in uploads:
        result = _check_image(upload)
        if isinstance(result, str):
            error(field, result)
        else:
            checked.append((upload, result))
    return checked


def photos_check_total(uploads: list[Upload]) -> None:
    # Before any image is decoded: the cheapest refusal first.
    if sum(len(upload.data) for upload in uploads) > settings.ATTACHMENT_MAX_TOTAL_BYTES:
        message = gettext("照片总大小超过 %(size)s，请减少或压缩照片后重试") % {
            "size": size_label(settings.ATTACHMENT_MAX_TOTAL_BYTES)
        }
        raise TooLarge(message, fields={"attachments": [message]})


def _validate(
    *,
    title: str,
    content: str,
    citizen_name: str,
    citizen_phone: str,
    address: str,
    latitude,
    longitude,
    channel: str,
    request_type: str,
    urgency: str,
    uploads: list[Upload],
) -> tuple[dict, list[tuple[Upload, CleanImage]]]:
    errors: dict[str, list[str]] = {}

    def error(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if len(content) < 5:
        error("content", gettext("请填写诉求内容，至少 5 个字"))
    elif len(content) > 5000:
        error("content", gettext("诉求内容不能超过 5000 字"))
    if not title:
        # Phone intake and short web messages often have no title: the first words serve.
        title = content.splitlines()[0][:30] if content else ""
    if len(title) > 100:
        error("title", gettext("标题不能超过 100 字"))
    if len(citizen_name) > 40:
        error("citizen_name", gettext("姓名不能超过 40 字"))
    if citizen_phone and not MOBILE_OR_LANDLINE.match(citizen_phone):
        error("citizen_phone", gettext("请输入正确的手机号或座机号"))
    if len(address) > 200:
        error("address", gettext("地址不能超过 200 字"))
    if channel not in Channel.values:
        error("channel", gettext("渠道无效"))
    if request_type and request_type not in RequestType.values:
        error("request_type", gettext("诉求类型无效"))
    if urgency and urgency not in Urgency.values:
        error("urgency", gettext("紧急程度无效"))
    point = point_check(latitude, longitude, error)
    checked = photos_check(uploads, field="attachments", error=error)
    if errors:
        raise InvalidInput(gettext("提交的内容有误，请检查后重试"), fields=errors)
    return {"title": title, **point}, checked


def records_calls(user) -> bool:
    """The hotline's staff: they record calls and other platforms' requests and may choose a
    request's type and urgency."""
    return role_of(user) in (*INTAKE_ROLES, Role.ADMIN)


def _check_intake_rights(actor, *, channel: str, request_type: str, urgency: str) -> None:
    # Here, not in the pages or the API, so that they cannot drift apart.
    if records_calls(actor):
        return
    if channel in STAFF_CHANNELS or request_type or urgency:
        raise NotAllowed(
            gettext("只有热线工作人员可以登记来电或其他平台的诉求并指定诉求类型和紧急程度")
        )


def _next_number(day) -> str:
    """Take the day's next number in its own short transaction.

    One statement, atomic on both SQLite and PostgreSQL: no race between two intakes. It runs
    before the ticket's transaction, not inside it, because the counter row is locked until its
    transaction commits: inside, every concurrent intake queued behind the whole insert (20 ms
    lock waits, half the intake throughput in bench/run.py). The price is a skipped number when
    storing the ticket then fails, which citizens never see and auditors accept. Outside any
    transaction the statement commits on its own (autocommit: no BEGIN/COMMIT round trips).
    """
    table = "workorders_ticketnumbercounter"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, last) VALUES (%s, 1) "  # noqa: S608 - constant table name
            f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [day],
        )
        (last,) = cursor.fetchone()
    return f"{day:%Y%m%d}-{last:06d}"


_system_random = secrets.SystemRandom()


def new_query_code() -> str:
    """A citizen's query code, from the OS's randomness (intake, and the history import's
    million rows: one call per code)."""
    return "".join(_system_random.choices(QUERY_CODE_ALPHABET, k=6))


def enqueue_registered(ticket_id: int) -> bool:
    """Queue classification; never raise, because the ticket is already safe in the database."""
    try:
        celery_app.send_task(settings.TICKET_REGISTERED_TASK, args=[ticket_id])
    except Exception:
        logger.warning(
            "broker unavailable: ticket %s waits for the sweep", ticket_id, exc_info=True
        )
        mark_enqueue_failed(ticket_id, status=Status.REGISTERED)
        return False
    return True


def ticket_register(
    *,
    channel: str,
    content: str,
    title: str = "",
    citizen_name: str = "",
    citizen_phone: str = "",
    confidential: bool = False,
    address: str = "",
    latitude=None,
    longitude=None,
    request_type: str = "",
    urgency: str = "",
    uploads: list[Upload] | None = None,
    actor=None,
    citizen_user=None,
    client: str = "",
    submission_key: str = "",
) -> Ticket:
    """Register a request: validate everything, then store ticket, event and images at once.

    ``client`` is the address the request came from, whose photos count against the hourly
    upload quota (hotline/lib/upload_quota.py); empty for demo data and commands. With a
    ``submission_key`` (a form's one-time token, an API client's Idempotency-Key, made unique
    to that client by the caller) a request already registered with that key is not stored
    again: the first ticket is returned, as it was."""
    if submission_key:
        earlier = ticket_for_submission_key(submission_key)
        if earlier is not None:
            return earlier
        SubmissionKey.objects.filter(expires_at__lte=timezone.now()).delete()
    title, content = _clean_text(title), _clean_text(content)
    citizen_name, citizen_phone = _clean_text(citizen_name), _clean_text(citizen_phone)
    address = _clean_text(address)
    uploads = uploads or []
    photos_check_total(uploads)
    upload_quota_check(client=client, incoming=sum(len(upload.data) for upload in uploads))
    cleaned, images = _validate(
        title=title,
        content=content,
        citizen_name=citizen_name,
        citizen_phone=citizen_phone.replace(" ", ""),
        address=address,
        latitude=latitude,
        longitude=longitude,
        channel=channel,
        request_type=request_type,
        urgency=urgency,
        uploads=uploads,
    )
    _check_intake_rights(actor, channel=channel, request_type=request_type, urgency=urgency)
    now = timezone.now()
    number = _next_number(timezone.localdate(now))
    saved_files = []
    try:
        with transaction.atomic():
            ticket = Ticket.objects.create(
                number=number,
                query_code=new_query_code(),
                channel=channel,
                request_type=request_type,
                urgency=urgency or Urgency.NORMAL,
                citizen_name=citizen_name,
                citizen_phone=citizen_phone.replace(" ", ""),
                citizen_user=citizen_user
                if citizen_user and citizen_user.is_authenticated
                else None,
                confidential=confidential,
                title=cleaned["title"],
                content=content,
                address=address,
                latitude=cleaned["latitude"],
                longitude=cleaned["longitude"],
                status=Status.REGISTERED,
                registered_at=now,
                status_changed_at=now,
                registered_by=actor if actor and actor.is_authenticated else None,
                # Urgency given by an operator at intake is kept; the classifier fills the rest.
                suggestion={"urgency_given": bool(urgency)},
            )
            attachments_store(ticket=ticket, images=images, now=now, saved_files=saved_files)
            record_event(
                ticket=ticket,
                kind=EventKind.REGISTERED,
                actor=actor,
                to_status=Status.REGISTERED,
                data={"channel": channel, "attachments": len(images)},
                public=True,
                at=now,
            )
            if submission_key:
                hours = settings.SUBMISSION_KEY_HOURS
                SubmissionKey.objects.create(
                    digest=_key_digest(submission_key),
                    ticket=ticket,
                    expires_at=now + timedelta(hours=hours),
                )
            transaction.on_commit(lambda: enqueue_registered(ticket.pk))
    except Exception as error:
        for stored in saved_files:
            stored.storage.delete(stored.name)
        # The same key, submitted twice at once: the other request stored its ticket first
        # (the key is unique) and this transaction was rolled back.
        if submission_key and isinstance(error, IntegrityError):
            earlier = ticket_for_submission_key(submission_key)
            if earlier is not None:
                return earlier
        raise
    upload_quota_record(client=client, stored=sum(len(image.data) for _, image in images))
    return ticket


def ticket_for_submission_key(key: str) -> Ticket | None:
    """The ticket registered with this submission key, while the key is kept."""
    found = SubmissionKey.objects.filter(
        digest=_key_digest(key), expires_at__gt=timezone.now()
    ).select_related("ticket")
    row = found.first()
    return row.ticket if row else None


def _key_digest(key: str) -> str:
    return hashlib.sha256(key.encode(errors="surrogatepass")).hexdigest()


def ticket_get_public(*, number: str, query_code: str) -> Ticket:
    """The citizen's own view, by ticket number and query code (no account needed)."""
    number, query_code = _clean_text(number), _clean_text(query_code).upper()
    ticket = Ticket.objects.filter(number=number).select_related("merged_into").first()
    # Compared as bytes: compare_digest refuses non-ASCII str, and any typed code is a guess.
    typed = query_code.encode()
    if ticket is None or not secrets.compare_digest(ticket.query_code.encode(), typed):
        raise NotFound(gettext("工单编号或查询码不正确"))
    return ticket


def ticket_supplement(*, number: str, query_code: str, text: str) -> Ticket:
    """The citizen adds information to an open ticket; it goes on the timeline."""
    ticket = ticket_get_public(number=number, query_code=query_code)
    text = _clean_text(text)
    if not 2 <= len(text) <= 2000:
        raise InvalidInput(
            gettext("补充内容需为 2 到 2000 字"),
            fields={"text": [gettext("补充内容需为 2 到 2000 字")]},
        )
    if ticket.status in FINAL_STATUSES:
        raise Conflict(gettext("工单已归档，无法补充"))
    with transaction.atomic():
        record_event(ticket=ticket, kind=EventKind.SUPPLEMENTED, reason=text, public=True)
    return ticket
