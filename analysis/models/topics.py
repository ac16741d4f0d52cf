"""每月一题 (the monthly topic): one hard problem a month that the city sets out to solve at the
root, defined by categories, regions and keywords, with a lead unit, assisting units, goals and
the problems listed under it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MonthlyTopic(models.Model):
    # The first day of the calendar month the topic belongs to.
    month = models.DateField(_("月份"))
    title = models.CharField(_("题目"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    # What the topic is about. A ticket belongs to it when it matches the "what" (one of the
    # categories or below, or one of the keywords in its title or content) and the "where"
    # (one of the regions or below); a dimension left empty does not restrict
    # (analysis.topics.topic_tickets).
    categories = models.ManyToManyField(
        "workorders.Category", blank=True, related_name="+", verbose_name=_("类别")
    )
    regions = models.ManyToManyField(
        "workorders.Region", blank=True, related_name="+", verbose_name=_("区域")
    )
    keywords = models.TextField(_("关键词"), blank=True, help_text=_("每行一个"))
    lead_unit = models.ForeignKey(
        "workorders.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("牵头单位")
    )
    assist_units = models.ManyToManyField(
        "workorders.Unit", blank=True, related_name="+", verbose_name=_("配合单位")
    )
    goal = models.TextField(_("目标"))
    # An optional numeric goal: weekly volume since the topic's month this much below the
    # weekly volume before it (e.g. 30 for "reduce volume by 30%").
    target_reduction = models.PositiveSmallIntegerField(
        _("诉求量下降目标（%）"), null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("每月一题")
        verbose_name_plural = _("每月一题")
        ordering = ["-month", "-id"]
        indexes = [models.Index(fields=["month"], name="topic_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.title}"

    @property
    def keyword_list(self) -> list[str]:
        return [word.strip() for word in self.keywords.splitlines() if word.strip()]


class ProblemStatus(models.TextChoices):
    # Listed, nobody has started.
    OPEN = "open", _("待推进")
    # The owner unit is working on it.
    IN_PROGRESS = "in_progress", _("推进中")
    # Solved at the root.
    SOLVED = "solved", _("已解决")


class TopicProblem(models.Model):
    """One problem listed under a topic (问题清单), owned by one unit."""

    topic = models.ForeignKey(MonthlyTopic, on_delete=models.CASCADE, related_name="problems")
    title = models.CharField(_("问题"), max_length=200)
    owner_unit = models.ForeignKey(
        "workorders.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("责任单位")
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=ProblemStatus.choices, default=ProblemStatus.OPEN
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("问题清单")
        verbose_name_plural = _("问题清单")
        ordering = ["topic", "id"]

    def __str__(self) -> str:
        return self.title


class TopicProblemNote(models.Model):
    """A progress note on a problem: its history, never edited."""

    problem = models.ForeignKey(TopicProblem, on_delete=models.CASCADE, related_name="notes")
    text = models.TextField(_("进展"))
    # The status the problem had after this note.
    status = models.CharField(max_length=12, choices=ProblemStatus.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit = models.ForeignKey(
        "workorders.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("问题进展")
        verbose_name_plural = _("问题进展")
        ordering = ["problem", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.problem_id}: {self.text[:20]}"
