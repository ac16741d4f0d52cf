"""The cockpit's counts on PostgreSQL: days are local days (Asia/Shanghai) on either side of
midnight, the rollup and the live count agree, and the API answers the same on the real stack.

The SQL differs from SQLite's (TruncDate in the time zone, the rollup's bulk writes), so it is
checked here on the session's PostgreSQL, in a subprocess with Django, on days of 2021 that no
other test touches.
"""

import json

import pytest

from tests import servers

pytestmark = pytest.mark.integration

SCRIPT = r"""
import json
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from analysis import cockpit
from analysis.rollup import Volumes, count_tickets, rollup_days
from workorders.models import Category, Profile, Region, Role, Ticket
from workorders.services import ticket_register

city = Region.objects.create(name="整合测试市", level=0)
district = Region.objects.create(name="整合区", level=1, parent=city)
street = Region.objects.create(name="整合街道", level=2, parent=district)
community = Region.objects.create(name="整合社区", level=3, parent=street)
top = Category.objects.create(name="整合大类")
leaf = Category.objects.create(name="整合小类", parent=top)
user = get_user_model().objects.create(username="cockpit_pg_leader")
Profile.objects.create(user=user, role=Role.LEADER)

def local(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))

# 23:30 and 00:30 local time are the same UTC day (15:30 and 16:30 UTC the day before):
# they must land on two local days.
moments = [local(date(2021, 3, 1), 23, 30), local(date(2021, 3, 2), 0, 30), local(date(2021, 3, 2), 12)]
for index, moment in enumerate(moments):
    made = ticket_register(channel="web", content="整合测试路灯不亮了好几天", citizen_phone="13912345678", address="")
    Ticket.objects.filter(pk=made.pk).update(
        registered_at=moment, region=community, category=leaf, channel="phone"
    )

live = count_tickets(date(2021, 3, 1), date(2021, 3, 2))
rollup_days(date(2021, 3, 1), date(2021, 3, 2))
now = local(date(2021, 3, 3), 9)
period = cockpit.cockpit_period(period="week", end="2021-03-02", today=date(2021, 3, 3))
data = cockpit.cockpit_data(user=user, period=period, now=now)
street_row = next(r for r in data["regions"]["streets"] if r["name"] == "整合街道")
top_row = next(c for c in data["categories"] if c["name"] == "整合大类")
days = {p["end"]: p["count"] for p in cockpit.cockpit_data(
    user=user, period=cockpit.cockpit_period(period="day", end="2021-03-02", today=date(2021, 3, 3)), now=now
)["trend"]}
print("REPORT" + json.dumps({
    "live": {str(day): counter[("total", "")] for day, counter in live.items()},
    "days": {k: v for k, v in days.items() if k in ("2021-03-01", "2021-03-02")},
    "street": street_row["count"],
    "category": top_row["count"],
    "channel": next(c for c in data["channels"] if c["value"] == "phone")["count"],
}))
"""


def test_local_days_rollup_and_breakdowns_on_postgresql(stack):
    env = stack.env_with(CELERY_BROKER_URL=stack.redis_url.rsplit("/", 1)[0] + "/15")
    output = servers.run_python(SCRIPT, env=env, timeout=120)
    lines = [line for line in output.splitlines() if line.startswith("REPORT")]
    assert lines, output[-3000:]
    report = json.loads(lines[0].removeprefix("REPORT"))
    assert report["live"] == {"2021-03-01": 1, "2021-03-02": 2}
    assert report["days"] == {"2021-03-01": 1, "2021-03-02": 2}
    assert report["street"] == 3 and report["category"] == 3
    assert report["channel"] == 3
