"""Routing rules: category × region → lead and assisting units."""

from django.db import models


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
    priority = models.IntegerField("优先级 (priority)", default=0)
    is_active = models.BooleanField("启用 (active)", default=True)
    note = models.CharField("说明 (note)", max_length=200, blank=True)

    objects = RoutingRuleQuerySet.as_manager()

    class Meta:
        verbose_name = "派单规则 (routing rule)"
        verbose_name_plural = "派单规则 (routing rules)"

    def __str__(self) -> str:
        return f"{self.category or '任意分类'} × {self.region or '任意区域'} → {self.lead_unit}"

    @property
    def specificity(self) -> tuple[int, int]:
        category_depth = self.category.level if self.category_id else 0
        region_depth = self.region.level if self.region_id else 0
        return (category_depth + region_depth, self.priority)
