"""Routing rules (category × region → lead and assisting units) and classifier versions."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workorders.models.places import may_lead


class RoutingRuleQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class RoutingRule(models.Model):
    """Who handles what where. An empty category or region matches any.

    The most specific matching rule wins: deeper category plus deeper region; ``priority``
    breaks ties (higher first).
    """

    category = models.ForeignKey(
        "workorders.Category", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    region = models.ForeignKey(
        "workorders.Region", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    lead_unit = models.ForeignKey(
        "workorders.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="主办单位"
    )
    assist_units = models.ManyToManyField(
        "workorders.Unit", blank=True, related_name="+", verbose_name="协办单位"
    )
    priority = models.IntegerField(_("优先级"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = RoutingRuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("派单规则")
        verbose_name_plural = _("派单规则")

    def __str__(self) -> str:
        return f"{self.category or '任意分类'} × {self.region or '任意区域'} → {self.lead_unit}"

    def clean(self) -> None:
        # The admin's form: a rule making a community lead outside its duty list would never
        # be used (routing.route_for passes it over), so say so instead of saving it.
        if self.lead_unit_id and not may_lead(self.lead_unit, self.category):
            raise ValidationError(
                {"lead_unit": _("社区/村只能主办管理员允许的分类（在诉求分类中勾选“社区可主办”）")}
            )

    @property
    def specificity(self) -> tuple[int, int]:
        category_depth = self.category.level if self.category_id else 0
        region_depth = self.region.level if self.region_id else 0
        return (category_depth + region_depth, self.priority)


class ClassifierSource(models.TextChoices):
    DATABASE = "database", _("工单库")
    CSV = "csv", _("CSV 文件")
    SEED = "seed", _("演示种子")


class ClassifierOutcome(models.TextChoices):
    # Won the promotion gate (or was the first model) and became active when trained.
    PROMOTED = "promoted", _("已启用")
    # Lost the gate: kept as evidence only, without its artifact.
    REJECTED = "rejected", _("未通过")


class ClassifierVersionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def without_artifact(self):
        # Lists and the admin never need the model bytes (megabytes per row).
        return self.defer("artifact")


class ClassifierVersion(models.Model):
    """One trained classifier: its artifact, how it was trained and how it scored.

    The artifact lives in the database rather than under MEDIA/VAR: web and worker processes on
    several machines read the same bytes, it survives restarts and redeploys, it is written in
    the same transaction as the row that activates it, and backups of the system of record
    include it. A few megabytes per promoted version is nothing for PostgreSQL.
    """

    number = models.PositiveIntegerField(_("版本号"), unique=True)
    created_at = models.DateTimeField(_("训练时间"))
    source = models.CharField(_("训练数据"), max_length=10, choices=ClassifierSource.choices)
    source_name = models.CharField(_("数据说明"), max_length=200, blank=True)
    # Labelled examples used (training + held-out), and how many of them were trained on.
    data_size = models.PositiveIntegerField(_("样本数"))
    train_size = models.PositiveIntegerField(_("训练样本数"))
    # Confirmed labels in the database when trained: the weekly retrain compares against this.
    label_count = models.PositiveIntegerField(_("当时已确认标签数"), default=0)
    # ModelBundle.dumps(); empty for rejected versions (the metrics are the evidence).
    artifact = models.BinaryField(_("模型文件"), blank=True, default=b"", editable=False)
    artifact_size = models.PositiveIntegerField(_("模型大小"), default=0)
    # macro_f1, accuracy, per_label, labels, confusion (first level), ms_per_ticket, n (held-out
    # size), label_macro_f1 (at the trained label depth), active_on_holdout, train_seconds.
    metrics = models.JSONField(_("评估指标"), default=dict)
    outcome = models.CharField(_("结果"), max_length=10, choices=ClassifierOutcome.choices)
    reason = models.TextField(_("原因"), blank=True)
    is_active = models.BooleanField(_("当前启用"), default=False)
    activated_at = models.DateTimeField(_("启用时间"), null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ClassifierVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("分类模型版本")
        verbose_name_plural = _("分类模型版本")
        ordering = ["-number"]
        constraints = [
            # get_classifier() loads "the" active version: never two.
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="classifier_one_active"
            ),
            models.CheckConstraint(
                condition=Q(is_active=False) | ~Q(artifact_size=0),
                name="classifier_active_has_artifact",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.number} ({self.get_source_display()})"
