"""Where and who: regions, units and the category tree that tickets refer to."""

from django.db import models


class Region(models.Model):
    class Level(models.IntegerChoices):
        CITY = 0, "市 (city)"
        DISTRICT = 1, "区 (district)"
        STREET = 2, "街道/乡镇 (street/town)"
        COMMUNITY = 3, "社区/村 (community)"

    name = models.CharField("名称 (name)", max_length=60)
    level = models.IntegerField("层级 (level)", choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Other names citizens use ("朝阳" for "朝阳区"); one per line. Read by the region matcher.
    aliases = models.TextField("别名 (aliases)", blank=True)

    class Meta:
        verbose_name = "区域 (region)"
        verbose_name_plural = "区域 (regions)"
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="region_unique_name_in_parent")
        ]

    def __str__(self) -> str:
        return self.name

    def ancestors_and_self(self) -> list["Region"]:
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    @property
    def full_name(self) -> str:
        return " › ".join(r.name for r in reversed(self.ancestors_and_self()) if r.level > 0)


class Unit(models.Model):
    class Kind(models.TextChoices):
        DISTRICT = "district", "区政府 (district government)"
        STREET = "street", "街道/乡镇 (street/town office)"
        COMMUNITY = "community", "社区/村 (community)"
        DEPARTMENT = "department", "市级部门 (city department)"
        ENTERPRISE = "enterprise", "公共服务企业 (public-service enterprise)"

    name = models.CharField("名称 (name)", max_length=80, unique=True)
    kind = models.CharField("类型 (kind)", max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="units"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    phone = models.CharField("联系电话 (phone)", max_length=30, blank=True)
    is_active = models.BooleanField("启用 (active)", default=True)

    class Meta:
        verbose_name = "承办单位 (unit)"
        verbose_name_plural = "承办单位 (units)"
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    name = models.CharField("名称 (name)", max_length=60)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.PositiveSmallIntegerField("层级 (level)", default=1, editable=False)
    # Keyword rules of the first classifier: one word or phrase per line. A fresh install
    # classifies from these until the learned model has enough history.
    keywords = models.TextField("关键词 (keywords)", blank=True)
    is_active = models.BooleanField("启用 (active)", default=True)

    class Meta:
        verbose_name = "诉求分类 (category)"
        verbose_name_plural = "诉求分类 (categories)"
        ordering = ["level", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "name"], name="category_unique_name_in_parent"
            )
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        # Depth is an invariant of the tree position, kept with the row for cheap filtering.
        self.level = 1 if self.parent_id is None else self.parent.level + 1
        super().save(*args, **kwargs)

    def ancestors_and_self(self) -> list["Category"]:
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    @property
    def full_name(self) -> str:
        return " › ".join(c.name for c in reversed(self.ancestors_and_self()))

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.splitlines() if k.strip()]
