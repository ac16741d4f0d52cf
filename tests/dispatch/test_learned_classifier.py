"""The learned classifier behind the worker's interface: what it predicts, how it falls back to
the keyword rules, and that a process loads its model once."""

import logging

import pytest
from django.utils import timezone

from dispatch.classification import (
    KeywordClassifier,
    LearnedClassifier,
    RegionMatcher,
    get_classifier,
)
from dispatch.classifier.bundle import ModelBundle
from dispatch.classifier.request_type import detect_request_type
from dispatch.classifier.text_model import TextModel
from dispatch.classifier.urgency import detect_urgency
from dispatch.learning import Example, classifier_train, examples_from_database
from dispatch.models import ClassifierSource, ClassifierVersion, RoutingRule
from dispatch.services import ticket_auto_dispatch
from tests.dispatch.classifier_data import LIGHT, WAGES, WATER, examples, register, texts
from workorders import services
from workorders.models import Region, Status, Ticket


def first_level(rows):
    return [Example(row.key, row.text, row.label.split(" › ")[0]) for row in rows]


@pytest.fixture(scope="session")
def artifact() -> bytes:
    """A model of the conftest city's three categories (full paths), trained once per session."""
    rows = examples()
    return ModelBundle(TextModel.train([r.text for r in rows], [r.label for r in rows])).dumps()


@pytest.fixture
def learned(city, artifact) -> ClassifierVersion:
    return ClassifierVersion.objects.create(
        number=1,
        created_at=timezone.now(),
        source=ClassifierSource.CSV,
        data_size=72,
        train_size=72,
        artifact=artifact,
        artifact_size=len(artifact),
        outcome="promoted",
        is_active=True,
    )


def test_prediction_carries_category_region_units_and_alternatives(city, learned):
    classifier = get_classifier()

    prediction = classifier.predict(
        title="公司拖欠工资",
        content="我在海淀区中关村的公司上班，老板拖欠工资两个月了，一直说没钱",
        address="",
    )

    assert prediction.category == city.wages
    assert prediction.category_confidence >= 0.6
    assert prediction.region == city.zhongguancun
    assert prediction.model.startswith(f"learned-v{learned.number}")
    assert prediction.request_type in {"complaint", "help"}
    # The triage form shows the other likely categories, best first.
    assert [pk for pk, _ in prediction.alternatives] and all(
        pk != city.wages.pk for pk, _ in prediction.alternatives
    )
    confidences = [c for _, c in prediction.alternatives]
    assert confidences == sorted(confidences, reverse=True)
    suggestion = prediction.as_suggestion()
    assert {"request_type", "unit_suggestions", "alternatives", "category_confidence"} <= set(
        suggestion
    )


def test_unsure_ticket_goes_to_triage_with_top_alternatives(city, learned):
    ticket = register("反映一个情况", "希望有关部门来看看我们这里")

    assert ticket_auto_dispatch(ticket_id=ticket.pk) == "triage"

    ticket.refresh_from_db()
    assert ticket.suggestion["model"].startswith("learned-v")
    assert len(ticket.suggestion["alternatives"]) >= 1


def test_a_first_level_model_is_refined_to_the_leaf_by_the_keyword_rules(city):
    classifier_train(examples=first_level(examples()), source=ClassifierSource.CSV)
    classifier = get_classifier()
    assert set(classifier.model.labels) == {"城乡建设", "劳动和社会保障"}

    prediction = classifier.predict(
        title="小区停水", content="幸福小区从早上开始停水，自来水一直没来", address=""
    )

    assert prediction.category == city.water
    assert prediction.model.endswith("+rules")


def test_a_label_missing_from_the_taxonomy_falls_back_to_the_rules(city):
    classifier_train(examples=examples(), source=ClassifierSource.CSV)
    city.wages.name = "欠薪"  # renamed after training, and the path no longer fits
    city.wages.save()
    city.labour.name = "人社"
    city.labour.save()

    classifier = get_classifier()
    assert isinstance(classifier, LearnedClassifier)
    prediction = classifier.predict(
        title="讨薪", content="老板欠薪三个月，工资一直不发", address=""
    )

    # The keyword rules of the renamed category still find it.
    assert prediction.category == city.wages
    assert prediction.model.endswith("+rules")


# --- unreadable models: a clear error, the rules, and no ticket lost -------------------------------


