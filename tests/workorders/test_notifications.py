"""Notification backends and the outbox: a failing SMS gateway is retried with backoff, marked
failed in the end, and never blocks the action that caused the message.

The "gateway" is a small HTTP server on 127.0.0.1 started by the test (no network).
"""

import io
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.utils import timezone

from hotline.notifications import Message, NotificationError, Recipient, send_notification
from hotline.notifications.backends import ConsoleBackend, LocmemBackend
from tests.workorders.deadline_helpers import at, dispatch_at
from workorders import services, tasks
from workorders.models import Notification, Supervision
from workorders.services import notifications as outbox

MESSAGE = Message(
    subject="【督办】工单 20260302-000001 请尽快办理",
    body="市城市管理委员会：请尽快办理。",
    recipients=(
        Recipient(name="王主任", email="wang@example.org", phone="13900000001"),
        Recipient(name="小刘", phone="13900000002"),
    ),
    kind="supervised",
)


class Gateway:
    """A fake SMS gateway: answers with the next status of ``script`` (then the last one)."""

    def __init__(self, script=(200,), delay: float = 0.0):
        self.script, self.delay, self.requests = list(script), delay, []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.requests.append((dict(self.headers), json.loads(body)))
                time.sleep(gateway.delay)
                status = gateway.script.pop(0) if len(gateway.script) > 1 else gateway.script[0]
                try:
                    self.send_response(status)
                    self.end_headers()
                    self.wfile.write(b'{"ok": true}')
                except OSError:
                    pass  # the client gave up (the timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    def start(script=(200,), delay=0.0):
        started = Gateway(script, delay)
        opened.append(started)
        settings.SMS_GATEWAY_URL = started.url
        settings.SMS_GATEWAY_TOKEN = "test-token"
        settings.SMS_GATEWAY_TIMEOUT = 0.5
        return started

    opened = []
    yield start
    for server in opened:
        server.close()


@pytest.fixture(autouse=True)
def broker(monkeypatch):
    sent = []
    monkeypatch.setattr(
        outbox.celery_app, "send_task", lambda name, args: sent.append((name, *args))
    )
    return sent


@pytest.fixture(autouse=True)
def empty_locmem():
    LocmemBackend.outbox.clear()
    yield
    LocmemBackend.outbox.clear()


# --- backends ----------------------------------------------------------------------------------


