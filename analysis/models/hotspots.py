"""Hotspots (四高): the rules an administrator edits, and what the daily task recorded."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class HotspotSettings(models.Model):
    """The one row of hotspot rules (pk 1), edited in the Django admin. The source for the four
    definitions is weak, so every threshold is here rather than in code; each save records who
    and when, and keeps the previous values as a HotspotSettingsVersion."""

    SINGLETON_PK = 1

    # --- baseline (all kinds) ---
    baseline_periods = models.PositiveSmallIntegerField(
        _("基线期数"),
        default=8,
        validators=[MinValueValidator(2), MaxValueValidator(52)],
        help_text=_("与本期比较的往期个数：每期与本期等长、相隔整周，星期构成相同。"),
    )
    min_expected = models.FloatField(
        _("最小期望值"),
        default=0.5,
        validators=[MinValueValidator(0.01)],
        help_text=_("无历史的单元按此期望值计算，避免新出现的少量诉求被当作激增。"),
    )
    false_discovery_rate = models.FloatField(
        _("错误发现率"),
        default=0.05,
        validators=[MinValueValidator(0.0001), MaxValueValidator(0.5)],
        help_text=_("Benjamini–Hochberg 控制的误报比例上限。"),
    )
    count_distinct_callers = models.BooleanField(
        _("按来电人去重"),
        default=True,
        help_text=_("同一电话号码在一期内同一单元只计一次；匿名工单各计一次。"),
    )
    rollup_share = models.FloatField(
        _("上级单元归并比例"),
        default=0.8,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("下级单元已解释上级单元超出部分的这一比例时，上级单元不再单独列出。"),
    )
    # --- 数量高企 surging ---
    surge_min_count = models.PositiveIntegerField(_("激增最少诉求人数"), default=12)
    surge_min_ratio = models.FloatField(
        _("激增最低倍数"), default=3.0, validators=[MinValueValidator(1.0)]
    )
    # --- 高频 frequent ---
    frequent_top = models.PositiveSmallIntegerField(_("高频列出个数"), default=10)
    frequent_min_count = models.PositiveIntegerField(_("高频最少诉求人数"), default=12)
    frequent_category_level = models.PositiveSmallIntegerField(
        _("高频分类层级"), default=2, validators=[MinValueValidator(1)]
    )
    frequent_region_level = models.PositiveSmallIntegerField(
        _("高频区域层级"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(3)],
        help_text=_("1 区，2 街道/乡镇，3 社区/村。"),
    )
    # --- 高度集中 concentrated ---
    concentrated_min_callers = models.PositiveIntegerField(_("集中最少诉求人数"), default=5)
    concentrated_min_share = models.FloatField(
        _("集中最低占比"),
        default=0.3,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text=_("同一地点的诉求人数占该分类在该社区/街道诉求人数的比例下限。"),
    )
    concentrated_point_meters = models.PositiveIntegerField(_("同一地点半径（米）"), default=100)
    # --- 高度危险 dangerous ---
    dangerous_categories = models.ManyToManyField(
        "workorders.Category",
        blank=True,
        related_name="+",
        verbose_name=_("危险类分类"),
        help_text=_("这些分类（含下级）的全部诉求按危险类计；其他分类只计紧急、加急工单。"),
    )
    dangerous_min_count = models.PositiveIntegerField(_("危险最少诉求人数"), default=3)
    dangerous_min_ratio = models.FloatField(
        _("危险最低倍数"), default=2.0, validators=[MinValueValidator(1.0)]
    )
    # --- clusters ---
    cluster_window_days = models.PositiveSmallIntegerField(
        _("聚类时间窗（天）"), default=7, validators=[MinValueValidator(1), MaxValueValidator(90)]
    )
    cluster_min_size = models.PositiveSmallIntegerField(
        _("聚类最少工单数"), default=3, validators=[MinValueValidator(2)]
    )
    # Low on purpose: two linked tickets already share the category and the place; the text
    # only has to tell two problems of one category at one building apart (bench/hotspots.py);
    # the same level from which the duplicate suggestions show a candidate (DUPLICATE_MIN_TEXT).
    cluster_min_text = models.FloatField(
        _("聚类文本相似度"), default=0.12, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    cluster_min_place = models.FloatField(
        _("聚类地址相似度"), default=0.6, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    # --- the daily record ---
    record_window_days = models.PositiveSmallIntegerField(
        _("每日记录的统计期（天）"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("每日任务记录截至当天的这些天的热点，趋势按它逐日比较。"),
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("修改人"),
        editable=False,
    )

    class Meta:
        verbose_name = _("热点规则")
        verbose_name_plural = _("热点规则")

    def __str__(self) -> str:
        return str(_("热点规则"))

    def save(self, *args, **kwargs):
        self.pk = self.SINGLETON_PK  # there is one set of rules
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> "HotspotSettings":
        rules, _created = cls.objects.get_or_create(pk=cls.SINGLETON_PK)
        return rules

    def values(self) -> dict:
        """The rules as plain values (what a version keeps, and what the page shows)."""
        data = {
            field.name: getattr(self, field.name)
            for field in self._meta.concrete_fields
            if field.name not in ("id", "updated_at", "updated_by")
        }
        data["dangerous_categories"] = sorted(
            self.dangerous_categories.values_list("pk", flat=True)
        )
        return data


class HotspotSettingsVersion(models.Model):
    """The rules as they were before a change: who changed them, when, and the old values."""

    changed_at = models.DateTimeField(_("修改时间"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    values = models.JSONField(_("规则"))

    class Meta:
        verbose_name = _("热点规则版本")
        verbose_name_plural = _("热点规则版本")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.changed_at:%Y-%m-%d %H:%M}"


class HotspotKind(models.TextChoices):
    SURGING = "surging", _("数量高企")
    FREQUENT = "frequent", _("高频")
    CONCENTRATED = "concentrated", _("高度集中")
    DANGEROUS = "dangerous", _("高度危险")


class HotspotRecord(models.Model):
    """One hotspot of one day, as the daily task found it over the ``period_days`` ending that
    day. Re-running a day replaces its rows; the rows of consecutive days tell when a hotspot
    started and whether it is falling."""

    day = models.DateField(_("日期"))
    period_days = models.PositiveSmallIntegerField(_("统计期（天）"))
    kind = models.CharField(_("类型"), max_length=20, choices=HotspotKind.choices)
    category = models.ForeignKey("workorders.Category", on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey("workorders.Region", on_delete=models.CASCADE, related_name="+")
    # The spot of a concentrated hotspot (a normalised address or a point), "" otherwise.
    spot = models.CharField(_("地点"), max_length=200, blank=True)
    count = models.PositiveIntegerField(_("诉求人数"))
    expected = models.FloatField(_("期望值"))
    score = models.FloatField(_("得分"))
    p_value = models.FloatField(default=1.0)
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("热点记录")
        verbose_name_plural = _("热点记录")
        ordering = ["-day", "-score"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "kind", "category", "region", "spot"],
                name="hotspot_record_unique_cell_day",
            )
        ]
        indexes = [
            # The page's history: one cell's days, newest first.
            models.Index(fields=["category", "region", "kind", "day"], name="hotspot_cell_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.category_id}×{self.region_id}"
