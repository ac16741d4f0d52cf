"""Personas and a small city shared by the whole suite.

The city: 海淀区 with 中关村街道 (and its 科源社区) and 朝阳区 with 望京街道; a city department for
roads and street lights, one for labour, and a water company. Categories: 城乡建设 › 市政管理 › 路灯,
劳动和社会保障 › 拖欠工资, 城乡建设 › 供水. Routing: 路灯 anywhere → 市城市管理委员会 (assisted by the
street office in 中关村); 拖欠工资 → 市人力资源和社会保障局; 供水 → 自来水集团.
"""

from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import translation

from dispatch.classification import reset_classifier
from dispatch.models import RoutingRule
from workorders.models import Category, Profile, Region, Role, Unit

PASSWORD = "test-pass-12345"


@dataclass
class City:
    city: Region
    haidian: Region
    zhongguancun: Region
    keyuan: Region
    chaoyang: Region
    wangjing: Region
    haidian_gov: Unit
    zhongguancun_office: Unit
    keyuan_community: Unit
    wangjing_office: Unit
    urban_management: Unit
    labour_bureau: Unit
    water_company: Unit
    municipal: Category
    street_light: Category
    water: Category
    labour: Category
    wages: Category


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Guessing-limit counters and throttles live in the per-process cache: one test's failed
    # attempts must not lock out the next.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_classifier():
    # The classifier is cached per process; each test builds its own categories and rules.
    reset_classifier()
    yield
    reset_classifier()


@pytest.fixture(autouse=True)
def _site_language():
    # A request in English leaves English active in the thread (LocaleMiddleware activates it
    # and nothing deactivates it); code called directly by the next test would speak English.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def city(db) -> City:
    root = Region.objects.create(name="北京市", level=Region.Level.CITY)
    haidian = Region.objects.create(name="海淀区", level=1, parent=root, aliases="海淀")
    zgc = Region.objects.create(name="中关村街道", level=2, parent=haidian, aliases="中关村")
    keyuan = Region.objects.create(name="科源社区", level=3, parent=zgc)
    chaoyang = Region.objects.create(name="朝阳区", level=1, parent=root, aliases="朝阳")
    wangjing = Region.objects.create(name="望京街道", level=2, parent=chaoyang, aliases="望京")
    haidian_gov = Unit.objects.create(
        name="海淀区人民政府", kind=Unit.Kind.DISTRICT, region=haidian
    )
    zgc_office = Unit.objects.create(
        name="中关村街道办事处", kind=Unit.Kind.STREET, region=zgc, parent=haidian_gov
    )
    keyuan_unit = Unit.objects.create(
        name="科源社区居委会", kind=Unit.Kind.COMMUNITY, region=keyuan, parent=zgc_office
    )
    wangjing_office = Unit.objects.create(
        name="望京街道办事处", kind=Unit.Kind.STREET, region=wangjing
    )
    urban = Unit.objects.create(name="市城市管理委员会", kind=Unit.Kind.DEPARTMENT, region=root)
    labour_bureau = Unit.objects.create(
        name="市人力资源和社会保障局", kind=Unit.Kind.DEPARTMENT, region=root
    )
    water_company = Unit.objects.create(name="自来水集团", kind=Unit.Kind.ENTERPRISE, region=root)
    building = Category.objects.create(name="城乡建设")
    municipal = Category.objects.create(name="市政管理", parent=building)
    light = Category.objects.create(
        name="路灯", parent=municipal, keywords="路灯\n路灯不亮\n灯不亮"
    )
    water = Category.objects.create(name="供水", parent=building, keywords="停水\n水压\n自来水")
    labour = Category.objects.create(name="劳动和社会保障")
    wages = Category.objects.create(name="拖欠工资", parent=labour, keywords="拖欠工资\n欠薪\n工资")
    rule = RoutingRule.objects.create(category=light, lead_unit=urban)
    zgc_rule = RoutingRule.objects.create(category=light, region=zgc, lead_unit=urban)
    zgc_rule.assist_units.add(zgc_office)
    RoutingRule.objects.create(category=wages, lead_unit=labour_bureau)
    RoutingRule.objects.create(category=water, lead_unit=water_company)
    assert rule.pk
    return City(
        city=root,
        haidian=haidian,
        zhongguancun=zgc,
        keyuan=keyuan,
        chaoyang=chaoyang,
        wangjing=wangjing,
        haidian_gov=haidian_gov,
        zhongguancun_office=zgc_office,
        keyuan_community=keyuan_unit,
        wangjing_office=wangjing_office,
        urban_management=urban,
        labour_bureau=labour_bureau,
        water_company=water_company,
        municipal=municipal,
        street_light=light,
        water=water,
        labour=labour,
        wages=wages,
    )


def make_user(username: str, role: str, *, unit: Unit | None = None, name: str = ""):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    Profile.objects.create(user=user, role=role, unit=unit, display_name=name or username)
    return user


@pytest.fixture
def citizen(db):
    return make_user("citizen_li", Role.CITIZEN, name="李市民")


@pytest.fixture
def operator(db):
    return make_user("operator_wang", Role.OPERATOR, name="王话务")


@pytest.fixture
def dispatcher(db):
    return make_user("dispatcher_zhao", Role.DISPATCHER, name="赵派单")


@pytest.fixture
def unit_staff(city):
    """Staff of 市城市管理委员会, the lead unit for street lights."""
    return make_user("staff_urban", Role.UNIT_STAFF, unit=city.urban_management, name="城管委小刘")


@pytest.fixture
def other_unit_staff(city):
    """Staff of 市人力资源和社会保障局: must see nothing of street-light tickets."""
    return make_user("staff_labour", Role.UNIT_STAFF, unit=city.labour_bureau, name="人社局小陈")


@pytest.fixture
def street_staff(city):
    """Staff of 中关村街道办事处, which assists on street lights in 中关村."""
    return make_user("staff_zgc", Role.UNIT_STAFF, unit=city.zhongguancun_office, name="街道小周")


@pytest.fixture
def district_staff(city):
    """Staff of 海淀区人民政府: sees what went straight to its streets (抄送区政府)."""
    return make_user("staff_haidian", Role.UNIT_STAFF, unit=city.haidian_gov, name="区政府小吴")


@pytest.fixture
def follow_up_agent(db):
    return make_user("followup_sun", Role.FOLLOW_UP_AGENT, name="孙回访")


@pytest.fixture
def leader(db):
    return make_user("leader_qian", Role.LEADER, name="钱领导")


@pytest.fixture
def admin_user(db):
    return make_user("admin_zhou", Role.ADMIN, name="周管理")