def broken_version(artifact: bytes) -> ClassifierVersion:
    return ClassifierVersion.objects.create(
        number=1,
        created_at=timezone.now(),
        source=ClassifierSource.CSV,
        data_size=0,
        train_size=0,
        artifact=artifact,
        artifact_size=max(1, len(artifact)),
        outcome="promoted",
        is_active=True,
    )


@pytest.mark.parametrize(
    ("artifact", "message"),
    [
        (b"", "模型文件为空"),
        (b"not a model at all", "模型文件无法识别"),
        ("truncated", "模型文件已损坏"),
    ],
)
def test_an_unreadable_model_means_the_rules_and_a_clear_error(city, caplog, artifact, message):
    if artifact == "truncated":
        good = classifier_train(examples=examples(), source=ClassifierSource.CSV).version
        artifact = bytes(good.artifact)[:-100]
        ClassifierVersion.objects.all().delete()
    broken_version(artifact)

    with caplog.at_level(logging.ERROR, logger="dispatch.classification"):
        classifier = get_classifier()

    assert isinstance(classifier, KeywordClassifier)
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "cannot be loaded" in record.getMessage() and message in record.getMessage()
    # The ticket is still classified and dispatched — by the rules.
    ticket = register("路灯不亮", "中关村街道科源社区门口的路灯不亮")
    assert ticket_auto_dispatch(ticket_id=ticket.pk) == "dispatched"
    assert Ticket.objects.get(pk=ticket.pk).suggestion["model"] == "rules-v1"
    vague = register("反映问题", "希望有关部门关注一下")
    assert ticket_auto_dispatch(ticket_id=vague.pk) == "triage"


# --- loaded once per process ---------------------------------------------------------------------


def test_the_model_is_loaded_once_and_switched_when_another_version_is_active(
    city, learned, django_assert_num_queries, settings
):
    classifier = get_classifier()
    with django_assert_num_queries(0):
        for _ in range(5):
            assert get_classifier() is classifier  # no query, no load, per task

    # Another process activates another version (this process is not told).
    learned.refresh_from_db()
    newer = ClassifierVersion.objects.create(
        **{
            f.name: getattr(learned, f.name)
            for f in ClassifierVersion._meta.concrete_fields
            if f.name not in ("id", "number", "is_active")
        },
        number=2,
    )
    ClassifierVersion.objects.filter(pk=learned.pk).update(is_active=False)
    ClassifierVersion.objects.filter(pk=newer.pk).update(is_active=True)
    assert get_classifier() is classifier  # within CLASSIFIER_CHECK_SECONDS: unchanged
    settings.CLASSIFIER_CHECK_SECONDS = 0
    # The check, the artifact, then categories, regions and active units, once.
    with django_assert_num_queries(5):
        switched = get_classifier()
    assert switched.model_name == f"learned-v{newer.number}"
    with django_assert_num_queries(1):
        assert get_classifier() is switched  # same version: only the check


# --- units from history ----------------------------------------------------------------------------


def test_a_split_history_leaves_the_unit_to_the_dispatcher(city, dispatcher):
    RoutingRule.objects.filter(category=city.wages).delete()
    units = [city.labour_bureau, city.water_company]
    for number, (title, content) in enumerate(texts(WAGES, 12)):
        ticket = register(title, content)
        services.ticket_dispatch(
            ticket_id=ticket.pk, actor=dispatcher, lead_unit=units[number % 2], category=city.wages
        )
    for label, category in ((LIGHT, city.street_light), (WATER, city.water)):
        for title, content in texts(label, 12):
            ticket = register(title, content)
            services.ticket_dispatch(
                ticket_id=ticket.pk,
                actor=dispatcher,
                lead_unit=city.water_company,
                category=category,
            )
    classifier_train(examples=examples_from_database(), source=ClassifierSource.DATABASE)

    ticket = register("公司拖欠工资", "老板拖欠工资三个月没发")
    assert ticket_auto_dispatch(ticket_id=ticket.pk) == "triage"

    ticket.refresh_from_db()
    assert ticket.status == Status.TRIAGE
    assert ticket.suggestion["unit_source"] == "history"
    assert {pk for pk, _ in ticket.suggestion["unit_suggestions"]} == {u.pk for u in units}
    assert ticket.suggestion["lead_unit_id"] in {u.pk for u in units}  # pre-filled


