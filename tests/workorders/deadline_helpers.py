"""Helpers shared by the deadline tests: local times, and tickets dispatched at a frozen moment."""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

from workorders import services
from workorders.models import Ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment in Beijing time."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def register(**overrides) -> Ticket:
    fields = {
        "channel": "web",
        "title": "路灯不亮",
        "content": "中关村街道科源社区门口路灯不亮",
        "citizen_name": "李明",
        "citizen_phone": "13812345678",
    }
    return services.ticket_register(**{**fields, **overrides})


def dispatch_at(moment: datetime, city, dispatcher, *, urgency: str = "normal", category=None):
    """A street-light ticket registered and dispatched to 市城市管理委员会 at ``moment``."""
    with time_machine.travel(moment, tick=False):
        ticket = register()
        return services.ticket_dispatch(
            ticket_id=ticket.pk,
            lead_unit=city.urban_management,
            category=category or city.street_light,
            region=city.keyuan,
            urgency=urgency,
            actor=dispatcher,
        )


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)
