"""Small labelled texts for training real models in tests, in the categories of the conftest city.

Each category has its own vocabulary, varied by place, time and phrasing, so that a model trained
on a few dozen examples separates them — and a model trained on wrong labels visibly does not.
"""

import csv
import random
from pathlib import Path

from dispatch.learning import Example
from workorders import services

LIGHT = "城乡建设 › 市政管理 › 路灯"
WATER = "城乡建设 › 供水"
WAGES = "劳动和社会保障 › 拖欠工资"

PLACES = ["幸福小区", "光明里", "科源社区", "建设路", "人民路口", "阳光花园", "学府路", "望京西园"]
DAYS = ["两天", "三天", "一周", "半个月", "好几天"]
PHRASES = {
    LIGHT: [
        ("{place}路灯不亮", "{place}门口的路灯已经{days}不亮了，晚上漆黑一片，走路很不安全。"),
        ("路灯坏了没人修", "{place}一排路灯坏了{days}，晚上照明不足，老人孩子出门容易摔倒。"),
        ("路灯一直闪烁", "{place}的路灯一闪一闪{days}了，晚上晃眼睛，请派人检修灯具。"),
        ("灯杆倾斜", "{place}路边的灯杆歪了，灯也不亮，担心倒下砸到行人。"),
    ],
    WATER: [
        ("{place}停水", "{place}从早上开始停水{days}，没有提前通知，做饭洗漱都没有水。"),
        ("水压太低", "{place}最近{days}水压很低，高层住户接不到自来水，洗澡都困难。"),
        ("自来水发黄", "{place}家里自来水发黄有铁锈味，已经{days}了，担心水质。"),
        ("水管漏水", "{place}楼下的供水管道漏水{days}，自来水一直往外冒。"),
    ],
    WAGES: [
        ("公司拖欠工资", "我在{place}附近的公司上班，老板拖欠工资{days}没发，一直说没钱。"),
        ("讨要工钱", "我们在{place}工地干活，包工头欠薪{days}，工钱一直拿不到。"),
        ("离职后工资未结清", "从{place}的公司离职后，最后一个月的工资拖了{days}还没发。"),
        ("农民工欠薪", "{place}项目的农民工工资被拖欠，老板跑了{days}联系不上。"),
    ],
}


def texts(label: str, count: int, *, seed: int = 0) -> list[tuple[str, str]]:
    """``count`` (title, content) pairs of one category."""
    rng = random.Random(f"{label}-{seed}")
    pairs = []
    for _ in range(count):
        title, content = rng.choice(PHRASES[label])
        values = {"place": rng.choice(PLACES), "days": rng.choice(DAYS)}
        pairs.append((title.format(**values), content.format(**values)))
    return pairs


def examples(
    count: int = 24, *, seed: int = 0, relabel: dict[str, str] | None = None
) -> list[Example]:
    """``count`` examples per category; ``relabel`` moves one category's texts to another label
    (a systematically wrong teacher)."""
    relabel = relabel or {}
    rows = []
    for label in PHRASES:
        for number, (title, content) in enumerate(texts(label, count, seed=seed)):
            rows.append(
                Example(
                    f"{label}-{seed}-{number}", f"{title}\n{content}", relabel.get(label, label)
                )
            )
    return rows


def write_csv(path: Path, rows: list[Example], *, first_level: bool = True) -> Path:
    """The shared dataset's format: id,title,body,label (first-level names by default)."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "title", "body", "label"])
        for number, example in enumerate(rows):
            title, _, body = example.text.partition("\n")
            label = example.label.split(" › ")[0] if first_level else example.label
            writer.writerow([number, title, body, label])
    return path


def register(title: str, content: str, address: str = ""):
    return services.ticket_register(
        channel="web", title=title, content=content, address=address, citizen_phone="13812345678"
    )
