"""Helpers for the page tests: tickets in a given state, made through the services."""

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from workorders import services
from workorders.models import Ticket

PHONE = "13912345678"


def png_bytes(color=(200, 30, 30)) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, format="PNG")
    return buffer.getvalue()


def photo(name: str = "light.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def registered(**overrides) -> Ticket:
    fields = {
        "channel": "web",
        "content": "中关村大街路灯不亮已经一周了，晚上很危险",
        "citizen_name": "李四",
        "citizen_phone": PHONE,
        "address": "海淀区中关村大街1号",
    }
    return services.ticket_register(**{**fields, **overrides})


def dispatched(city, dispatcher, **overrides) -> Ticket:
    ticket = registered(**overrides)
    services.ticket_dispatch(
        ticket_id=ticket.pk,
        actor=dispatcher,
        lead_unit=city.urban_management,
        assist_units=[city.zhongguancun_office],
        category=city.street_light,
        region=city.zhongguancun,
    )
    ticket.refresh_from_db()
    return ticket


def in_progress(city, dispatcher, staff, **overrides) -> Ticket:
    ticket = dispatched(city, dispatcher, **overrides)
    services.ticket_accept(ticket_id=ticket.pk, actor=staff)
    services.ticket_contact(ticket_id=ticket.pk, actor=staff, note="已电话联系市民")
    ticket.refresh_from_db()
    return ticket


def resolved(city, dispatcher, staff, **overrides) -> Ticket:
    ticket = in_progress(city, dispatcher, staff, **overrides)
    services.ticket_resolve(
        ticket_id=ticket.pk, actor=staff, reply="已更换路灯灯泡，现已恢复照明，感谢反映。"
    )
    ticket.refresh_from_db()
    return ticket
