"""Request type (咨询 / 求助 / 投诉 / 举报 / 建议 / 表扬) from the request text, by rules.

Rules rather than a model: the only labels the database has are what operators pick on the phone
(often left blank on the web form), and the types are signalled by a small, stable vocabulary —
"请问" asks, "举报" reports, "建议" suggests, "感谢" praises. Pure Python, no Django.
"""

import re

# (type, pattern, weight). A title hit counts double: the title states what the citizen wants.
_RULES: tuple[tuple[str, re.Pattern[str], float], ...] = (
    ("praise", re.compile(r"表扬|点赞|好评|锦旗|致谢|值得学习|为.{0,8}点赞"), 3.0),
    # Complaints often end with "感谢": alone it is weak evidence of praise.
    ("praise", re.compile(r"感谢|辛苦了|热心|及时帮"), 0.5),
    (
        "report",
        re.compile(r"举报|检举|揭发|偷排|非法|违法|违规|无证|黑作坊|倒卖|传销|诈骗|私自|偷偷"),
        2.0,
    ),
    (
        "suggestion",
        re.compile(
            r"建议|提议|增设|希望.{0,10}(增加|开设|设置|开通|延长)|能否.{0,10}(增加|设置|开通|延长)"
            r"|可否|呼吁|意见和建议"
        ),
        2.0,
    ),
    (
        "inquiry",
        re.compile(
            r"咨询|请问|问一下|想问|想了解|怎么办理|如何办理|需要什么|需要哪些|什么条件|在哪里"
            r"|在哪儿|是否可以|能不能|可不可以|是否需要|多久|什么时候|流程|政策"
        ),
        2.0,
    ),
    (
        "complaint",
        re.compile(
            r"投诉|不满|态度差|态度很差|扰民|拖欠|推诿|不作为|乱收费|太差|严重影响|多次反映"
            r"|一直没人|无人处理|没人管|拒绝|不给|刁难|噪音|噪声|声音太大|不负责|电话不接|不接电话"
        ),
        1.5,
    ),
    ("help", re.compile(r"求助|帮忙|帮助|请尽快|尽快|救助|维修|处理一下|解决"), 1.0),
)
_DEFAULT = "help"  # a citizen who writes in wants something done


def detect_request_type(title: str, content: str) -> tuple[str, float]:
    """The likeliest request type and a rough confidence in [0, 1]."""
    scores: dict[str, float] = {}
    for kind, pattern, weight in _RULES:
        hits = len(pattern.findall(content)) + 2 * len(pattern.findall(title))
        if hits:
            scores[kind] = scores.get(kind, 0.0) + weight * hits
    if not scores:
        return _DEFAULT, 0.4
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    best, score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    # Same shape as the keyword classifier's confidence: a clear winner reaches about 0.7-0.9.
    return best, round(score / (score + runner_up + 1.0), 3)
