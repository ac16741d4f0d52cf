"""Proactive work and 每月一题 on real PostgreSQL: the SQL that differs from SQLite (the partial
index of proactive tickets, the day truncation in Beijing time behind the topic's weekly counts,
the proactive column of the month) gives the same answers."""

import json

import pytest

from tests import servers

pytestmark = pytest.mark.integration

SCRIPT = r"""
import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.utils import timezone

from analysis.proactive.services import proactive_create
from analysis.topics.selectors import topic_volume
from analysis.topics.services import topic_create
from evaluation.periods import current_month, period_for
from evaluation.scoring import compute_month
from evaluation.services import follow_up_open
from workorders import registry, services
from workorders.models import Category, Profile, Region, Role, Ticket, Unit

BJ = ZoneInfo("Asia/Shanghai")
User = get_user_model()
dispatcher, made = User.objects.get_or_create(username="dispatcher_gov")
if made:
    Profile.objects.create(user=dispatcher, role=Role.DISPATCHER, display_name="派单")
leader, made = User.objects.get_or_create(username="leader_gov")
if made:
    Profile.objects.create(user=leader, role=Role.LEADER, display_name="领导")
staff = User.objects.get(username="staff_urban")
urban = Unit.objects.get(name="市城市管理委员会")
light = Category.objects.get(name="路灯")
keyuan = Region.objects.get(name="科源社区")

sources = []
for _ in range(3):
    ticket = services.ticket_register(
        channel="web", content="科源社区门口路灯不亮已经一周", citizen_phone="13800138000"
    )
    services.ticket_dispatch(
        ticket_id=ticket.pk, actor=dispatcher, lead_unit=urban, category=light, region=keyuan
    )
    sources.append(ticket)
order = proactive_create(
    actor=dispatcher,
    tickets=[t.number for t in sources],
    title="科源社区路灯集中整治",
    content="科源社区多处路灯不亮，请全面排查。",
    category=light.pk,
    region=keyuan.pk,
    unit=urban.pk,
)
for name, data in (
    ("accept", {}),
    ("contact", {"note": "已到现场"}),
    ("resolve", {"reply": "已全面更换灯具并检修线路，照明恢复。"}),
):
    registry.run_action_service(
        registry.ticket_action(name), ticket_id=order.pk, actor=staff, data=data, raw=data
    )
follow_up_open(ticket_id=order.pk)
order.refresh_from_db()
figures = compute_month(period_for(current_month()))
row = next(f for f in figures.units if f.unit_id == urban.pk)

# A topic of March 2026: tickets just after Beijing midnight belong to that Beijing day.
topic = topic_create(
    actor=leader, month="2026-03", title="路灯", categories=[light.pk],
    lead_unit=urban.pk, goal="亮灯",
)
edges = [
    datetime(2026, 2, 28, 23, 30, tzinfo=BJ),  # last "before" week
    datetime(2026, 3, 1, 0, 30, tzinfo=BJ),  # first week since (still Feb 28 in UTC)
    datetime(2026, 3, 7, 23, 59, tzinfo=BJ),  # first week since
    datetime(2026, 3, 8, 0, 1, tzinfo=BJ),  # second week
]
for index, moment in enumerate(edges):
    Ticket.objects.create(
        number=f"GOV{index:04d}", query_code="ABCDEF", channel="web", title="路灯",
        content="路灯不亮", category=light, region=keyuan, status="closed",
        registered_at=moment, status_changed_at=moment,
    )
import time_machine
with time_machine.travel(datetime(2026, 3, 15, tzinfo=BJ), tick=False):
    volume = topic_volume(topic=topic, weeks=2)
print("REPORT" + json.dumps({
    "order_status": order.status,
    "public_results": [
        s.events.filter(kind="proactive_resolved", public=True).count() for s in sources
    ],
    "proactive": row.proactive,
    "finished": row.finished,
    "counts": [w["count"] for w in volume["weeks"]],
}))
"""


def test_proactive_work_and_topic_counts_on_postgresql(stack):
    env = stack.env_with(CELERY_BROKER_URL=stack.redis_url.rsplit("/", 1)[0] + "/15")
    output = servers.run_python(SCRIPT, env=env, timeout=120)
    lines = [line for line in output.splitlines() if line.startswith("REPORT")]
    assert lines, output[-3000:]
    report = json.loads(lines[0].removeprefix("REPORT"))

    assert report["order_status"] == "closed"
    assert report["public_results"] == [1, 1, 1]
    assert (report["proactive"], report["finished"]) == (1, 0)
    assert report["counts"] == [0, 1, 2, 1]