def test_console_backend(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(ConsoleBackend, "stream", stream)
    assert send_notification(backend="console", message=MESSAGE) == 2
    assert "Subject: 【督办】工单 20260302-000001 请尽快办理" in stream.getvalue()
    # It delivers to nobody: the recipients masked, as a log may show them.
    assert "王** <w***@example.org>, 小* <139****0002>" in stream.getvalue()
    assert "13900000002" not in stream.getvalue()


def test_file_backend(settings, tmp_path):
    settings.NOTIFICATION_FILE_PATH = tmp_path / "notices"
    send_notification(backend="file", message=MESSAGE)
    (written,) = (tmp_path / "notices").iterdir()
    assert "市城市管理委员会：请尽快办理。" in written.read_text(encoding="utf-8")


def test_email_backend_uses_django_mail(settings):
    settings.DEFAULT_FROM_EMAIL = "12345@city.example"
    assert send_notification(backend="email", message=MESSAGE) == 1
    (sent,) = mail.outbox
    assert sent.to == ["wang@example.org"] and sent.subject == MESSAGE.subject
    assert sent.from_email == "12345@city.example"


def test_locmem_backend():
    send_notification(backend="locmem", message=MESSAGE)
    assert LocmemBackend.outbox == [MESSAGE]


def test_sms_gateway_posts_json_with_the_token(gateway):
    server = gateway()
    assert send_notification(backend="sms", message=MESSAGE) == 2
    ((headers, payload),) = server.requests
    assert headers["Authorization"] == "Bearer test-token"
    assert payload["to"] == ["13900000001", "13900000002"]
    assert payload["text"].startswith("【12345】【督办】")


@pytest.mark.parametrize("script", [(500,), (403,)])
def test_sms_gateway_refusal_is_an_error(gateway, script):
    gateway(script)
    with pytest.raises(NotificationError, match=str(script[0])):
        send_notification(backend="sms", message=MESSAGE)


def test_sms_gateway_timeout_and_unreachable_are_errors(gateway, settings):
    gateway(delay=1.5)
    with pytest.raises(NotificationError, match="unreachable"):
        send_notification(backend="sms", message=MESSAGE)
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:9/nothing-listens-here"
    with pytest.raises(NotificationError):
        send_notification(backend="sms", message=MESSAGE)


def test_nobody_to_reach_sends_nothing(gateway):
    server = gateway()
    lonely = Message(subject="s", body="b", recipients=(Recipient(name="无联系方式"),))
    assert send_notification(backend="sms", message=lonely) == 0
    assert send_notification(backend="email", message=lonely) == 0
    assert server.requests == [] and mail.outbox == []


def test_unknown_backend():
    with pytest.raises(NotificationError):
        send_notification(backend="pigeon", message=MESSAGE)


# --- the outbox and the task ---------------------------------------------------------------------


def stored(backend: str = "locmem") -> Notification:
    now = timezone.now()
    return Notification.objects.create(
        backend=backend,
        kind="supervised",
        subject=MESSAGE.subject,
        body=MESSAGE.body,
        recipients=[r.as_dict() for r in MESSAGE.recipients],
        created_at=now,
        queued_at=now,
    )


def test_a_row_is_sent_once(db):
    row = stored()
    assert outbox.notification_send(notification_id=row.pk, final_attempt=False) == "sent"
    assert outbox.notification_send(notification_id=row.pk, final_attempt=False) == "skipped"
    row.refresh_from_db()
    assert row.sent_at and row.attempts == 1 and len(LocmemBackend.outbox) == 1


def test_a_row_another_worker_holds_is_left_alone(db):
    row = stored()
    Notification.objects.filter(pk=row.pk).update(
        claimed_until=timezone.now() + timedelta(seconds=60)
    )
    assert outbox.notification_send(notification_id=row.pk, final_attempt=False) == "skipped"
    assert LocmemBackend.outbox == []


def test_failing_gateway_is_retried_then_marked_failed(db, gateway, settings):
    server = gateway((503,))
    row = stored("sms")
    # apply() runs the task and its retries in this process, one after another (the countdowns
    # are what a worker would wait); the bookkeeping is the same.
    result = tasks.send_notification.apply(args=[row.pk])
    assert result.get() == "failed"
    row.refresh_from_db()
    assert row.attempts == settings.NOTIFICATION_MAX_RETRIES + 1
    assert row.failed_at and row.sent_at is None and "503" in row.last_error
    assert len(server.requests) == row.attempts


def test_a_gateway_that_recovers(db, gateway):
    server = gateway((500, 502, 200))
    row = stored("sms")
    assert tasks.send_notification.apply(args=[row.pk]).get() == "sent"
    row.refresh_from_db()
    assert (row.attempts, row.last_error, len(server.requests)) == (3, "", 3)
    assert row.sent_at is not None


def test_backoff_grows_and_is_capped():
    waits = [tasks._backoff(n) for n in range(10)]
    assert waits[0] >= 15 and waits[1] >= 30 and waits[3] >= 120
    assert all(wait <= 605 for wait in waits)


def test_a_failing_gateway_never_blocks_supervision(
    city, dispatcher, unit_staff, gateway, settings, broker, django_capture_on_commit_callbacks
):
    server = gateway((500,))
    settings.NOTIFICATION_BACKENDS = ["sms"]
    unit_staff.profile.mobile = "13900000002"
    unit_staff.profile.save()
    ticket = dispatch_at(at(2026, 3, 2, 10), city, dispatcher)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_supervise(ticket_id=ticket.pk, actor=dispatcher, note="请今日内办理")
    # The action is done and on record before anything is sent: no request reached the gateway.
    assert Supervision.objects.filter(ticket=ticket).exists()
    assert server.requests == []
    (row,) = Notification.objects.filter(kind="supervised")  # the dispatch notified too
    assert broker == [("workorders.tasks.send_notification", row.pk)]
    assert tasks.send_notification.apply(args=[row.pk]).get() == "failed"
    assert Supervision.objects.filter(ticket=ticket, acknowledged_at__isnull=True).count() == 1


def test_rows_whose_task_was_lost_are_queued_again(db, monkeypatch, broker):
    def broker_down(name, args):
        raise ConnectionError("broker down")

    monkeypatch.setattr(outbox.celery_app, "send_task", broker_down)
    row = stored()
    assert outbox.enqueue_notifications([row.pk]) == 0
    monkeypatch.setattr(
        outbox.celery_app, "send_task", lambda name, args: broker.append((name, *args))
    )
    assert outbox.notifications_requeue_stale() == 0  # too recent: its task may still come
    later = timezone.now() + timedelta(minutes=6)
    assert outbox.notifications_requeue_stale(now=later) == 1
    assert broker == [("workorders.tasks.send_notification", row.pk)]
    assert outbox.notifications_requeue_stale(now=later) == 0  # not again at once


def test_templates_are_chinese(db):
    subject, body = outbox.render(
        "supervised",
        {
            "unit": "市城市管理委员会",
            "number": "20260302-000001",
            "title": "路灯不亮",
            "note": "请尽快办理",
        },
    )
    assert subject == "【督办】工单 20260302-000001 请尽快办理并回复"
    assert "督办意见：请尽快办理" in body and "&" not in body
