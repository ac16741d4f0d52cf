"""A broker outage delays classification but never loses a ticket (DESIGN.md, non-negotiables).

The web server here publishes to a Redis port nothing listens on; the ticket must still be stored
and numbered at once, and marked as not sent. When the broker is back, a starting worker, the short
sweep of marked tickets and, as the safety net, the stale-ticket sweep (the operators' command and
the same task Celery beat runs every minute) re-queue it and the worker dispatches it.
"""

import time

import pytest
from celery import Celery
from django.conf import settings

from tests import servers
from tests.servers import post_json, wait_for

pytestmark = pytest.mark.integration

# Intake must not wait for the broker: one fast retry, then the sweep takes over.
MAX_INTAKE_SECONDS = 5
DISPATCH_TIMEOUT = 20


@pytest.fixture(scope="module")
def dead_broker_port(stack) -> int:
    return servers.free_port()


@pytest.fixture(scope="module")
def web_without_broker(stack, dead_broker_port):
    # Broker and cache share one Redis in production: both are down, and the anonymous
    # throttle, which keeps its counts in that cache, is on.
    env = stack.env_with(
        CELERY_BROKER_URL=f"redis://127.0.0.1:{dead_broker_port}/0",
        CACHE_URL=f"redis://127.0.0.1:{dead_broker_port}/1",
        ANON_THROTTLE_RATE="1000/minute",
    )
    with servers.django_process("web", env, web_workers=1) as web:
        yield web


def _post_during_outage(web, payload) -> dict:
    started = time.monotonic()
    status, body = post_json(web.url, "/api/tickets/", payload)
    elapsed = time.monotonic() - started
    assert status == 201, body
    assert elapsed < MAX_INTAKE_SECONDS, f"intake waited {elapsed:.1f} s for a dead broker"
    return body


def _older_than_stale_limit(pg, number: str) -> None:
    # STALE_REGISTERED_SECONDS is 1 in this session: make sure a second has passed in the
    # database's own clock, which is what the sweep compares with.
    wait_for(
        lambda: pg.one(
            "SELECT now() - registered_at > interval '1.2 seconds' FROM workorders_ticket"
            " WHERE number = %s",
            (number,),
        )[0],
        timeout=5,
        what="the ticket to become stale",
    )


def _assert_requeued_then_dispatched(kinds: list[str]) -> None:
    assert kinds[0] == "registered", kinds
    assert kinds.count("requeued") == 1, kinds
    assert kinds.count("dispatched") == 1, kinds
    assert kinds.index("requeued") < kinds.index("dispatched"), kinds


def test_ticket_survives_broker_outage_and_is_requeued(
    stack, pg, make_payload, web_without_broker, dead_broker_port
):
    # Given the broker is down, a citizen submits a request
    body = _post_during_outage(web_without_broker, make_payload())

    # Then it is stored, numbered and waiting, and the web server said why it is waiting
    assert pg.status(body["number"]) == "registered"
    assert pg.event_kinds(body["number"]) == ["registered"]
    assert "waits for the sweep" in web_without_broker.log_text()
    _older_than_stale_limit(pg, body["number"])

    # And it is marked for the short re-queue sweep
    assert pg.one(
        "SELECT enqueue_failed_at IS NOT NULL FROM workorders_ticket WHERE number = %s",
        (body["number"],),
    ) == (True,)

    # When the broker and a worker come back
    broker_env = stack.env_with(CELERY_BROKER_URL=f"redis://127.0.0.1:{dead_broker_port}/0")
    with (
        servers.redis_server(port=dead_broker_port),
        servers.django_process("worker", broker_env) as worker,
    ):
        # Then the starting worker re-queues it and it is dispatched, without waiting for the sweep
        wait_for(
            lambda: pg.status(body["number"]) == "dispatched",
            timeout=DISPATCH_TIMEOUT,
            what=f"the re-queued ticket to be dispatched (worker log: {worker.log})",
        )
        # And the operators' command finds nothing left to do
        result = servers.manage("requeue_stale", env=broker_env)
        assert "re-queued 0 ticket(s)" in result.stdout
    _assert_requeued_then_dispatched(pg.event_kinds(body["number"]))


def test_beat_runs_the_sweep_every_minute():
    schedule = settings.CELERY_BEAT_SCHEDULE
    entries = [
        e for e in schedule.values() if e["task"] == "dispatch.tasks.requeue_stale_registered"
    ]
    assert len(entries) == 1
    assert float(entries[0]["schedule"]) <= 60


def test_beat_task_requeues_through_the_real_worker(stack, pg, make_payload, web_without_broker):
    # Given a ticket stored while the broker was down
    body = _post_during_outage(web_without_broker, make_payload(title="路灯不亮（夜间）"))
    _older_than_stale_limit(pg, body["number"])

    # When beat's periodic task reaches the session's worker (published by name, as beat does)
    beat = Celery("beat-stand-in", broker=stack.redis_url, set_as_current=False, fixups=[])
    try:
        beat.send_task("dispatch.tasks.requeue_stale_registered")
    finally:
        beat.close()

    # Then the worker re-queues it and dispatches it
    wait_for(
        lambda: pg.status(body["number"]) == "dispatched",
        timeout=DISPATCH_TIMEOUT,
        what=f"the swept ticket to be dispatched (worker log: {stack.worker.log})",
    )
    _assert_requeued_then_dispatched(pg.event_kinds(body["number"]))
    assert "dispatch.tasks.requeue_stale_registered" in stack.worker.log_text()


def test_beat_resends_failed_sends_every_few_seconds():
    schedule = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert float(schedule["dispatch.tasks.requeue_failed_enqueues"]) <= 10
    assert float(schedule["evaluation.tasks.open_failed_surveys"]) <= 10
