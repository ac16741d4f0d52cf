"""The category text model and the urgency rules (pure Python: no database, no Django)."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest

from dispatch.classifier import text_model
from dispatch.classifier.text_model import (
    LabelScore,
    ModelLoadError,
    TextModel,
    cross_validate,
    evaluate,
    split_holdout,
    ticket_text,
)
from dispatch.classifier.urgency import detect_urgency, urgency_signals

SHARED_CSV = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "datasets"
    / "citizen-messages-train.csv"
)

STREETLIGHT = [
    ticket_text("路灯不亮", "我们小区门口的路灯已经坏了一个星期，晚上一片漆黑，老人出门很不安全。"),
    ticket_text("", "幸福路与人民路交叉口的几盏路灯晚上都不亮，请尽快派人维修。"),
    ticket_text("路灯坏了", "建设街东段路灯全部熄灭，行人晚上走路看不清，希望市政部门处理。"),
    ticket_text("反映路灯问题", "小区内部道路的路灯长期不亮，业主多次找物业都没有修。"),
    ticket_text("", "学校旁边的路灯一闪一闪的，有时候整晚不亮，孩子放学回家很危险。"),
    ticket_text("路灯维修", "滨江公园步道的路灯坏了好几盏，晚上散步的市民摸黑走路。"),
    ticket_text("请修理路灯", "我家楼下那根路灯杆的灯泡坏了，晚上楼道口很暗。"),
    ticket_text("", "新修的马路装了路灯却从来没有亮过，晚上开车看不清路面。"),
]
NOISE = [
    ticket_text("噪音扰民", "楼下烧烤店每天营业到凌晨两点，客人喝酒划拳，吵得我们无法入睡。"),
    ticket_text("", "附近工地晚上十一点以后还在施工，打桩机声音很大，严重扰民。"),
    ticket_text("广场舞噪音", "小区广场舞音响开得太大声，每天晚上吵到九点多，老人孩子都休息不好。"),
    ticket_text("投诉噪音", "隔壁酒吧音乐声震耳欲聋，半夜还在放，邻居们无法休息。"),
    ticket_text("", "楼上住户每天深夜跺脚、拖椅子，噪音很大，沟通多次无效。"),
    ticket_text("夜间施工扰民", "地铁工地夜间施工噪音太大，请环保部门来管一管。"),
    ticket_text("KTV噪音", "商业街的KTV每天营业到深夜，唱歌声音传到居民楼里，吵得睡不着。"),
    ticket_text("", "装修公司早上七点不到就开始电钻作业，噪音扰民，影响休息。"),
]
WAGES = [
    ticket_text("拖欠工资", "我在某建筑公司打工，老板已经拖欠我们三个月工资，一直推说没钱。"),
    ticket_text("", "公司倒闭了，老板跑路，拖欠二十多名员工的工资和社保。"),
    ticket_text("讨要工资", "工程完工半年了，包工头还欠我们农民工两万多元工资不给。"),
    ticket_text("欠薪问题", "餐厅老板辞退我以后不结算最后两个月的工资，请劳动监察帮忙。"),
    ticket_text("", "我们厂每个月工资都拖欠发放，这个月已经拖了四十多天还没发。"),
    ticket_text("农民工工资被拖欠", "快过年了，工地老板还不发工资，我们几十个工人没钱回家。"),
    ticket_text("请求追讨工资", "培训机构拖欠老师工资三个月，负责人电话也不接。"),
    ticket_text("", "物流公司无故克扣工资，还拖欠加班费，希望有关部门处理。"),
]
TINY_TEXTS = STREETLIGHT + NOISE + WAGES
TINY_LABELS = ["路灯"] * len(STREETLIGHT) + ["噪音"] * len(NOISE) + ["工资"] * len(WAGES)


@pytest.fixture(scope="module")
def tiny_model() -> TextModel:
    return TextModel.train(TINY_TEXTS, TINY_LABELS, seed=0)


def test_tiny_model_predicts_sensible_labels(tiny_model: TextModel) -> None:
    assert sorted(tiny_model.labels) == ["噪音", "工资", "路灯"]
    cases = {
        ticket_text("路灯不亮", "文化路的路灯晚上全都不亮，黑乎乎的。"): "路灯",
        ticket_text("", "楼下饭店半夜噪音太大，吵得睡不着觉。"): "噪音",
        ticket_text("讨薪", "老板拖欠我两个月的工资不发。"): "工资",
    }
    for text, expected in cases.items():
        scores = tiny_model.predict_one(text)
        assert scores[0].label == expected, (text, scores)


def test_confidences_are_probabilities(tiny_model: TextModel) -> None:
    texts = [*TINY_TEXTS[:3], "", "完全无关的一句话", ticket_text("路灯", "")]
    for scores in tiny_model.predict(texts, top=3):
        assert len(scores) == 3
        assert all(isinstance(score, LabelScore) for score in scores)
        assert all(0.0 <= score.confidence <= 1.0 for score in scores)
        assert sum(score.confidence for score in scores) <= 1.0 + 1e-9
        confidences = [score.confidence for score in scores]
        assert confidences == sorted(confidences, reverse=True)
    assert len(tiny_model.predict_one(TINY_TEXTS[0], top=1)) == 1
    assert len(tiny_model.predict_one(TINY_TEXTS[0], top=10)) == 3
    assert tiny_model.predict([]) == []


def test_fast_features_match_the_vectorizers(tiny_model: TextModel) -> None:
    # predict() builds the TF-IDF rows itself for speed; they must equal sklearn's.
    texts = [*TINY_TEXTS, "", "\n", "路灯"]
    prepared = [text_model._prepare(text) for text in texts]
    expected = text_model._stack([v.transform(prepared) for v in tiny_model._vectorizers])
    assert abs(tiny_model._features(texts) - expected).max() < 1e-6


def test_two_classes_three_examples_each() -> None:
    texts = [
        "路灯不亮很久了",
        "路灯坏了没人修",
        "晚上路灯全黑",
        "老板拖欠工资",
        "工资三个月没发",
        "讨要拖欠的工资",
    ]
    model = TextModel.train(texts, ["路灯"] * 3 + ["工资"] * 3)
    scores = model.predict_one("路灯不亮", top=3)
    assert [score.label for score in scores][0] == "路灯"
    assert len(scores) == 2
    assert sum(score.confidence for score in scores) == pytest.approx(1.0)


def test_a_class_with_a_single_example_is_still_learned() -> None:
    # Rarer than the calibration folds: absent from some of them, which must not break training.
    model = TextModel.train([*TINY_TEXTS, "井盖丢了"], [*TINY_LABELS, "井盖"])
    assert "井盖" in model.labels
    assert model.info["estimator"] == "LinearSVC"
    scores = model.predict_one(TINY_TEXTS[0], top=4)
    assert scores[0].label == "路灯"
    assert sum(score.confidence for score in scores) == pytest.approx(1.0)


def test_every_class_seen_once_falls_back_to_logistic_regression() -> None:
    model = TextModel.train(["路灯不亮", "噪音扰民", "拖欠工资"], ["路灯", "噪音", "工资"])
    assert model.info["estimator"] == "LogisticRegression"
    scores = model.predict_one("路灯不亮了")
    assert scores[0].label == "路灯"
    assert all(0.0 <= score.confidence <= 1.0 for score in scores)
    assert TextModel.loads(model.dumps()).predict_one("路灯不亮了") == scores


def test_training_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        TextModel.train(["只有一个类别", "还是这个类别"], ["a", "a"])
    with pytest.raises(ValueError):
        TextModel.train(["一", "二"], ["a"])


def test_dumps_loads_round_trip(tiny_model: TextModel) -> None:
    data = tiny_model.dumps()
    assert isinstance(data, bytes)
    loaded = TextModel.loads(data)
    assert loaded.labels == tiny_model.labels
    assert loaded.predict(TINY_TEXTS) == tiny_model.predict(TINY_TEXTS)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda data: b"",
        lambda data: b"garbage",
        lambda data: data[: len(data) // 2],
        lambda data: data[:-1],
        lambda data: data[:30],
        lambda data: data[:-100] + bytes(100),
        lambda data: data.replace(b"HOTLINE", b"HOTLIME", 1),
    ],
    ids=["empty", "garbage", "half", "minus-one-byte", "header-only", "zeroed-tail", "magic"],
)
def test_loads_rejects_broken_bytes(tiny_model: TextModel, mangle) -> None:
    with pytest.raises(ModelLoadError) as caught:
        TextModel.loads(mangle(tiny_model.dumps()))
    assert "模型文件" in str(caught.value)
    assert "模型" in str(caught.value)


def test_loads_rejects_another_format_version(tiny_model: TextModel) -> None:
    data = bytearray(tiny_model.dumps())
    offset = len(text_model._MAGIC)
    data[offset : offset + 2] = (text_model.FORMAT_VERSION + 1).to_bytes(2, "big")
    with pytest.raises(ModelLoadError, match="模型格式版本"):
        TextModel.loads(bytes(data))


def test_evaluate_reports_quality_and_latency(tiny_model: TextModel) -> None:
    report = evaluate(tiny_model, TINY_TEXTS, TINY_LABELS)
    assert {
        "macro_f1",
        "accuracy",
        "per_label",
        "labels",
        "confusion",
        "ms_per_ticket",
        "n",
    } <= set(report)
    assert report["n"] == len(TINY_TEXTS)
    assert report["macro_f1"] > 0.9  # its own training data
    assert set(report["per_label"]) == set(report["labels"]) == {"路灯", "噪音", "工资"}
    assert set(report["per_label"]["路灯"]) == {"precision", "recall", "f1", "support"}
    assert len(report["confusion"]) == 3 and all(len(row) == 3 for row in report["confusion"])
    assert sum(map(sum, report["confusion"])) == len(TINY_TEXTS)
    assert report["ms_per_ticket"] > 0


def test_split_holdout_is_stratified() -> None:
    train_x, train_y, test_x, test_y = split_holdout(TINY_TEXTS, TINY_LABELS, fraction=0.25)
    assert len(test_x) == len(test_y) == 6 and len(train_x) == len(train_y) == 18
    assert sorted(test_y) == ["噪音", "噪音", "工资", "工资", "路灯", "路灯"]
    assert not set(train_x) & set(test_x)


def test_cross_validate_on_the_tiny_set() -> None:
    result = cross_validate(TINY_TEXTS, TINY_LABELS, folds=4, seed=1)
    assert {"macro_f1_mean", "macro_f1_std", "per_fold", "accuracy_mean"} <= set(result)
    assert len(result["per_fold"]) == 4
    assert 0.0 <= result["macro_f1_mean"] <= 1.0
    # More folds than a class has examples: fewer folds, no crash.
    small = cross_validate(TINY_TEXTS[:3] + TINY_TEXTS[8:11], ["路灯"] * 3 + ["噪音"] * 3)
    assert small["folds"] == 3


def test_cross_validation_on_the_shared_dataset() -> None:
    if not SHARED_CSV.is_file():
        pytest.skip(f"shared dataset not found at {SHARED_CSV}")
    with SHARED_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    texts = [ticket_text(row["title"], row["body"]) for row in rows]
    labels = [row["label"] for row in rows]
    # A stratified 1,500-row sample keeps this under a minute on one core.
    _, _, sample_texts, sample_labels = split_holdout(
        texts, labels, fraction=1500 / len(texts), seed=0
    )
    started = time.perf_counter()
    result = cross_validate(sample_texts, sample_labels, folds=3, seed=0)
    assert result["macro_f1_mean"] > 0.85, result
    assert time.perf_counter() - started < 120


# --- urgency ------------------------------------------------------------------------------------

EMERGENCIES = [
    "小区3栋2单元楼道里闻到很浓的煤气味，请赶紧派人来",
    "我家厨房天然气管道泄漏了，味道很大，不敢开灯",
    "幸福路一家餐馆着火了，火势很大",
    "楼下电动车充电时起火，浓烟已经上到五楼",
    "地下车库冒黑烟，好像有车烧起来了",
    "暴雨后地下车库积水很深，车都淹了",
    "小区一楼被淹了，污水倒灌进家里",
    "人民路下穿隧道内涝严重，有车辆熄火在水里",
    "有人被困在电梯里半个小时了，物业电话打不通",
    "5号楼电梯困人，里面有老人和小孩",
    "工地基坑边坡坍塌，有工人被埋",
    "城南路路面突然大面积塌陷，一辆车掉进坑里",
    "大风把电线刮断了，电线掉落在人行道上",
    "小区配电箱漏电，有小孩碰到被电了",
    "零下十度暖气不热，家里八十岁的老人冻得受不了",
    "停暖三天了，孩子冻得发烧",
    "解放路自来水主管道爆管，水柱喷了好几米高",
    "小区门口水管爆裂，路面全是水，还在往外冒",
    "菜市场门口有人晕倒了，没有人管",
    "工地上一名工人从脚手架上摔下来受伤，流了很多血",
    "化工厂的罐车侧翻，有化学品泄漏，气味刺鼻",
    "工厂氨气泄漏，附近居民眼睛刺痛",
    "楼顶的广告牌被风吹倒砸到人了",
    "一个小孩掉进河里溺水了，快来人",
    "有个老人在公交站台昏迷不醒",
    "一家三口疑似一氧化碳中毒，请马上派人",
    "出租屋里液化气罐漏气，已经闻到很大的气味",
    "高速路口发生车祸，有人被卡在车里",
    "商场电梯突然下坠，有人被困",
    "隔壁楼道里一直有烟冒出来，好像失火了",
    "河堤决堤了，水漫进村子",
    "山体滑坡把路埋了，有车被压在下面",
    "小区变压器冒火花，还有爆炸声",
    "有人站在楼顶上要跳楼",
    "孩子被反锁在车里，天气很热",
    "暴雨导致小区围墙倒塌，压住了两辆车",
    "燃气灶关不上，煤气一直在往外冒",
    "暖气管道爆裂，热水喷了一屋子，老人被烫伤",
    "高压线断了垂在马路上，还在打火",
    "三楼阳台着火，火苗窜出窗外",
    "地下室进水了，水已经没过小腿快到膝盖",
    "水库大坝出现管涌，下游村民很危险",
    "小区门口的老槐树摇摇欲坠，下面就是幼儿园门口",
    "外墙的瓷砖和空调架随时可能掉下来砸到行人",
    "一个老人骑车摔进了路边的水沟里起不来",
]

NORMALS = [
    "小区门口的路灯坏了好几天了，晚上很黑",
    "楼下烧烤店每天营业到凌晨，噪音很大吵死人",
    "公司拖欠我三个月工资，老板一直不给",
    "物业费收费标准不透明，要求公示",
    "孩子上小学划片不合理，希望教育局解释",
    "小区里有人遛狗不牵绳，狗粪到处都是",
    "公交车司机态度恶劣，不按站停车",
    "医保异地报销手续太复杂",
    "附近工地夜间施工，影响休息",
    "餐馆油烟排放直接对着居民窗户",
    "咨询一下新生儿落户需要哪些材料",
    "小区绿化带被改成了停车位",
    "希望在我们村修一条水泥路",
    "学校食堂饭菜价格太贵",
    "燃气公司收取开户费是否合理",
    "开发商延期交房，要求赔偿违约金",
    "快递柜超时收费不合理",
    "出租车拒载还乱收费",
    "申请廉租房排队太久",
    "夜市摊贩占道经营，影响通行",
    "企业拖欠社保，员工无法报销医药费",
    "建议增加一条到高铁站的公交线路",
    "我们流血流汗干了一年，工资却一直拖着不发",
    "办理死亡证明的手续太繁琐",
    "这是我们的救命钱，请政府帮我们追回",
    "小区消防通道被私家车占用",
    "楼上装修噪音一直持续到晚上十点",
    "希望政府加大对养老院的补贴",
    "马路上的共享单车乱停乱放",
    "网吧接纳未成年人上网",
    "长期被噪音困扰，无法正常生活",
    "学校教学质量滑坡，家长很担心",
    "医院的120急救车收费不合理",
    "工厂烟囱每天冒黑烟，污染空气",
    "群租房存在火灾隐患，需要整改",
    "去年这里发生过火灾，至今没有整改",
    "没有发生火灾，只是电表箱有点发热",
    "公司快要倒闭了，我们的工资还没有结清",
    "这部电梯2018年以来多次困人，物业一直不更换",
    "河道里的垃圾很多，希望尽快清理",
]

URGENTS = [
    "我们小区停水两天了，也没有通知",
    "整栋楼停电了，冰箱里的东西都坏了",
    "家里暖气不热，室温只有十五度",
    "人行道上的井盖丢失了，晚上看不见",
    "路面塌陷了一个小坑，车经过很颠",
    "电梯故障停运一个星期了",
    "十字路口的红绿灯坏了，车辆乱成一团",
]


@pytest.mark.parametrize("sentence", EMERGENCIES)
def test_emergencies_are_never_missed(sentence: str) -> None:
    level, confidence = detect_urgency(sentence)
    assert level == "emergency", (sentence, urgency_signals(sentence))
    assert 0.5 < confidence <= 1.0


@pytest.mark.parametrize("sentence", NORMALS)
def test_ordinary_requests_are_not_emergencies(sentence: str) -> None:
    level, confidence = detect_urgency(sentence)
    assert level != "emergency", (sentence, urgency_signals(sentence))
    assert 0.0 < confidence <= 1.0


@pytest.mark.parametrize("sentence", URGENTS)
def test_urgent_requests(sentence: str) -> None:
    assert detect_urgency(sentence)[0] == "urgent", (sentence, urgency_signals(sentence))


def test_urgency_lists_are_big_enough() -> None:
    assert len(EMERGENCIES) >= 30 and len(NORMALS) >= 30


def test_urgency_edge_cases() -> None:
    assert detect_urgency("")[0] == "normal"
    assert detect_urgency("路灯不亮") == ("normal", 0.85)
    assert detect_urgency("不是着火，是邻居在烧纸")[0] != "emergency"
    # A negated mention does not hide a real danger elsewhere in the text.
    assert detect_urgency("煤气泄漏了，暂时没有人受伤")[0] == "emergency"
    # Spaces inside the danger word do not hide it.
    assert detect_urgency("楼 下 着 火 了")[0] == "emergency"
    assert detect_urgency("停暖了，零下五度")[0] == "emergency"
    two = detect_urgency("燃气泄漏，有人晕倒了")
    one = detect_urgency("燃气泄漏")
    assert two[0] == one[0] == "emergency" and two[1] > one[1]
