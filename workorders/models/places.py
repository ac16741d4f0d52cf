"""Where and who: regions, units and the category tree that tickets refer to."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    class Level(models.IntegerChoices):
        CITY = 0, _("市")
        DISTRICT = 1, _("区")
        STREET = 2, _("街道/乡镇")
        COMMUNITY = 3, _("社区/村")

    name = models.CharField(_("名称"), max_length=60)
    level = models.IntegerField(_("层级"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Other names citizens use ("朝阳" for "朝阳区"); one per line. Read by the region matcher.
    aliases = models.TextField(_("别名"), blank=True)

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
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
        DISTRICT = "district", _("区政府")
        STREET = "street", _("街道/乡镇")
        COMMUNITY = "community", _("社区/村")
        DEPARTMENT = "department", _("市级部门")
        ENTERPRISE = "enterprise", _("公共服务企业")

    name = models.CharField(_("名称"), max_length=80, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="units"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("承办单位")
        verbose_name_plural = _("承办单位")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    name = models.CharField(_("名称"), max_length=60)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.PositiveSmallIntegerField(_("层级"), default=1, editable=False)
    # Keyword rules of the first classifier: one word or phrase per line. A fresh install
    # classifies from these until the learned model has enough history.
    keywords = models.TextField(_("关键词"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    # Communities (社区/村) lead only work on their duty list: an administrator ticks the
    # categories (a first-level one covers everything under it) where the classifier, a routing
    # rule or a dispatcher may make a community the lead unit. Elsewhere a street leads and may
    # hand the ticket down (转派社区).
    community_may_lead = models.BooleanField(
        _("社区可主办"),
        default=False,
        help_text=_("勾选后，该分类（含下级分类）的工单可派给社区/村主办"),
    )
    # Tickets of this category (or of a category below it) are resolved only after a unit
    # recorded a field visit: problems that cannot be judged from a desk (漏水, 违建, 占道).
    requires_field_visit = models.BooleanField(
        _("办结前须上门走访"),
        default=False,
        help_text=_("勾选后，本分类及其下级分类的工单须登记上门走访才能办结"),
    )

    class Meta:
        verbose_name = _("诉求分类")
        verbose_name_plural = _("诉求分类")
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

    def allows_community_lead(self) -> bool:
        return any(node.community_may_lead for node in self.ancestors_and_self())

    @property
    def field_visit_required(self) -> bool:
        """Set on this category or one above it: an administrator marks a whole branch."""
        return any(node.requires_field_visit for node in self.ancestors_and_self())

    @property
    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.splitlines() if k.strip()]


def may_lead(unit: Unit, category: Category | None) -> bool:
    """Whether ``unit`` may be the lead unit of a ticket of ``category`` (a community only on its
    duty list)."""
    if unit.kind != Unit.Kind.COMMUNITY:
        return True
    return category is not None and category.allows_community_lead()
