"""The notification backends. Each has ``send(message) -> int`` and raises NotificationError when
delivery failed, so the task can retry; a backend with nobody it can reach sends nothing.
"""

import json
import logging
import sys
import threading
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from hotline.lib.redaction import hide_links, mask_email, mask_name, mask_phone, redact
from hotline.notifications import Message, NotificationError

logger = logging.getLogger(__name__)


class BaseBackend:
    def send(self, message: Message) -> int:
        raise NotImplementedError


def _render(message: Message) -> str:
    to = ", ".join(f"{r.name} <{r.email or r.phone or '-'}>" for r in message.recipients)
    return f"To: {to}\nSubject: {message.subject}\nKind: {message.kind}\n\n{message.body}\n"


def _render_masked(message: Message) -> str:
    """The message as a log may show it: recipients masked, their names, phone numbers, links
    (survey tokens) and query codes hidden in the text. The full text is in the outbox row."""
    to = ", ".join(
        f"{mask_name(r.name)} <{mask_email(r.email) if r.email else mask_phone(r.phone) or '-'}>"
        for r in message.recipients
    )
    body = message.body
    for recipient in message.recipients:
        if len(recipient.name) >= 2:
            body = body.replace(recipient.name, mask_name(recipient.name))
    body = redact(hide_links(body))
    return f"To: {to}\nSubject: {redact(message.subject)}\nKind: {message.kind}\n\n{body}\n"


class ConsoleBackend(BaseBackend):
    """Writes each message to stdout, masked: the embedded default, visible in the worker's
    log. It delivers to nobody, so the log gets no more than a reader of logs may see
    (``_render_masked``); the backends that deliver (file, email, sms) keep the full text."""

    stream = None

    def send(self, message: Message) -> int:
        stream = self.stream or sys.stdout
        stream.write(_render_masked(message) + "-" * 60 + "\n")
        stream.flush()
        return len(message.recipients)


class FileBackend(BaseBackend):
    """One file per message under settings.NOTIFICATION_FILE_PATH (for audits and demos)."""

    def send(self, message: Message) -> int:
        folder = Path(settings.NOTIFICATION_FILE_PATH)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            name = f"{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}.txt"
            (folder / name).write_text(_render(message), encoding="utf-8")
        except OSError as exc:
            raise NotificationError(f"cannot write notification file: {exc}") from exc
        return len(message.recipients)


class EmailBackend(BaseBackend):
    """Through django.core.mail (EMAIL_* settings), to the recipients that have an address."""

    def send(self, message: Message) -> int:
        addresses = sorted({r.email for r in message.recipients if r.email})
        if not addresses:
            return 0
        try:
            send_mail(
                message.subject,
                message.body,
                settings.DEFAULT_FROM_EMAIL,
                addresses,
                fail_silently=False,
            )
        except Exception as exc:  # smtplib, socket and SSL errors all mean "try again later"
            raise NotificationError(f"e-mail failed: {exc}") from exc
        return len(addresses)


class SmsGatewayBackend(BaseBackend):
    """A generic HTTP SMS gateway: POST JSON {"to": [phones], "text": ...} with a bearer token.

    Most Chinese SMS providers (and in-house government gateways) accept this shape or sit
    behind a small adapter that does; the URL and token come from the environment.
    """

    def send(self, message: Message) -> int:
        phones = sorted({r.phone for r in message.recipients if r.phone})
        if not phones:
            return 0
        url = settings.SMS_GATEWAY_URL
        if not url.startswith(("http://", "https://")):
            raise NotificationError("SMS_GATEWAY_URL is not an http(s) URL")
        payload = json.dumps(
            {"to": phones, "text": f"【12345】{message.subject}\n{message.body}"},
            ensure_ascii=False,
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}",
            },
        )
        try:
            with urllib.request.urlopen(  # noqa: S310 - scheme checked above
                request, timeout=settings.SMS_GATEWAY_TIMEOUT
            ) as response:
                status = response.status
                response.read(4096)
        except urllib.error.HTTPError as exc:
            raise NotificationError(f"SMS gateway answered {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise NotificationError(f"SMS gateway unreachable: {exc}") from exc
        if not 200 <= status < 300:
            raise NotificationError(f"SMS gateway answered {status}")
        return len(phones)


class LocmemBackend(BaseBackend):
    """Keeps messages in ``LocmemBackend.outbox`` (tests)."""

    outbox: list[Message] = []
    _lock = threading.Lock()

    def send(self, message: Message) -> int:
        with self._lock:
            LocmemBackend.outbox.append(message)
        return len(message.recipients)
