"""Keep query codes out of the logs.

A ticket's query code is a secret, and log lines are read by people who may not know it. The
tracking API takes it in a header or a POST body, but clients of the deprecated ``?code=`` form
still put it in the URL, and the request lines of runserver (``django.server``) and gunicorn's
access log (``gunicorn.access``) print the query string. This filter, on every handler of
hotline.settings.LOGGING, blanks the value of ``code`` and ``query_code`` in any message.
"""

import logging
import re

# "?code=ABC234", "&query_code=abc234": the parameter's name is kept, its value replaced.
QUERY_CODE = re.compile(r"(?i)([?&;](?:query_)?code=)[^&;#\s\"']*")


def redact(text: str) -> str:
    return QUERY_CODE.sub(r"\1[redacted]", text)


class RedactQueryCodes(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            # The message is final from here on: its arguments carried the code.
            record.msg, record.args = cleaned, None
        return True
