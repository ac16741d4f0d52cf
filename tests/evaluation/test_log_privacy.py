"""What the logs get: the survey SMS through the console backend (the default of ``make run``)
as the worker logs it, and Django's own request lines. No full phone number, no citizen's name,
no survey token or query code; the outbox row keeps the full text for the backends that deliver.
"""

import io
import logging

import pytest
from celery.utils.log import LoggingProxy
from rest_framework.test import APIClient

from hotline.lib.redaction import RedactFilter, redact
from hotline.notifications.backends import ConsoleBackend
from tests.evaluation import PHONE, link_of, resolved_in_follow_up
from workorders.models import Notification
from workorders.services.notifications import notification_send


@pytest.fixture
def worker_log(monkeypatch):
    """The stream of the platform's configured log handler, and the worker's stdout as Celery
    redirects it (CELERY_WORKER_REDIRECT_STDOUTS_LEVEL) to the logger "celery.redirected"."""
    (handler,) = [
        h for h in logging.root.handlers if any(isinstance(f, RedactFilter) for f in h.filters)
    ]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    monkeypatch.setattr(
        ConsoleBackend, "stream", LoggingProxy(logging.getLogger("celery.redirected"), logging.INFO)
    )
    yield stream
    handler.setStream(previous)


def test_the_survey_sms_reaches_the_log_masked(city, dispatcher, unit_staff, settings, worker_log):
    settings.NOTIFICATION_BACKENDS = ["console"]
    follow_up = resolved_in_follow_up(city, dispatcher, unit_staff, citizen_name="李明")
    row = Notification.objects.get(kind="survey", ticket_ids=[follow_up.ticket_id])
    token = link_of(follow_up).split("/")[-2]

    assert notification_send(notification_id=row.pk, final_attempt=False) == "sent"

    log = worker_log.getvalue()
    assert "【回访】" in log  # the message did reach the log
    assert "138****5678" in log
    assert PHONE not in log
    assert token not in log and token.split(":")[0] not in log
    assert "李明" not in log and "李*" in log
    # The outbox keeps the full text, for the backends that deliver it.
    row.refresh_from_db()
    assert token in row.body and "李明" in row.body


def test_request_lines_hide_survey_tokens_and_query_codes(db, worker_log):
    APIClient().get("/api/public/surveys/abc123:signature/")
    logging.getLogger("workorders").warning(
        "looked up %s with code=%s from 13912345678, 查询码 K7M2PQ", "/track/?code=K7M2PQ", "X"
    )

    log = worker_log.getvalue()
    assert "Not Found: /api/public/surveys/***/" in log
    assert "abc123" not in log
    assert "K7M2PQ" not in log
    assert "13912345678" not in log and "139****5678" in log


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call 13912345678 now", "call 139****5678 now"),
        ("landline 010-62345678", "landline 010-****5678"),
        ("ticket 20260302-000001 at 1733212345678", "ticket 20260302-000001 at 1733212345678"),
        ("GET /evaluation/survey/abc:def/ 200", "GET /evaluation/survey/***/ 200"),
        ("GET /api/public/tickets/N/?code=ABC234&x=1", "GET /api/public/tickets/N/?code=***&x=1"),
        ("查询码 ABC234", "查询码 ***"),
    ],
)
def test_redact(text, expected):
    assert redact(text) == expected


def test_every_configured_log_handler_filters(settings):
    assert all("redact" in handler["filters"] for handler in settings.LOGGING["handlers"].values())
    assert not logging.getLogger("django").handlers  # Django's own print unfiltered when DEBUG
