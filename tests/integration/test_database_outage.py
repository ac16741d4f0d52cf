"""A database outage (PostgreSQL stopped or restarting) answers 503 with Retry-After: JSON in the
API's error shape under /api/, the 503 page elsewhere; never the 500 page.

This module runs its own PostgreSQL and web server: stopping the session's database would take
the other integration tests down with it.
"""

import http.client
import json
import os
import signal
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests import servers
from tests.servers import wait_for

pytestmark = pytest.mark.integration


def get(base_url: str, path: str, headers: dict | None = None) -> tuple[int, dict, str]:
    parts = urlsplit(base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": "127.0.0.1", **(headers or {})})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        conn.close()


@pytest.fixture
def web_and_database(integration_binaries):
    var_dir = Path(tempfile.mkdtemp(prefix="hotline-it-outage-"))
    with servers.postgres_server(fast_unsafe=True) as database_url:
        env = servers.django_env(
            database_url=database_url,
            # No broker is needed: nothing here registers a ticket.
            broker_url=f"redis://127.0.0.1:{servers.free_port()}/0",
            var_dir=var_dir,
        )
        with servers.django_process("migrate", env):
            pass
        with servers.django_process("web", env, web_workers=1) as web:
            yield web, database_url


def test_api_and_pages_answer_503_while_postgresql_is_down(web_and_database):
    web, database_url = web_and_database
    lookup = "/api/public/tickets/20990101-000001/?code=ABCDEF"
    status, _, body = get(web.url, lookup)
    assert status == 404 and json.loads(body)["code"] == "not_found"  # the database answers

    os.killpg(database_url.pid, signal.SIGINT)  # PostgreSQL's fast shutdown
    port = urlsplit(database_url).port
    wait_for(lambda: not servers._port_open(port), timeout=20, what="PostgreSQL to stop")

    status, headers, body = get(web.url, lookup)
    assert status == 503, body[:500]
    assert int(headers["Retry-After"]) > 0
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["code"] == "unavailable"
    assert set(json.loads(body)) == {"code", "message", "fields"}

    # A page that reads its session from the database.
    status, headers, body = get(web.url, "/track/", {"Cookie": "sessionid=abcdefghijklmnop"})
    assert status == 503, body[:500]
    assert int(headers["Retry-After"]) > 0
    assert headers["Content-Type"].startswith("text/html") and "系统暂时不可用" in body
    assert "Internal Server Error" not in web.log_text()
