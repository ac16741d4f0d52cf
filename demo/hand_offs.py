"""A few of the showcase street's open tickets handed down to its community (转派社区), so that
``staff_jiangtan`` and ``staff_wangjiang`` see the flow at every step: one waiting for the
community to accept, one whose report waits for the street, one sent back to the community.

Through the same services as the pages and the API, on a clock between each ticket's last event
and the real now (the hand-off comes after whatever the ticket's history did)."""

from datetime import datetime, timedelta
from unittest import mock

from demo import data
from demo.city import City
from workorders.models import Assignment, Status, Ticket, TicketEvent, Unit
from workorders.services import (
    ticket_accept,
    ticket_contact,
    ticket_hand_off,
    ticket_hand_off_report,
    ticket_hand_off_send_back,
)

NOTES = (
    "请望江社区网格员上门核实情况，联系诉求人并协调处理，处理后反馈结果。",
    "属社区日常管理事项，请社区组织物业和楼栋长处置，两日内反馈。",
    "请社区入户了解情况，做好解释和协调工作，及时反馈办理结果。",
)
REPORT = "社区网格员已上门核实，会同物业进行了处置，问题已解决；已电话告知诉求人，诉求人表示认可。"
CONTACT = "社区网格员已电话联系诉求人，约定上门查看"
SEND_BACK = "反馈未写明诉求人意见和现场处置情况，请补充后重新反馈。"


def hand_offs_play(*, city: City, now: datetime) -> int:
    """Hand off up to three of the street's accepted tickets; returns how many."""
    community = Unit.objects.get(name=data.COMMUNITY_STAFF[1])
    street = community.parent
    street_staff, community_staff = city.staff[street.pk], city.staff[community.pk]
    led = Assignment.objects.filter(unit=street, role=Assignment.Role.LEAD, active=True)
    tickets = list(
        Ticket.objects.filter(
            pk__in=led.values("ticket_id"), status__in=[Status.ACCEPTED, Status.IN_PROGRESS]
        ).order_by("-registered_at")[:3]
    )
    for index, ticket in enumerate(tickets):
        last = TicketEvent.objects.filter(ticket=ticket).latest("created_at").created_at
        clock = _Clock(start=last, end=now - timedelta(minutes=1), steps=5)
        with mock.patch("django.utils.timezone.now", clock.now):
            clock.next()
            ticket_hand_off(
                ticket_id=ticket.pk, actor=street_staff, unit=community.pk, note=NOTES[index]
            )
            if index == 0:
                continue  # waits for the community to accept
            clock.next()
            ticket_accept(ticket_id=ticket.pk, actor=community_staff)
            if ticket.status == Status.ACCEPTED:
                clock.next()
                ticket_contact(ticket_id=ticket.pk, actor=community_staff, note=CONTACT)
            clock.next()
            report = REPORT if index == 1 else "已处理，请街道审核办结。"
            ticket_hand_off_report(ticket_id=ticket.pk, actor=community_staff, report=report)
            if index == 2:
                clock.next()
                ticket_hand_off_send_back(ticket_id=ticket.pk, actor=street_staff, reason=SEND_BACK)
    return len(tickets)


class _Clock:
    """Evenly spaced moments after ``start``, never past ``end``; ``now`` stays put between
    ``next()`` calls (a service reads the time several times)."""

    def __init__(self, *, start: datetime, end: datetime, steps: int):
        self.moment, self.end = start, end
        self.step = min(max(end - start, timedelta(0)) / (steps + 1), timedelta(hours=3))

    def next(self) -> None:
        self.moment = min(self.moment + self.step, self.end)

    def now(self) -> datetime:
        return self.moment
