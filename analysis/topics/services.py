"""每月一题: opening and editing a monthly topic, the problems listed under it and their progress.

Leaders (and administrators) open and edit topics and list problems; the unit owning a problem
reports its progress. Every change of a problem is a note (TopicProblemNote): its history."""

import re
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from analysis.models import MonthlyTopic, TopicProblem, TopicProblemNote
from analysis.models.topics import ProblemStatus
from hotline.lib.errors import InvalidInput, NotAllowed, NotFound
from workorders.access import require_role, role_of, unit_of
from workorders.models import Category, Region, Role, Unit

# Who opens and edits topics (administrators may do everything).
TOPIC_EDITORS = (Role.LEADER,)
# Who sees topics: the editors, dispatchers, and the staff of the units involved in a topic.
TOPIC_READERS = (Role.LEADER, Role.DISPATCHER, Role.UNIT_STAFF)
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
MAX_KEYWORDS = 30
# Largest primary key a database column holds: a bigger number cannot name a row, and passing it
# to the database fails (SQLite raises OverflowError, PostgreSQL "out of range") instead of
# finding nothing.
MAX_PK = 2**63 - 1


def can_edit(user) -> bool:
    return role_of(user) in (*TOPIC_EDITORS, Role.ADMIN)


def involved_unit_ids(topic: MonthlyTopic) -> set[int]:
    ids = {topic.lead_unit_id}
    ids |= set(topic.assist_units.values_list("pk", flat=True))
    ids |= set(topic.problems.values_list("owner_unit_id", flat=True))
    return ids


def topic_get_for_user(*, user, pk) -> MonthlyTopic:
    """The topic, if ``user`` may see it: 403 for roles without topics, 404 for a unit that is
    not involved in it (or a topic that does not exist)."""
    role = require_role(user, *TOPIC_READERS)
    try:
        topic = MonthlyTopic.objects.select_related("lead_unit").get(pk=int(pk))
    except (MonthlyTopic.DoesNotExist, TypeError, ValueError):
        raise NotFound(_("该题目不存在或无权查看")) from None
    if role == Role.UNIT_STAFF:
        unit = unit_of(user)
        if unit is None or unit.pk not in involved_unit_ids(topic):
            raise NotFound(_("该题目不存在或无权查看"))
    return topic


def parse_month(value, errors: dict) -> date | None:
    text = str(value or "").strip()
    match = MONTH.match(text)
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return date(year, month, 1)
    errors["month"] = [_("月份格式应为 YYYY-MM")]
    return None


def _ids(model, values, field: str, errors: dict, *, label: str) -> list:
    if values in (None, ""):
        return []
    if not isinstance(values, list | tuple):
        values = [values]
    try:
        ids = sorted({int(value) for value in values})
    except (TypeError, ValueError):
        errors[field] = [_("%(label)s无效") % {"label": label}]
        return []
    found = list(model.objects.filter(pk__in=[pk for pk in ids if 0 < pk <= MAX_PK]))
    if len(found) != len(ids):
        known = {item.pk for item in found}
        missing = [str(pk) for pk in ids if pk not in known]
        errors[field] = [
            _("%(label)s不存在：%(ids)s") % {"label": label, "ids": "、".join(missing)}
        ]
    return found


def _unit(value, field: str, errors: dict, *, label: str) -> Unit | None:
    try:
        unit = Unit.objects.filter(pk=int(value), is_active=True).first()
    except (TypeError, ValueError):
        unit = None
    if unit is None:
        errors[field] = [_("请选择%(label)s") % {"label": label}]
    return unit


def _keywords(value, errors: dict) -> str:
    if isinstance(value, list | tuple):
        words = [str(word).strip() for word in value]
    else:
        words = [word.strip() for word in re.split(r"[\n,，、;；]", str(value or ""))]
    words = list(dict.fromkeys(word for word in words if word))
    if len(words) > MAX_KEYWORDS or any(len(word) > 30 for word in words):
        errors["keywords"] = [
            _("关键词最多 %(count)s 个，每个不超过 30 字") % {"count": MAX_KEYWORDS}
        ]
    return "\n".join(words)


def _text(value, field, errors, *, label, minimum, maximum) -> str:
    text = str(value or "").strip()
    if not minimum <= len(text) <= maximum:
        errors[field] = [
            _("请填写%(label)s（%(minimum)s 到 %(maximum)s 字）")
            % {"label": label, "minimum": minimum, "maximum": maximum, "field": field}
        ]
    return text


def _target(value, errors: dict) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if not 1 <= number <= 100:
        errors["target_reduction"] = [_("下降目标应为 1 到 100 之间的整数（%）")]
        return None
    return number


FIELDS = (
    "month",
    "title",
    "description",
    "categories",
    "regions",
    "keywords",
    "lead_unit",
    "assist_units",
    "goal",
    "target_reduction",
)


def _clean(data: dict, *, partial: bool) -> tuple[dict, dict]:
    """The given fields checked, every error at once: ({field: value}, {m2m field: objects})."""
    errors: dict[str, list[str]] = {}
    values, many = {}, {}
    given = {name: data[name] for name in FIELDS if name in data}
    if not partial:
        for name in ("month", "title", "lead_unit", "goal"):
            given.setdefault(name, None)
    if "month" in given:
        values["month"] = parse_month(given["month"], errors)
    if "title" in given:
        values["title"] = _text(
            given["title"], "title", errors, label=_("题目"), minimum=2, maximum=100
        )
    if "description" in given:
        values["description"] = _text(
            given["description"], "description", errors, label=_("说明"), minimum=0, maximum=5000
        )
    if "goal" in given:
        values["goal"] = _text(
            given["goal"], "goal", errors, label=_("目标"), minimum=2, maximum=2000
        )
    if "keywords" in given:
        values["keywords"] = _keywords(given["keywords"], errors)
    if "target_reduction" in given:
        values["target_reduction"] = _target(given["target_reduction"], errors)
    if "lead_unit" in given:
        values["lead_unit"] = _unit(given["lead_unit"], "lead_unit", errors, label=_("牵头单位"))
    if "categories" in given:
        many["categories"] = _ids(
            Category, given["categories"], "categories", errors, label=_("类别")
        )
    if "regions" in given:
        many["regions"] = _ids(Region, given["regions"], "regions", errors, label=_("区域"))
    if "assist_units" in given:
        many["assist_units"] = _ids(
            Unit, given["assist_units"], "assist_units", errors, label=_("配合单位")
        )
    if errors:
        raise InvalidInput(_("提交的内容有误，请检查后重试"), fields=errors)
    return values, many