# --- region ----------------------------------------------------------------------------------------


@pytest.fixture
def gazetteer(city) -> RegionMatcher:
    haidian = city.haidian
    Region.objects.create(name="青龙桥街道", level=2, parent=haidian)
    Region.objects.create(name="温泉镇", level=2, parent=haidian)
    Region.objects.create(name="苏家坨乡", level=2, parent=haidian)
    Region.objects.create(name="海淀街道", level=2, parent=haidian)
    # A community named like another street's stem: context decides.
    Region.objects.create(name="望京", level=3, parent=city.zhongguancun)
    return RegionMatcher(list(Region.objects.all()))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("海淀区青龙桥街道某小区", "青龙桥街道"),
        ("青龙桥地区红山口", "青龙桥街道"),  # 街道 ↔ 地区
        ("家住青龙桥附近", "青龙桥街道"),  # bare stem
        ("温泉乡白家疃村", "温泉镇"),  # 乡 ↔ 镇
        ("苏家坨镇", "苏家坨乡"),
        ("海淀街道办事处门口", "海淀街道"),  # the longest name, not 海淀(区)
        ("海淀区", "海淀区"),
        ("朝阳望京", "望京街道"),  # the stem agrees with 朝阳; the community would not
        ("中关村望京", "望京"),  # here the community under 中关村 agrees
    ],
)
def test_region_names_aliases_and_variants(gazetteer, text, expected):
    region, confidence = gazetteer.match(text)
    assert region is not None and region.name == expected, (text, region)
    assert confidence >= 0.8


def test_region_from_the_address_first(gazetteer, city):
    region, confidence = gazetteer.match_ticket(address="朝阳区望京街道", text="我上班在中关村")
    assert region == city.wangjing and confidence == 0.6
    region, confidence = gazetteer.match_ticket(address="海淀区", text="中关村街道科源社区门口")
    assert region == city.keyuan and confidence == 0.95
    assert gazetteer.match_ticket(address="", text="没有地名")[0] is None


# --- request type and urgency --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "content", "expected"),
    [
        ("请问社保卡怎么补办", "社保卡丢了，请问在哪里补办，需要什么材料？", "inquiry"),
        ("路灯坏了", "小区门口路灯坏了，请帮忙尽快维修", "help"),
        ("投诉物业", "物业态度很差，多次反映一直没人管", "complaint"),
        ("举报工厂偷排", "河边工厂晚上偷排污水，请查处", "report"),
        ("建议增设公交站", "建议在学府路增设一个公交站", "suggestion"),
        ("表扬环卫工人", "感谢环卫工人冒雨清理积水，为他们点赞", "praise"),
    ],
)
def test_request_type_rules(title, content, expected):
    assert detect_request_type(title, content)[0] == expected


EMERGENCIES = [
    "楼道里有很浓的煤气味，邻居家好像燃气泄漏了",
    "家里天然气管道漏气了，味道很大",
    "小区3号楼起火了，浓烟很大",
    "电梯突然停了，我们一家三口被困在电梯里",
    "路面突然塌陷出现一个大坑，有车掉进去了",
    "高压电线被风刮断掉在路上，还在冒火花",
    "小区门口水管爆裂，水漫到一楼住户家里",
    "地下室被淹了，水还在往里灌",
    "下暴雨积水很深，有车辆被困",
    "锅炉房冒烟，可能要爆炸",
    "山体滑坡，泥石流冲到了村里",
    "一氧化碳中毒，一家人头晕呕吐",
    "化工厂发生泄漏，刺鼻气味很重",
    "老人在家中晕倒了，没人照顾",
    "零下十几度，家里暖气停了三天，老人冻得受不了",
    "暴雨后地下车库进水，水已经没过膝盖",
    "有个小孩掉进河里了",
    "河堤出现管涌，快要决口了",
    "工地塔吊摇摇欲坠，随时可能倒下",
    "楼上阳台的玻璃随时可能掉下来砸到人",
]


@pytest.mark.parametrize("text", EMERGENCIES)
def test_emergencies_are_never_missed(city, learned, text):
    assert detect_urgency(text)[0] == "emergency"
    prediction = get_classifier().predict(title="紧急求助", content=text, address="")
    assert prediction.urgency == "emergency"
