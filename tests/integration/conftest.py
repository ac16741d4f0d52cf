"""One PostgreSQL, one Redis, a web server (gunicorn) and a Celery worker for the whole session.

The integration tests talk to these processes over HTTP and read PostgreSQL directly with
psycopg; they never use Django's test database (the unit tests in the same pytest session run
on SQLite with hotline.settings_test). Every process is stopped when the session ends, also
after a failure. Without the server binaries everything here is skipped with the reason.
"""

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import servers

# The sweep test needs tickets to count as stale after a second, not two minutes.
STALE_SECONDS = "1"


@dataclass
class Stack:
    database_url: str
    redis_url: str
    var_dir: Path
    env: dict[str, str]
    web: servers.DjangoProcess
    worker: servers.DjangoProcess

    @property
    def web_url(self) -> str:
        return self.web.url

    def env_with(self, **overrides: str) -> dict[str, str]:
        return {**self.env, **overrides}


@pytest.fixture(scope="session")
def integration_binaries() -> None:
    reason = servers.binaries_missing()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def database_url(integration_binaries) -> Iterator[str]:
    # fsync off is fine for a database that is thrown away after the run (never for bench).
    with servers.postgres_server(fast_unsafe=True) as url:
        yield url


@pytest.fixture(scope="session")
def redis_url(integration_binaries) -> Iterator[str]:
    with servers.redis_server() as url:
        yield url


def cache_url(redis_url: str) -> str:
    return redis_url.rsplit("/", 1)[0] + "/1"


@pytest.fixture(scope="session")
def stack(request, database_url, redis_url) -> Iterator[Stack]:
    var_dir = Path(tempfile.mkdtemp(prefix="hotline-it-var-"))
    env = servers.django_env(
        database_url=database_url,
        broker_url=redis_url,
        var_dir=var_dir,
        STALE_REGISTERED_SECONDS=STALE_SECONDS,
        # Production's shared cache (a database of its own beside the broker's) behind one
        # trusted proxy: test_shared_cache.py tells its clients apart by X-Forwarded-For.
        CACHE_URL=cache_url(redis_url),
        TRUSTED_PROXIES="1",
    )
    with servers.django_process("migrate", env):
        pass
    servers.seed_city(env)
    with (
        servers.django_process("web", env, web_workers=2, web_threads=4) as web,
        servers.django_process("worker", env, worker_concurrency=2) as worker,
    ):
        yield Stack(database_url, redis_url, var_dir, env, web, worker)
    # The processes' logs are named in failure messages: keep them when something failed.
    if not request.session.testsfailed:
        shutil.rmtree(var_dir, ignore_errors=True)


class Pg:
    """Direct reads of the system of record, as the tests' source of truth."""

    def __init__(self, url: str):
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)

    def one(self, sql: str, params: tuple = ()) -> tuple | None:
        return self.conn.execute(sql, params).fetchone()

    def all(self, sql: str, params: tuple = ()) -> list[tuple]:
        return self.conn.execute(sql, params).fetchall()

    def status(self, number: str) -> str | None:
        row = self.one("SELECT status FROM workorders_ticket WHERE number = %s", (number,))
        return row[0] if row else None

    def event_kinds(self, number: str) -> list[str]:
        rows = self.all(
            "SELECT e.kind FROM workorders_ticketevent e JOIN workorders_ticket t"
            " ON t.id = e.ticket_id WHERE t.number = %s ORDER BY e.created_at, e.id",
            (number,),
        )
        return [kind for (kind,) in rows]

    def assignments(self, number: str) -> list[tuple[str, str]]:
        """(unit name, role) of the ticket's active assignments."""
        return self.all(
            "SELECT u.name, a.role FROM workorders_assignment a"
            " JOIN workorders_ticket t ON t.id = a.ticket_id"
            " JOIN workorders_unit u ON u.id = a.unit_id"
            " WHERE t.number = %s AND a.active ORDER BY a.role DESC, u.name",
            (number,),
        )

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def pg(stack) -> Iterator[Pg]:
    reader = Pg(stack.database_url)
    yield reader
    reader.close()


def street_light_ticket(**overrides) -> dict:
    """A request the keyword rules classify with confidence: 路灯 in 中关村."""
    payload = {
        "title": "路灯不亮",
        "content": "海淀区中关村大街27号门口的路灯不亮已经一周了，晚上很不安全，请尽快修理。",
        "citizen_name": "李市民",
        "citizen_phone": "13800138000",
        "address": "海淀区中关村大街27号",
        "confidential": False,
    }
    return {**payload, **overrides}


@pytest.fixture
def make_payload():
    return street_light_ticket
