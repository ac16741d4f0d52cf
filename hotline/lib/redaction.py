"""Personal data and secrets kept out of logs: phone numbers masked (``139****5678``), query
codes and survey tokens hidden.

Logs are read by operations staff and shipped to log stores that outlive the tickets; a survey
link or a query code in them would let their readers answer a survey or read a ticket, and a
full phone number identifies a citizen. ``RedactFilter`` sits on every log handler
(settings.LOGGING), so no line goes out unmasked whatever wrote it; the console notification
backend uses the same functions for what it prints.
"""

import logging
import re

HIDDEN = "***"
# Mobile numbers (11 digits from 13x to 19x) and landlines written with their area code.
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-)\d{3,4}(\d{4})(?!\d)")
# The secrets of the links citizens get: survey tokens in paths, query codes in query strings.
_SURVEY_PATH = re.compile(r"(/surveys?/)[^/\s?#\"']+")
_CODE_PARAMETER = re.compile(r"([?&](?:code|query_code)=)[^&\s#\"']+", re.IGNORECASE)
_CODE_WORDS = re.compile(r"(查询码|query code)([:：\s]*)[0-9A-Za-z]{4,16}", re.IGNORECASE)
_URL = re.compile(r"https?://\S+")


def mask_phone(phone: str) -> str:
    """``13912345678`` → ``139****5678``; short or odd numbers keep only their last two digits."""
    phone = phone or ""
    if len(phone) >= 7:
        return phone[:3] + "****" + phone[-4:]
    return "*" * max(len(phone) - 2, 0) + phone[-2:]


def mask_name(name: str) -> str:
    """``李明`` → ``李*``; a one-character name is starred too, so the mask tells no length."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask_email(address: str) -> str:
    local, at, domain = (address or "").partition("@")
    return f"{local[:1]}***{at}{domain}" if at else mask_name(address)


def redact(text: str) -> str:
    """Phone numbers masked, survey tokens and query codes hidden."""
    text = _MOBILE.sub(r"\1****\2", text)
    text = _LANDLINE.sub(r"\1****\2", text)
    text = _SURVEY_PATH.sub(rf"\1{HIDDEN}", text)
    text = _CODE_PARAMETER.sub(rf"\1{HIDDEN}", text)
    return _CODE_WORDS.sub(rf"\1\2{HIDDEN}", text)


def hide_links(text: str) -> str:
    """Every link replaced: the links of notifications are the citizen's keys."""
    return _URL.sub("[链接已隐藏 link hidden]", text)


class RedactFilter(logging.Filter):
    """Rewrites each record's message through ``redact`` (settings.LOGGING, every handler)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: let logging report it as usual
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
