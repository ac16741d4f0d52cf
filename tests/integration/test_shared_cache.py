"""Production's cache is Redis, shared by every web process: a client's failed look-ups are
counted once for all of them, and past the limit every process refuses it."""

import http.client
import json
from urllib.parse import urlsplit

import pytest
import redis

from tests.integration.conftest import cache_url
from tests.servers import post_json

pytestmark = pytest.mark.integration

LIMIT = 20  # TRACKING_FAILURE_LIMIT's default


def get(base_url: str, path: str, *, client: str) -> tuple[int, dict]:
    # A fresh connection each time, so the requests spread over the web processes.
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("GET", path, headers={"X-Forwarded-For": client, "Accept": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        conn.close()


def test_failed_lookups_are_counted_in_redis_for_every_web_process(stack, make_payload):
    status, body = post_json(stack.web_url, "/api/tickets/", make_payload())
    assert status == 201, body
    number, code = body["number"], body["query_code"]
    wrong = f"/api/public/tickets/{number}/?code=WRONG1"

    statuses = [get(stack.web_url, wrong, client="192.0.2.77")[0] for _ in range(LIMIT)]

    assert statuses == [404] * LIMIT
    store = redis.Redis.from_url(cache_url(stack.redis_url))
    keys = store.keys("*guess:tracking:*")
    assert len(keys) == 1 and int(store.get(keys[0])) == LIMIT
    assert 0 < store.ttl(keys[0]) <= 15 * 60
    right = f"/api/public/tickets/{number}/?code={code}"
    status, refused = get(stack.web_url, right, client="192.0.2.77")
    assert (status, refused["code"]) == (429, "too_many_attempts")
    # Another client behind the same proxy is not affected.
    assert get(stack.web_url, right, client="192.0.2.78")[0] == 200
