"""Bilingual text for the pages: Simplified Chinese first, English as small secondary text.

The whole UI is written in both languages at once (labels, choices and domain errors are all
"中文 (English)"), so switching the language swaps which of the two is primary instead of relying
on translation catalogues that would drift from the code.
"""

import re

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.translation import get_language

register = template.Library()

# "已签收 (accepted)" → ("已签收", "accepted"); the last parenthesised part is the English.
_PAIR = re.compile(r"^(?P<zh>.*\S)\s+\((?P<en>[^()]*(?:\([^()]*\)[^()]*)*)\)\s*$", re.DOTALL)


def _english_first() -> bool:
    return (get_language() or "").startswith("en")


def _render(zh: str, en: str):
    if not en:
        return format_html("{}", zh)
    if _english_first():
        return format_html('<span lang="en">{}</span> <small lang="zh-Hans">{}</small>', en, zh)
    return format_html('<span lang="zh-Hans">{}</span> <small lang="en">{}</small>', zh, en)


def split_pair(text) -> tuple[str, str]:
    text = str(text or "")
    match = _PAIR.match(text)
    if match is None:
        return text, ""
    return match["zh"], match["en"]


@register.filter
def bi(text):
    """Render "中文 (English)" as primary text plus small secondary text."""
    return _render(*split_pair(text))


@register.filter
def zh(text):
    """Only the primary (Chinese) part of "中文 (English)"."""
    return split_pair(text)[0]


@register.simple_tag
def t(zh_text: str, en_text: str = ""):
    """A literal label in both languages: {% t "提交诉求" "Submit a request" %}."""
    return _render(zh_text, en_text)


@register.simple_tag
def tp(zh_text: str, en_text: str = "") -> str:
    """Plain-text form for attributes and <title>: "提交诉求 (Submit a request)"."""
    if not en_text:
        return zh_text
    return f"{en_text} ({zh_text})" if _english_first() else f"{zh_text} ({en_text})"


@register.filter
def percent(value) -> str:
    try:
        return f"{float(value) * 100:.0f}%"
    except (TypeError, ValueError):
        return "—"


@register.filter
def isotime(value):
    """An ISO timestamp kept in an event's data, as a local datetime for the date filter."""
    parsed = parse_datetime(str(value or ""))
    if parsed is None:
        return value
    return timezone.localtime(parsed) if timezone.is_aware(parsed) else parsed
