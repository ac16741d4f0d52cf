"""Notifications (SMS, e-mail, …) through pluggable backends, configured like Django's e-mail
backends: settings.NOTIFICATION_BACKENDS names the aliases in use, and
settings.NOTIFICATION_BACKEND_CLASSES maps each alias to its class.

``send_notification`` does network I/O: call it only from a Celery task
(workorders.tasks.send_notification), never inside a transaction or a web request.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Recipient:
    name: str = ""
    email: str = ""
    phone: str = ""

    @classmethod
    def from_dict(cls, data: dict) -> "Recipient":
        return cls(
            name=data.get("name", ""), email=data.get("email", ""), phone=data.get("phone", "")
        )

    def as_dict(self) -> dict:
        return {"name": self.name, "email": self.email, "phone": self.phone}


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    recipients: tuple[Recipient, ...]
    kind: str = ""


class NotificationError(Exception):
    """The backend could not deliver; the caller may retry."""


def get_backend(alias: str):
    try:
        dotted = settings.NOTIFICATION_BACKEND_CLASSES[alias]
    except KeyError:
        raise NotificationError(f"unknown notification backend {alias!r}") from None
    return import_string(dotted)()


def configured_backends() -> list[str]:
    return list(settings.NOTIFICATION_BACKENDS)


def send_notification(*, backend: str, message: Message) -> int:
    """Deliver ``message`` through one backend; returns how many recipients it reached.

    Raises NotificationError when the backend failed (network, gateway refusal).
    """
    return get_backend(backend).send(message)
