"""What the hotspot page (四高) and the cockpit's "当前热点与聚类" should have to show in the demo.

The demo's background requests are spread thinly over 36 categories and 16 streets, so no cell
ever stands out: a new user would see an empty page. A real centre's last weeks always have a
few of these, so the demo plays them too, as ordinary requests through the same services:

- an incident: one building of 阳光花园 in 江滩街道 without water for three days (its booster
  pump broke), ten neighbours calling in their own words, most still being handled — a cluster,
  and a 高度集中 spot;
- a surge: a metro construction site near 锦华街道 started working at night six days ago; noise
  complaints from the street's compounds rose from about two a week to fifteen — 数量高企;
- a dangerous rise: four households of one compound in 石门街道 smelling gas in two days — 高度危险.

Each is a list of ``Script`` plans (what is said, where, when, how far it gets) that
``demo.tickets.History`` plays like its other plans.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from demo import data
from workorders.models import Status

S = Status


@dataclass
class Script:
    """A request whose words and place are given (the rest — caller, channel — is drawn)."""

    title: str
    content: str
    address: str
    leaf: str  # the category the words are about (the dispatcher's choice if triage asks)


def _street(name: str):
    return next((d, s) for d in data.DISTRICTS for s in d.streets if s.name == name)


def _at(today: datetime, days_ago: int, hour: int, rng: random.Random) -> datetime:
    return today - timedelta(days=days_ago) + timedelta(hours=hour, seconds=rng.randrange(3600))


# --- the incident: one building without water ----------------------------------------------------

OUTAGE_STREET, OUTAGE_COMMUNITY, OUTAGE_PLACE = "江滩街道", "望江社区", "阳光花园3号楼"
OUTAGE_CALLS = (
    ("阳光花园3号楼停水", "{addr}，3号楼从今天早上开始停水，整栋楼都没有水，物业说是水泵坏了，请问什么时候恢复供水？"),
    ("3号楼高层停水", "{addr}，3号楼今天一早就停水了，水龙头一滴水都没有，家里有老人，请尽快恢复供水。"),
    ("3号楼整栋楼突然停水", "{addr}，3号楼整栋楼突然停水，事先没有任何通知，请尽快安排维修恢复供水。"),
    ("3号楼水泵故障停水", "{addr}，3号楼二次供水的水泵坏了，中高层住户全部停水，请供水公司尽快抢修恢复供水。"),
    ("3号楼停水一整天", "{addr}，3号楼停水一整天了，物业电话没人接，请问什么时候恢复供水？"),
    ("3号楼停水第二天", "{addr}，3号楼昨天早上开始停水，到现在还没有恢复供水，只能下楼接水，请加快维修水泵。"),
    ("3号楼停水两天了", "{addr}，3号楼停水两天了，老人提不动水，希望先安排送水，尽快修好水泵恢复供水。"),
    ("3号楼水压太低", "{addr}，3号楼停水后低楼层只有一点点水，水压太低，楼上邻居完全没水，请尽快恢复供水。"),
    ("3号楼停水三天", "{addr}，3号楼连续三天停水了，说好今天修好水泵还是没有来水，请尽快恢复供水。"),
    ("阳光花园3号楼停水未解决", "{addr}，3号楼停水问题已经反映过了，至今没有恢复供水，请问水泵维修到底要多久？"),
)  # fmt: skip
# Ten calls from the morning the pump broke to yesterday (days ago, hour), and how far each got:
# the first were dispatched and worked on at once, the latest are still waiting.
OUTAGE_TIMES = ((3, 7), (3, 8), (3, 8), (3, 9), (3, 12), (2, 8), (2, 10), (2, 19), (1, 9), (1, 20))
OUTAGE_OUTCOMES = (
    S.IN_PROGRESS, S.IN_PROGRESS, S.FOLLOW_UP, S.IN_PROGRESS, S.IN_PROGRESS,
    S.ACCEPTED, S.IN_PROGRESS, S.ACCEPTED, S.DISPATCHED, S.DISPATCHED,
)  # fmt: skip


def _outage(today: datetime, rng: random.Random) -> list[tuple[datetime, str, Script]]:
    district, street = _street(OUTAGE_STREET)
    plans = []
    for index, ((title, content), (days_ago, hour), outcome) in enumerate(
        zip(OUTAGE_CALLS, OUTAGE_TIMES, OUTAGE_OUTCOMES, strict=True)
    ):
        # The operator notes the building; now and then a caller's own flat as they say it.
        flat = f"{rng.randint(1, 4)}单元{rng.randint(2, 18)}0{rng.randint(1, 4)}室"
        address = f"{district.name}{street.name}{OUTAGE_COMMUNITY}{OUTAGE_PLACE}"
        address += flat if index % 3 == 2 else ""
        plans.append(
            (
                _at(today, days_ago, hour, rng),
                outcome,
                Script(title, content.format(addr=address), address, "自来水供应"),
            )
        )
    return plans


# --- the surge: night construction noise in one street ------------------------------------------

SURGE_STREET = "锦华街道"
SURGE_CALLS = (
    ("地铁工地夜间施工噪音", "{addr}附近的地铁工地这几天每天晚上都在施工，打桩声一直响到凌晨两三点，噪音太大根本睡不着。"),
    ("工地半夜施工扰民", "{addr}旁边工地半夜还在作业，机器轰鸣，噪声扰民，请查一查有没有夜间施工许可。"),
    ("夜间施工噪音严重", "{addr}最近一周每晚十一点以后工地还在施工，噪音很大，家里孩子要高考，影响休息。"),
    ("凌晨施工噪声扰民", "{addr}凌晨一点多还能听到工地破碎机的噪声，连续好几天了，老人心脏不好受不了。"),
    ("工地噪音影响睡眠", "{addr}晚上工地渣土车进进出出，还有施工噪音，整晚都睡不好，希望夜间停工。"),
    ("夜间施工噪音扰民", "{addr}这几天夜里工地一直施工，窗户关上也能听到噪音，已经严重扰民。"),
)  # fmt: skip
SURGE_CALLERS = 15  # in the six days since the night work began (normally about two a week)


def _surge(today: datetime, rng: random.Random) -> list[tuple[datetime, str, Script]]:
    district, street = _street(SURGE_STREET)
    plans = []
    # The usual rhythm of the weeks before: one to three noise complaints a week, mostly settled.
    for week in range(1, 9):
        for _ in range(rng.choice((1, 2, 2, 3))):
            days_ago = 7 * week + rng.randrange(7)
            if days_ago >= 59:
                continue
            title, content = rng.choice(data.TEMPLATES["噪音扰民"])
            place = rng.choice(data.COMPOUNDS)
            community = rng.choice(street.communities)
            address = f"{district.name}{street.name}{community}{place}{rng.randint(1, 24)}号楼"
            when = _at(today, days_ago, rng.choice((9, 14, 19, 20, 21)), rng)
            outcome = S.CLOSED if days_ago > 10 else rng.choice((S.FOLLOW_UP, S.CLOSED))
            text = {"addr": address, "place": place}
            plans.append(
                (
                    when,
                    outcome,
                    Script(title.format(**text), content.format(**text), address, "噪音扰民"),
                )
            )
    # The night work: callers from compounds all over the street, at night and the next morning.
    compounds = rng.sample(data.COMPOUNDS, SURGE_CALLERS)
    for index, place in enumerate(compounds):
        title, content = SURGE_CALLS[index % len(SURGE_CALLS)]
        community = rng.choice(street.communities)
        address = f"{district.name}{street.name}{community}{place}{rng.randint(1, 24)}号楼"
        days_ago = 1 + index * 6 // SURGE_CALLERS  # 1..6 days ago, most in the last days
        when = _at(today, days_ago, rng.choice((0, 1, 7, 8, 22, 23)), rng)
        if days_ago >= 4:
            outcome = rng.choice((S.IN_PROGRESS, S.FOLLOW_UP, S.FOLLOW_UP))
        else:
            outcome = rng.choice((S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS))
        plans.append(
            (when, outcome, Script(title, content.format(addr=address), address, "噪音扰民"))
        )
    return plans


# --- the dangerous rise: gas smell in one compound ----------------------------------------------

GAS_STREET, GAS_COMMUNITY, GAS_PLACE = "石门街道", "矿机社区", "铁路宿舍"
GAS_CALLS = (
    ("楼道里有燃气味", "{addr}楼道里一股很浓的燃气味，不知道是哪家漏气，请赶快派人来查！"),
    ("闻到煤气味", "{addr}晚上回家在单元门口就闻到煤气味，担心燃气管道漏气，请尽快检查。"),
    ("疑似燃气管道漏气", "{addr}楼下的燃气管道好像漏气了，燃气味越来越重，老小区管道很旧了。"),
    ("燃气味又出现了", "{addr}昨天反映过楼里有燃气味，今天又闻到了，请燃气公司彻底排查一下。"),
)  # fmt: skip


def _gas(today: datetime, rng: random.Random) -> list[tuple[datetime, str, Script]]:
    district, street = _street(GAS_STREET)
    plans = []
    for index, (title, content) in enumerate(GAS_CALLS):
        address = f"{district.name}{street.name}{GAS_COMMUNITY}{GAS_PLACE}{index + 2}号楼"
        days_ago = 2 if index < 2 else 1
        when = _at(today, days_ago, rng.choice((8, 18, 20)), rng)
        outcome = S.FOLLOW_UP if index < 2 else S.IN_PROGRESS  # emergencies go fast
        plans.append(
            (when, outcome, Script(title, content.format(addr=address), address, "燃气供应"))
        )
    return plans


def hotspot_scripts(now: datetime, rng: random.Random) -> list[tuple[datetime, str, Script]]:
    """(registered at, outcome, script) of the demo's incident, surge and dangerous rise."""
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    plans = _outage(today, rng) + _surge(today, rng) + _gas(today, rng)
    return [plan for plan in plans if plan[0] < now - timedelta(hours=1)]
