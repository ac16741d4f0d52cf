"""Two people of a street office handing the same ticket to two communities at the same moment,
on real PostgreSQL: one hand-off wins, the other is a Conflict; one community holds the ticket.
(Like tests/integration/test_concurrency.py: threads with their own connections in a
subprocess, on the session's stack.)"""

import json

import pytest

from tests import servers

pytestmark = pytest.mark.integration

ROUNDS = 4

RACE = r"""
import json
import threading

from django.contrib.auth import get_user_model
from django.db import connections

from hotline.lib.errors import Conflict
from workorders.models import Assignment, HandOff, Profile, Role, TicketEvent, Unit, Category
from workorders.services import (
    ticket_accept, ticket_dispatch, ticket_hand_off, ticket_register,
)

street = Unit.objects.get(name="中关村街道办事处")
communities = [
    Unit.objects.get_or_create(name=name, defaults={"kind": "community", "parent": street})[0]
    for name in ("科源社区居委会", "黄庄社区居委会")
]
users = get_user_model().objects
def staff(username, unit, role=Role.UNIT_STAFF):
    user = users.filter(username=username).first()
    if user is None:
        user = users.create_user(username=username, password="test-pass-12345")
        Profile.objects.create(user=user, role=role, unit=unit, display_name=username)
    return user
street_staff = [staff("staff_zgc_a", street), staff("staff_zgc_b", street)]
dispatcher = staff("dispatcher_race", None, Role.DISPATCHER)
light = Category.objects.get(name="路灯")


def race(actions):
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def contender(index):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = actions[index]()
        except Conflict:
            outcomes[index] = "conflict"
        except Exception as exc:
            outcomes[index] = f"error: {exc!r}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=contender, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


report = []
for _ in range(ROUNDS):
    ticket = ticket_register(
        channel="web", title="路灯不亮", content="科源社区1号楼门口的路灯不亮已经一周了。",
        address="海淀区中关村街道科源社区1号楼", citizen_phone="13800138000",
    )
    ticket_dispatch(ticket_id=ticket.pk, actor=dispatcher, lead_unit=street, category=light)
    ticket_accept(ticket_id=ticket.pk, actor=street_staff[0])
    outcomes = race([
        (lambda i=i: ticket_hand_off(
            ticket_id=ticket.pk, actor=street_staff[i], unit=communities[i].pk, note="请社区处理"
        ).status)
        for i in range(2)
    ])
    report.append({
        "outcomes": sorted(map(str, outcomes)),
        "hand_offs": HandOff.objects.filter(ticket=ticket).count(),
        "community_parts": Assignment.objects.filter(
            ticket=ticket, role="community", active=True
        ).count(),
        "events": TicketEvent.objects.filter(ticket=ticket, kind="handed_off").count(),
    })
print("REPORT" + json.dumps(report))
"""


def test_two_hand_offs_at_once_hand_off_once(stack):
    env = stack.env_with(CELERY_BROKER_URL=stack.redis_url.rsplit("/", 1)[0] + "/15")
    output = servers.run_python(f"ROUNDS = {ROUNDS}\n" + RACE, env=env, timeout=120)
    lines = [line for line in output.splitlines() if line.startswith("REPORT")]
    assert lines, output[-3000:]
    for round_ in json.loads(lines[0].removeprefix("REPORT")):
        assert round_["outcomes"] == ["conflict", "handed_off"], round_
        assert round_["hand_offs"] == 1, round_
        assert round_["community_parts"] == 1, round_
        assert round_["events"] == 1, round_
