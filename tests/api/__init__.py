"""Tests of the REST API, through HTTP with DRF's APIClient and the personas of tests/conftest.py.

Helpers shared by the modules of this package live here; fixtures stay in tests/conftest.py.
"""

import base64
from datetime import timedelta
from io import BytesIO

from PIL import Image
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from workorders import services
from workorders.models import Ticket

STREET_LIGHT = {
    "title": "路灯不亮",
    "content": "中关村街道科源社区门口的路灯不亮已经一周了，晚上很不安全。",
    "citizen_name": "张三",
    "citizen_phone": "13812345678",
    "address": "海淀区中关村大街1号",
}


def client_for(user=None) -> APIClient:
    """An API client signed in with the user's token, as phone systems and apps are."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def png_bytes(size: tuple[int, int] = (8, 8)) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def png_base64() -> str:
    return base64.b64encode(png_bytes()).decode()


def submit(client: APIClient | None = None, **overrides) -> dict:
    """Intake through the API; returns the 201 body."""
    response = (client or APIClient()).post(
        "/api/tickets/", {**STREET_LIGHT, **overrides}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def post(user, ticket_id: int, action: str, body: dict | None = None):
    return client_for(user).post(f"/api/tickets/{ticket_id}/{action}/", body or {}, format="json")


# --- given: a ticket in a state, set up through the services the API calls -------------------


def given_registered(citizen=None, **overrides) -> Ticket:
    fields = {**STREET_LIGHT, **overrides}
    return services.ticket_register(channel="app", actor=citizen, citizen_user=citizen, **fields)


def given_dispatched(city, dispatcher, citizen=None, **overrides) -> Ticket:
    ticket = given_registered(citizen, **overrides)
    return services.ticket_dispatch(
        ticket_id=ticket.pk,
        lead_unit=city.urban_management,
        category=city.street_light,
        actor=dispatcher,
    )


def given_accepted(city, dispatcher, unit_staff, citizen=None) -> Ticket:
    ticket = given_dispatched(city, dispatcher, citizen)
    return services.ticket_accept(ticket_id=ticket.pk, actor=unit_staff)


def given_in_progress(city, dispatcher, unit_staff, citizen=None) -> Ticket:
    ticket = given_accepted(city, dispatcher, unit_staff, citizen)
    return services.ticket_contact(ticket_id=ticket.pk, actor=unit_staff, note="已电话联系")


def given_resolved(city, dispatcher, unit_staff, citizen=None) -> Ticket:
    ticket = given_in_progress(city, dispatcher, unit_staff, citizen)
    return services.ticket_resolve(
        ticket_id=ticket.pk, actor=unit_staff, reply="路灯已修复，经现场确认恢复照明。"
    )


def extension_body(ticket: Ticket, days: int = 3) -> dict:
    ticket.refresh_from_db()
    due = ticket.resolve_due_at + timedelta(days=days)
    return {"reason": "需要采购配件，周期较长", "requested_due_at": due.isoformat()}
