"""The cockpit's "this month's topic" section: the topic(s) of the cockpit's month with their
volume change and problems solved."""

from django.utils import timezone

from analysis.cockpit_sections import CockpitSection, register_cockpit_sections
from analysis.models.topics import ProblemStatus
from analysis.proactive.cockpit import month_bounds
from analysis.topics import selectors
from analysis.topics.services import TOPIC_READERS
from workorders.access import role_of
from workorders.models import Role


def context(user, period=None) -> dict | None:
    if role_of(user) not in (*TOPIC_READERS, Role.ADMIN):
        return None
    start, _end = month_bounds(period)
    month = timezone.localtime(start).date()
    topics = []
    for topic in selectors.topic_of_month(user=user, month=month):
        problems = list(topic.problems.all())
        topics.append(
            {
                "topic": topic,
                "volume": selectors.topic_volume(topic=topic),
                "problems": len(problems),
                "solved": sum(1 for p in problems if p.status == ProblemStatus.SOLVED),
            }
        )
    return {"month": month, "topics": topics}


SECTIONS = (
    CockpitSection(
        name="monthly_topic", template="analysis/cockpit/_topic.html", context=context, order=70
    ),
)


def register() -> None:
    register_cockpit_sections(*SECTIONS)
