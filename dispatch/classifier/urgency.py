"""Urgency of a citizen request from its text: "emergency", "urgent" or "normal".

Rule-based on purpose: an emergency (gas leak, fire, people trapped...) must never be missed, the
rules must be auditable by the hotline supervisors, and there is no labelled urgency data to learn
from. The emergency patterns are therefore generous (favour recall); three cheap checks keep the
commonest false alarms down without risking misses:

* negation right before the danger word ("没有着火", "无人受伤") cancels that one mention;
* hypothetical, past or recurring wording in the same clause ("存在火灾隐患", "一旦起火",
  "去年着过火", "电梯多次困人") makes it "urgent" instead: a hazard to fix soon, not a danger
  to life right now;
* a few rules have a mild form ("路面塌陷了一个小坑") that is urgent rather than an emergency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EMERGENCY = "emergency"
URGENT = "urgent"
NORMAL = "normal"


@dataclass(frozen=True)
class _Rule:
    name: str
    level: str
    pattern: re.Pattern[str]
    mild: re.Pattern[str] | None = None  # near the match: downgrade an emergency to urgent


def _rule(name: str, level: str, pattern: str, mild: str | None = None) -> _Rule:
    return _Rule(name, level, re.compile(pattern), re.compile(mild) if mild else None)


_RULES = [
    # --- emergencies: danger to life now ------------------------------------------------------
    # Gas: any leak wording next to a gas word, or the smell itself ("闻到煤气味", "一股燃气味").
    _rule(
        "gas_leak",
        EMERGENCY,
        r"(燃气|煤气|天然气|液化气|沼气).{0,6}?(泄漏|泄露|漏气|漏了|外泄|爆炸|味|往外冒|冒出)"
        r"|闻到.{0,8}(煤气|燃气|天然气|液化气)",
    ),
    # Fire and explosions. 冒烟 catches smouldering wiring and e-bike batteries before flames;
    # a chimney or barbecue smoking is a pollution complaint (环境保护), hence the mild form.
    _rule(
        "fire",
        EMERGENCY,
        r"着火|起火|失火|火灾|大火|火势|火苗|冒火|冒(黑|白|浓)?烟|浓烟|烧起来|燃起来|爆燃|爆炸",
        mild=r"烟囱|烧烤|油烟|排放|焚烧|秸秆|污染",
    ),
    # Flooding of homes or streets; plain "积水" (a puddle) is only urgent, see below.
    _rule(
        "flood",
        EMERGENCY,
        r"积水.{0,4}(很深|太深|齐膝|过膝|齐腰|没过|淹)|水深.{0,4}(膝|腰|米)|(被|水)淹|淹(了|没|到|进)"
        r"|(没过|齐|淹到|到了)(膝|腰|大腿|胸|脖子|车门|车顶)|(车库|地下室|家里|屋里|一楼|店里)(进水|灌水)"
        r"|往里灌|倒灌|内涝|水漫|漫进|洪水|山洪|决堤|决口|溃堤|溃坝|漫堤|管涌",
    ),
    _rule(
        "trapped",
        EMERGENCY,
        # Not 被困扰 ("troubled by noise"), one of the commonest phrases in complaints.
        r"被困(?!扰|惑)|困在|困人|关在电梯|卡在电梯|电梯.{0,8}(困住|关住|卡住)|锁在车里|反锁在",
    ),
    # A small road hole ("路面塌陷了一个小坑") needs a crew today, not an emergency response.
    _rule(
        "collapse",
        EMERGENCY,
        # Bare 滑坡 would also match "教学质量滑坡".
        r"坍塌|塌陷|倒塌|塌了|垮塌|塌方|(山体|山坡|边坡|护坡)滑坡|泥石流",
        mild=r"小坑|小洞|小块|一点|轻微|有点|略微|稍微",
    ),
    # Imminent falls: "塔吊摇摇欲坠", "随时可能倒下". Not 倒闭 ("公司快要倒闭了", unpaid wages).
    _rule(
        "about_to_fall",
        EMERGENCY,
        r"摇摇欲坠|(快|快要|就要|马上|随时|随时可能|随时会)要?(倒塌|坍塌|塌|倒下|砸下|掉下|坠落)",
    ),
    # Someone (or a car) fallen into water, a well or a pit.
    _rule(
        "fell_in",
        EMERGENCY,
        r"(掉|落|跌|摔)(进|入|到|下)了?.{0,4}(河|湖|江|海|水里|井|塘|池|水沟|水渠|窨井|下水道|深坑|坑)",
    ),
    _rule(
        "live_wire",
        EMERGENCY,
        r"(电线|电缆|高压线|电力线).{0,6}(掉|断|落|垂|倒|拖地|耷拉|裸露|打火|火花)|漏电|触电",
    ),
    _rule(
        "burst_main",
        EMERGENCY,
        r"爆管|(水管|管道|供水管|自来水管|主管).{0,4}(爆裂|爆了|破裂|爆开|炸裂)|水管爆"
        r"|路面.{0,4}(喷水|冒水)|水柱",
    ),
    # Injuries and people in danger. Idioms of ordinary complaints are kept out: "吵死人",
    # "救命钱", "流血流汗" (unpaid wages), "120急救车收费" (a billing complaint). A claim about a
    # past injury (工伤, 赔偿, 医药费 nearby) is the mild form: urgent, not an emergency.
    _rule(
        "injury",
        EMERGENCY,
        r"受伤|伤者|晕倒|昏倒|昏迷|不省人事|(大量|一直|在)流血|流了很多血|满脸是血|头破血流|骨折"
        r"|摔伤|砸伤|烧伤|烫伤|咬伤|砸(到|中)人|伤人|出人命|死了人|有人(死|身亡)|溺水|落水|跳楼"
        r"|轻生|自杀|救命啊|(打|叫|拨打?)120|呼吸困难|抽搐|中毒|一氧化碳",
        mild=r"工伤|赔偿|认定|鉴定|医药费|报销|理赔|索赔|费用|手术费",
    ),
    _rule("accident", EMERGENCY, r"车祸|撞(倒|伤|死)|被车撞|撞到人|翻车|侧翻"),
    _rule(
        "chemical",
        EMERGENCY,
        r"(化学品|化工|危化|危险品|硫酸|盐酸|氨气|氯气|液氨|农药|油罐|槽罐).{0,8}"
        r"(泄漏|泄露|外泄|洒|倾倒|翻|漏)|毒气|有毒气体",
    ),
    _rule("elevator_fall", EMERGENCY, r"电梯.{0,6}(坠落|下坠|失控|急坠|溜梯|冲顶)"),
    # --- urgent: basic services out or a hazard that needs a crew today ----------------------
    _rule("water_outage", URGENT, r"停水|断水|没水|没有水|无水|不来水|水压.{0,3}(低|小|不足)"),
    _rule("power_outage", URGENT, r"停电|断电|没电|没有电|跳闸|供电.{0,4}(中断|不稳)"),
    _rule("gas_outage", URGENT, r"停气|没有燃气|没有天然气|燃气.{0,4}(中断|停供)"),
    # No heating becomes an emergency with a cold or vulnerable-people context (see _HEATING_RISK).
    _rule(
        "heating",
        URGENT,
        r"(暖气|供暖|供热|采暖|地暖).{0,6}(不热|不暖|冰凉|冰冷|停了|停止|中断|没有|不足|温度低|不达标)"
        r"|停暖|停止供暖|没有暖气|没暖气|不供暖",
    ),
    _rule(
        "manhole",
        URGENT,
        r"井盖.{0,6}(丢|缺|没了|不见|被盗|坏|破|碎|松|塌|翘|移位)|没有井盖|无井盖|窨井.{0,4}(敞开|没盖)",
    ),
    _rule("road_hole", URGENT, r"(路面|马路|路上|道路).{0,6}(大坑|深坑|坑洞|下陷|沉降)"),
    _rule("leak", URGENT, r"漏水|渗水|(水管|管道).{0,4}(破|漏)|积水"),
    _rule(
        "sewage",
        URGENT,
        r"下水道.{0,4}(堵|反|冒|溢)|污水.{0,4}(外溢|横流|冒|倒流|溢)|化粪池.{0,4}(满|溢|冒)",
    ),
    _rule("elevator", URGENT, r"电梯.{0,6}(故障|坏|停运|停用|不能用|失灵|异响)"),
    _rule("traffic_light", URGENT, r"(红绿灯|信号灯|交通灯).{0,6}(坏|不亮|故障|失灵|熄灭)"),
    _rule(
        "falling_object",
        URGENT,
        r"(大树|树木|树枝|行道树|广告牌|招牌|围墙|外墙|墙皮|瓷砖).{0,6}(倒|断|掉落|倾斜|脱落|开裂|松动)"
        r"|危房",
    ),
]

_LEVELS = {rule.name: rule.level for rule in _RULES}

# Negation immediately before the danger word, optionally with a verb and "人/人员" in between:
# "没有着火", "并未发生火灾", "无人受伤", "没有造成人员受伤".
_NEGATED = re.compile(r"(没有|没|不是|并非|并未|未|无)(发生|出现|造成|引起|导致)?(人员|人)?$")
# Hypothetical, preventive or past wording anywhere earlier in the same clause.
_HYPOTHETICAL = re.compile(
    r"隐患|一旦|万一|如果|假如|若是|要是|以免|避免|防止|预防|谨防|担心|怕|容易|演练|宣传|防范|培训"
    # Past or recurring events ("2018年发生火灾", "多次困人", "差点出车祸") describe a standing
    # problem to fix, not someone in danger now.
    r"|去年|前年|曾经|以前|上次|年前|\d{4}年|多次|经常|时有发生|频繁|每年|年年|差点|险些"
)
# ... or right after it: "火灾隐患", "坍塌的危险", "消防演练".
_HYPOTHETICAL_AFTER = re.compile(r"^的?(隐患|风险|危险|演练|预案|防范|知识|宣传|可能)")
_CLAUSE_END = re.compile(r"[，。！？；,.!?;：:\n]")
# Cold or vulnerable people turn a heating failure into an emergency in deep winter.
_HEATING_RISK = re.compile(
    r"零下|[-－]\d+度|冰点|结冰|严寒|寒潮|暴雪|冻|老人|孩子|小孩|婴儿|宝宝|病人|瘫痪|孕妇|发烧|生病"
)
_SPACES = re.compile(r"[\s\u3000]+")


def _clause_before(text: str, start: int) -> str:
    before = text[max(0, start - 30) : start]
    cut = [m.end() for m in _CLAUSE_END.finditer(before)]
    return before[cut[-1] :] if cut else before


def urgency_signals(text: str) -> list[tuple[str, str]]:
    """The rules that fired, as (rule name, level) pairs after negation and downgrades."""
    # Spaces may split a danger word ("着 火"); a line break still ends a clause.
    text = _SPACES.sub("", (text or "").replace("\n", "。"))
    signals: list[tuple[str, str]] = []
    for rule in _RULES:
        for match in rule.pattern.finditer(text):
            clause = _clause_before(text, match.start())
            if _NEGATED.search(clause):
                continue
            level = rule.level
            if rule.name == "heating" and _HEATING_RISK.search(text):
                level = EMERGENCY
            if level == EMERGENCY:
                after = text[match.end() : match.end() + 6]
                around = text[max(0, match.start() - 10) : match.end() + 10]
                if (
                    _HYPOTHETICAL.search(clause)
                    or _HYPOTHETICAL_AFTER.search(after)
                    or (rule.mild is not None and rule.mild.search(around))
                ):
                    level = URGENT
            signals.append((rule.name, level))
            if level == rule.level == EMERGENCY:
                break  # one firm hit per rule is enough
    return signals


def detect_urgency(text: str) -> tuple[str, float]:
    """("emergency" | "urgent" | "normal", confidence in that level)."""
    signals = urgency_signals(text)
    emergencies = {name for name, level in signals if level == EMERGENCY}
    if emergencies:
        # Two independent danger rules agreeing ("燃气泄漏" + "有人晕倒") leave little doubt.
        return EMERGENCY, 0.97 if len(emergencies) > 1 else 0.9
    urgent = [(name, level) for name, level in signals if level == URGENT]
    if urgent:
        # Direct urgent wording is surer than an emergency rule downgraded by "隐患" and the like.
        direct = any(_LEVELS[name] == URGENT for name, _ in urgent)
        return URGENT, 0.8 if direct else 0.65
    return NORMAL, 0.85
