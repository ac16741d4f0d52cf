"""Choosing the responsible units for a category and region from the routing rules."""

from dataclasses import dataclass

from django.db.models import Q

from dispatch.models import RoutingRule
from workorders.models import Category, Region, Unit
from workorders.models.places import may_lead


@dataclass(frozen=True)
class Route:
    lead_unit: Unit
    assist_units: list[Unit]
    rule: RoutingRule


def route_for(*, category: Category | None, region: Region | None) -> Route | None:
    """The most specific active rule whose category and region contain the ticket's."""
    category_ids = [c.pk for c in category.ancestors_and_self()] if category else []
    region_ids = [r.pk for r in region.ancestors_and_self()] if region else []
    candidates = (
        RoutingRule.objects.active()
        .filter(lead_unit__is_active=True)
        .select_related("category", "region", "lead_unit")
        .prefetch_related("assist_units")
    )
    matching = [
        rule
        for rule in candidates.filter(
            Q(category__isnull=True) | Q(category_id__in=category_ids),
            Q(region__isnull=True) | Q(region_id__in=region_ids),
        )
        # Rules with neither category nor region would catch everything: not a routing decision.
        if (rule.category_id or rule.region_id)
        # A community leads only the categories an administrator allowed it (may_lead): any
        # other rule naming one is passed over, and the next most specific rule decides.
        and may_lead(rule.lead_unit, category)
    ]
    if not matching:
        return None
    best = max(matching, key=lambda rule: (rule.specificity, -rule.pk))
    assists = [unit for unit in best.assist_units.all() if unit.is_active]
    return Route(lead_unit=best.lead_unit, assist_units=assists, rule=best)
