"""The shared cache fails open: with Redis down every operation is a miss, never an error."""

import logging

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from tests.pages import registered
from tests.servers import free_port


@pytest.fixture
def dead_redis_cache():
    location = f"redis://127.0.0.1:{free_port()}/1"  # nothing listens there
    backend = {
        "BACKEND": "hotline.lib.cache.ResilientRedisCache",
        "LOCATION": location,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    with override_settings(CACHES={"default": backend}):
        yield cache


def test_every_operation_is_a_miss(dead_redis_cache, caplog):
    with caplog.at_level(logging.WARNING, logger="hotline.lib.cache"):
        assert dead_redis_cache.get("k", "default") == "default"
        assert dead_redis_cache.get_many(["a", "b"]) == {}
        assert dead_redis_cache.add("k", 1) is False
        assert dead_redis_cache.set("k", 1) is None
        assert dead_redis_cache.set_many({"a": 1}) == ["a"]
        assert dead_redis_cache.has_key("k") is False
        assert dead_redis_cache.touch("k") is False
        assert dead_redis_cache.delete("k") is False
        dead_redis_cache.delete_many(["a"])
        dead_redis_cache.clear()
        with pytest.raises(ValueError):
            dead_redis_cache.incr("k")
    # One warning a minute, not one per operation.
    warnings = [r for r in caplog.records if r.name == "hotline.lib.cache"]
    assert len(warnings) <= 1


@override_settings(TRACKING_FAILURE_LIMIT=2)
def test_tracking_still_works_while_redis_is_down(dead_redis_cache, db):
    ticket = registered()
    browser = Client()
    for _ in range(4):  # the limit cannot count: it is off, not in the way
        response = browser.post("/track/", {"number": ticket.number, "query_code": "WRONG1"})
        assert response.status_code == 404

    right = {"number": ticket.number, "query_code": ticket.query_code}
    assert browser.post("/track/", right).status_code == 302


def test_the_ten_second_housekeeping_is_quiet_unless_it_warns():
    import logging

    from hotline.lib.quiet_tasks import QuietHousekeeping

    quiet = QuietHousekeeping()

    def record(name, level, message):
        return logging.LogRecord(name, level, "", 0, message, (), None)

    task = "dispatch.tasks.requeue_failed_enqueues"
    assert not quiet.filter(record("celery.beat", logging.INFO, f"Sending due task x ({task})"))
    assert not quiet.filter(record("celery.app.trace", logging.INFO, f"Task {task}[1] succeeded"))
    assert quiet.filter(record("celery.app.trace", logging.ERROR, f"Task {task}[1] raised"))
    other = "Task dispatch.tasks.auto_dispatch[2] succeeded"
    assert quiet.filter(record("celery.app.trace", logging.INFO, other))
