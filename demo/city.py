"""The demo city as rows: regions, units, categories, routing rules and every demo account.

Built from the plain data of ``demo.data``; the tickets that happen in it are ``demo.tickets``.
"""

import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext as _

from demo import data
from dispatch.models import RoutingRule
from workorders.models import Category, Profile, Region, Role, Unit


@dataclass
class City:
    leaves: dict[str, Category]
    district_gov: dict[int, Unit]  # district region id → its government
    staff: dict[int, object]  # unit id → a staff user
    users: dict[str, object]


def city_build(*, rng: random.Random) -> City:
    city = Region.objects.create(
        name=data.CITY, level=Region.Level.CITY, aliases="\n".join(data.CITY_ALIASES)
    )
    units: dict[str, Unit] = {}
    district_gov: dict[int, Unit] = {}
    streets: dict[str, Region] = {}
    for district in data.DISTRICTS:
        region = Region.objects.create(
            name=district.name, level=Region.Level.DISTRICT, parent=city, aliases=district.alias
        )
        gov = Unit.objects.create(
            name=district.government_name, kind=Unit.Kind.DISTRICT, region=region
        )
        units[district.code] = district_gov[region.pk] = gov
        for street in district.streets:
            street_region = Region.objects.create(
                name=street.name, level=Region.Level.STREET, parent=region, aliases=street.alias
            )
            streets[street.name] = street_region
            office = Unit.objects.create(
                name=street.office_name, kind=Unit.Kind.STREET, region=street_region, parent=gov
            )
            units[street.code] = office
            for index, name in enumerate(street.communities):
                community = Region.objects.create(
                    name=name, level=Region.Level.COMMUNITY, parent=street_region
                )
                if index == 0:  # one committee per street takes part in the demo
                    suffix = "居委会" if name.endswith("社区") else "村委会"
                    Unit.objects.create(
                        name=f"{name}{suffix}",
                        kind=Unit.Kind.COMMUNITY,
                        region=community,
                        parent=office,
                    )
    for kind, rows in (
        (Unit.Kind.DEPARTMENT, data.DEPARTMENTS),
        (Unit.Kind.ENTERPRISE, data.ENTERPRISES),
    ):
        for code, name, phone in rows:
            units[code] = Unit.objects.create(name=name, kind=kind, region=city, phone=phone)

    leaves: dict[str, Category] = {}
    for top_name, groups in data.CATEGORY_TREE:
        top = Category.objects.create(name=top_name)
        for group_name, group_leaves in groups:
            group = Category.objects.create(name=group_name, parent=top)
            for leaf in group_leaves:
                category = Category.objects.create(
                    name=leaf.name,
                    parent=group,
                    keywords="\n".join(leaf.keywords.split()),
                    requires_field_visit=leaf.name in data.FIELD_VISIT_LEAVES,
                )
                leaves[leaf.name] = category
                _rule(category, None, units[leaf.lead], [units[c] for c in leaf.assist])

    done: set[tuple[str, str]] = set()
    for leaf_name, assist_codes, only_districts in data.STREET_RULES:
        for district in data.DISTRICTS:
            if only_districts and district.name not in only_districts:
                continue
            for street in district.streets:
                if (leaf_name, street.name) in done:
                    continue
                done.add((leaf_name, street.name))
                assists = [units[code] for code in assist_codes]
                _rule(leaves[leaf_name], streets[street.name], units[street.code], assists)
    for leaf_name, only_districts in data.DISTRICT_RULES:
        for district in data.DISTRICTS:
            if not only_districts or district.name in only_districts:
                gov = units[district.code]
                _rule(leaves[leaf_name], gov.region, gov, [])

    users, staff = _users(units, rng=rng)
    return City(leaves=leaves, district_gov=district_gov, staff=staff, users=users)


def _rule(category: Category, region: Region | None, lead: Unit, assists: list[Unit]) -> None:
    rule = RoutingRule.objects.create(
        category=category,
        region=region,
        lead_unit=lead,
        note=_("属地管理") if region else "",
    )
    if assists:
        rule.assist_units.set(assists)


def _person(rng: random.Random) -> str:
    return rng.choice(data.SURNAMES) + rng.choice(data.GIVEN_NAMES.split())


def _users(
    units: dict[str, Unit], *, rng: random.Random
) -> tuple[dict[str, object], dict[int, object]]:
    """Every center account, and one staff account per unit (unit id → user)."""
    # One hash for every account: hashing is deliberately slow, and they share a password.
    password = make_password(data.DEMO_PASSWORD)
    User = get_user_model()
    users = {}

    def create(username: str, role: str, name: str, unit: Unit | None = None):
        is_admin = role == Role.ADMIN
        user = User.objects.create(
            username=username,
            password=password,
            first_name=name,
            is_staff=is_admin,
            is_superuser=is_admin,
        )
        Profile.objects.create(user=user, role=role, unit=unit, display_name=name)
        users[username] = user
        return user

    for username, role, name in data.CENTER_USERS:
        create(username, role, name)
    staff = {
        unit.pk: create(f"staff_{code}", Role.UNIT_STAFF, _person(rng), unit)
        for code, unit in units.items()
    }
    username, unit_name, name = data.COMMUNITY_STAFF
    community = Unit.objects.get(name=unit_name)
    staff[community.pk] = create(username, Role.UNIT_STAFF, name, community)
    return users, staff