def _require_definition(topic_values: dict, many: dict, topic: MonthlyTopic | None) -> None:
    """A topic needs something that says which tickets are its own."""

    def has(name):
        if name in many:
            return bool(many[name])
        return topic is not None and getattr(topic, name).exists()

    keywords = topic_values.get("keywords", topic.keywords if topic else "")
    if not (has("categories") or has("regions") or keywords):
        message = _("请至少选择一个类别、区域或填写一个关键词，用于统计本题目的诉求")
        raise InvalidInput(message, fields={"categories": [message]})


def topic_create(*, actor, **data) -> MonthlyTopic:
    require_role(actor, *TOPIC_EDITORS)
    values, many = _clean(data, partial=False)
    _require_definition(values, many, None)
    now = timezone.now()
    with transaction.atomic():
        topic = MonthlyTopic.objects.create(
            **values, created_by=actor, created_at=now, updated_at=now
        )
        for name, objects in many.items():
            getattr(topic, name).set(objects)
    return topic


def topic_update(*, actor, topic_id: int, **data) -> MonthlyTopic:
    require_role(actor, *TOPIC_EDITORS)
    topic = topic_get_for_user(user=actor, pk=topic_id)
    values, many = _clean(data, partial=True)
    _require_definition(values, many, topic)
    with transaction.atomic():
        topic = MonthlyTopic.objects.select_for_update().get(pk=topic.pk)
        for name, value in values.items():
            setattr(topic, name, value)
        topic.updated_at = timezone.now()
        topic.save()
        for name, objects in many.items():
            getattr(topic, name).set(objects)
    return topic


def problem_add(*, actor, topic_id: int, title: str, owner_unit, note: str = "") -> TopicProblem:
    """List a problem under the topic (leaders, administrators, the lead unit's staff)."""
    topic = topic_get_for_user(user=actor, pk=topic_id)
    unit = unit_of(actor)
    if not can_edit(actor) and (unit is None or unit.pk != topic.lead_unit_id):
        raise NotAllowed(_("只有领导或牵头单位可以添加问题"))
    errors: dict[str, list[str]] = {}
    title = _text(title, "title", errors, label=_("问题"), minimum=2, maximum=200)
    note = _text(note, "note", errors, label=_("进展"), minimum=0, maximum=2000)
    owner = _unit(owner_unit, "owner_unit", errors, label=_("责任单位"))
    if errors:
        raise InvalidInput(_("提交的内容有误，请检查后重试"), fields=errors)
    now = timezone.now()
    with transaction.atomic():
        problem = TopicProblem.objects.create(
            topic=topic, title=title, owner_unit=owner, created_at=now, updated_at=now
        )
        TopicProblemNote.objects.create(
            problem=problem,
            text=note or _("列入问题清单"),
            status=problem.status,
            author=actor,
            unit=unit,
            created_at=now,
        )
    return problem


def problem_update(
    *,
    actor,
    topic_id: int,
    problem_id: int,
    status: str = "",
    note: str = "",
    title: str | None = None,
    owner_unit=None,
) -> TopicProblem:
    """Report progress (a note, maybe a new status): the owner unit's staff or an editor; an
    editor may also rename the problem or give it to another unit."""
    topic = topic_get_for_user(user=actor, pk=topic_id)
    problem = topic.problems.filter(pk=problem_id).first() if str(problem_id).isdigit() else None
    if problem is None:
        raise NotFound(_("该问题不存在"))
    unit = unit_of(actor)
    editor = can_edit(actor)
    if not editor and (unit is None or unit.pk != problem.owner_unit_id):
        raise NotAllowed(_("只有责任单位或领导可以更新该问题的进展"))
    errors: dict[str, list[str]] = {}
    if status and status not in ProblemStatus.values:
        errors["status"] = [_("状态无效")]
    note = _text(note, "note", errors, label=_("进展"), minimum=2, maximum=2000)
    changes: dict = {}
    if title is not None or owner_unit is not None:
        if not editor:
            raise NotAllowed(_("只有领导可以修改问题或责任单位"))
        if title is not None:
            changes["title"] = _text(
                title, "title", errors, label=_("问题"), minimum=2, maximum=200
            )
        if owner_unit is not None:
            changes["owner_unit"] = _unit(owner_unit, "owner_unit", errors, label=_("责任单位"))
    if errors:
        raise InvalidInput(_("提交的内容有误，请检查后重试"), fields=errors)
    now = timezone.now()
    with transaction.atomic():
        problem = TopicProblem.objects.select_for_update().get(pk=problem.pk)
        for name, value in changes.items():
            setattr(problem, name, value)
        if status:
            problem.status = status
        problem.updated_at = now
        problem.save()
        TopicProblemNote.objects.create(
            problem=problem,
            text=note,
            status=problem.status,
            author=actor,
            unit=unit,
            created_at=now,
        )
    return problem
