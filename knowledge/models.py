"""The knowledge base (知识库): answers the units keep current, searched on the line and by the
public (Beijing's hotline regulation, art. 31)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    PUBLIC = "public", _("公开")  # anyone, on /knowledge/ and the submit form
    INTERNAL = "internal", _("内部")  # hotline and unit staff only
    DRAFT = "draft", _("草稿")  # the owning unit and administrators only, never suggested
    ARCHIVED = "archived", _("已归档")  # kept for the record, never suggested


PUBLISHED = (Visibility.PUBLIC, Visibility.INTERNAL)

# The fields a version records and a restore puts back.
VERSIONED_FIELDS = (
    "title",
    "body",
    "category",
    "keywords",
    "unit",
    "visibility",
    "valid_from",
    "valid_until",
    "review_on",
)


class EntryQuerySet(models.QuerySet):
    def published(self):
        return self.filter(visibility__in=PUBLISHED)

    def in_force(self, *, today):
        """Valid on ``today``: what may be suggested."""
        return self.filter(
            models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=today),
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=today),
        )

    def needing_attention(self, *, today):
        """Published entries whose review date has come or whose validity has ended."""
        return self.published().filter(
            models.Q(review_on__lte=today) | models.Q(valid_until__lt=today)
        )


class Entry(models.Model):
    title = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("答复内容"), blank=True)
    category = models.ForeignKey(
        "workorders.Category",
        verbose_name=_("分类"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # One per line or comma; synonyms joined by "=": "暖气=供暖=采暖".
    keywords = models.TextField(_("关键词与同义词"), blank=True)
    # Who keeps it current; empty: the hotline center (administrators).
    unit = models.ForeignKey(
        "workorders.Unit",
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    visibility = models.CharField(
        _("可见范围"), max_length=10, choices=Visibility.choices, default=Visibility.DRAFT
    )
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_until = models.DateField(_("失效日期"), null=True, blank=True)
    review_on = models.DateField(_("复核日期"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("知识条目")
        verbose_name_plural = _("知识条目")
        indexes = [
            # The search index's freshness check: max(updated_at) and count() on every search.
            models.Index(fields=["updated_at"], name="knowledge_entry_updated"),
            # A unit's list and its workbench panel (due for review, expired).
            models.Index(fields=["unit", "visibility"], name="knowledge_entry_unit"),
        ]

    def __str__(self) -> str:
        return self.title or f"#{self.pk}"


class EntryVersion(models.Model):
    """Every change to an entry: who, when, which fields, and the entry as it was after it."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本"))
    snapshot = models.JSONField(default=dict)  # VERSIONED_FIELDS, foreign keys as ids
    changed = models.JSONField(default=list)  # names of the fields this version changed
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("知识条目版本")
        verbose_name_plural = _("知识条目版本")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "number"], name="knowledge_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} v{self.number}"


class EntryUse(models.Model):
    """An entry whose answer went into a ticket's reply (the desk's or a unit's)."""

    ticket = models.ForeignKey("workorders.Ticket", on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="uses")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    used_at = models.DateTimeField()

    class Meta:
        verbose_name = _("知识引用")
        verbose_name_plural = _("知识引用")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "entry"], name="knowledge_use_unique")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} ← {self.entry_id}"


class Search(models.Model):
    """One search, to list the questions the knowledge base does not answer well."""

    class Source(models.TextChoices):
        PUBLIC = "public", _("公众查询")
        DESK = "desk", _("话务台")
        TICKET = "ticket", _("工单页")
        SUBMIT = "submit", _("提交诉求页")
        API = "api", _("接口")

    query = models.CharField(_("查询内容"), max_length=300)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    results = models.PositiveSmallIntegerField(_("结果数"), default=0)
    top_score = models.FloatField(_("最高得分"), default=0)
    # Set when the searcher opened or used one of the results.
    clicked = models.ForeignKey(
        Entry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("知识查询记录")
        verbose_name_plural = _("知识查询记录")
        indexes = [
            # The administrators' list of searches without a click, newest first.
            models.Index(fields=["clicked", "-created_at"], name="knowledge_search_unclicked")
        ]

    def __str__(self) -> str:
        return self.query
