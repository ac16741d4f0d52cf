"""Ticket intake under load: closed-loop clients posting ``POST /api/tickets/`` back to back.

The client runs in the benchmark's own process, on the same 2-core machine as the servers; its
CPU time is measured and reported so that nobody mistakes a client limit for a server limit.
Each client thread keeps one HTTP/1.1 connection open (reconnecting when a sync gunicorn worker
closes it), so connection set-up is not what we measure unless the server forces it.
"""

import http.client
import itertools
import json
import os
import random
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

TICKETS_PATH = "/api/tickets/"

# Requests the seeded city routes with confidence (路灯, 拖欠工资, 供水 in two districts), so the
# worker dispatches nearly all of them; a few unclear ones go to triage, as in real life.
TEMPLATES = [
    (
        "路灯不亮",
        "海淀区中关村大街{n}号门口的路灯不亮已经一周了，晚上很不安全，请尽快修理。",
        "海淀区中关村大街{n}号",
    ),
    (
        "小区停水",
        "朝阳区望京西园{n}号楼从昨天开始停水，水压也很低，自来水公司一直没有通知。",
        "朝阳区望京西园{n}号楼",
    ),
    (
        "拖欠工资",
        "我在海淀区一家装修公司工作，公司已经拖欠工资三个月了，一共{n}元，请帮忙协调。",
        "海淀区",
    ),
    (
        "路灯不亮",
        "朝阳区望京街道阜通东大街{n}号附近一排路灯不亮，请有关部门处理。",
        "朝阳区阜通东大街{n}号",
    ),
    ("反映情况", "我想反映一个情况，第{n}次打电话了，希望有关部门尽快处理，谢谢。", ""),
]


def ticket_payload(index: int) -> dict:
    title, content, address = TEMPLATES[index % len(TEMPLATES)]
    n = 1 + index % 200
    return {
        "title": title,
        "content": content.format(n=n),
        "citizen_name": "压测市民",
        "citizen_phone": f"139{random.randrange(10**8):08d}",
        "address": address.format(n=n),
        "confidential": index % 10 == 0,
    }


class KeepAliveClient:
    """One connection, reopened when the server closed it (sync workers close after each reply)."""

    def __init__(self, base_url: str, *, timeout: float = 30):
        parts = urlsplit(base_url)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.conn: http.client.HTTPConnection | None = None
        self.connects = 0

    def _connection(self) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self.connects += 1
        return self.conn

    def post_json(self, path: str, payload: dict) -> tuple[int, bytes]:
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: retry once on a new one. The
                # request never reached the application, so retrying cannot create a duplicate.
                self.close()
                if attempt == 2:
                    raise
                continue
            if response.will_close:
                self.close()
            return response.status, data
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


@dataclass
class LoadResult:
    clients: int
    duration: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    client_cpu_seconds: float = 0.0
    connects: int = 0
    numbers: list[str] = field(default_factory=list)

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.ok / self.duration if self.duration else 0.0


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def closed_loop(base_url: str, *, clients: int, duration: float, warmup: float = 2.0) -> LoadResult:
    """``clients`` threads each post tickets back to back for ``warmup + duration`` seconds.

    Only requests started after the warm-up count, so start-up costs (first connections, lazy
    imports in the web workers) are not in the figure.
    """
    result = LoadResult(clients=clients)
    lock = threading.Lock()
    counter = itertools.count()
    started = time.monotonic()
    measure_from = started + warmup
    stop_at = measure_from + duration
    barrier = threading.Barrier(clients + 1)

    def client_thread() -> None:
        client = KeepAliveClient(base_url)
        local_latencies, local_numbers, local_statuses = [], [], {}
        local_errors, samples = 0, []
        barrier.wait(timeout=30)
        try:
            while True:
                begin = time.monotonic()
                if begin >= stop_at:
                    break
                try:
                    status, data = client.post_json(TICKETS_PATH, ticket_payload(next(counter)))
                except OSError as exc:
                    status, data = 0, repr(exc).encode()
                end = time.monotonic()
                if begin < measure_from:
                    continue
                local_statuses[str(status)] = local_statuses.get(str(status), 0) + 1
                if status == 201:
                    local_latencies.append(end - begin)
                    local_numbers.append(json.loads(data)["number"])
                else:
                    local_errors += 1
                    if len(samples) < 3:
                        samples.append(f"{status}: {data[:300].decode(errors='replace')}")
        finally:
            client.close()
            with lock:
                result.latencies += local_latencies
                result.numbers += local_numbers
                result.errors += local_errors
                result.error_samples += samples[: max(0, 5 - len(result.error_samples))]
                for key, count in local_statuses.items():
                    result.statuses[key] = result.statuses.get(key, 0) + count
                result.connects += client.connects

    threads = [threading.Thread(target=client_thread, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    cpu_before = os.times()
    barrier.wait(timeout=30)
    for thread in threads:
        thread.join(timeout=warmup + duration + 60)
    cpu_after = os.times()
    result.duration = duration
    result.client_cpu_seconds = (cpu_after.user - cpu_before.user) + (
        cpu_after.system - cpu_before.system
    )
    return result


# Counting SQL and CPU per request: Django's test client inside a subprocess on the benchmark's
# PostgreSQL, with every statement captured. The first requests warm caches and are not counted.
# CPU is this process's own (time.process_time), so it holds even when the machine is shared:
# Django, DRF, the ORM and the Celery publish, without gunicorn, PostgreSQL or the network.
SQL_PER_REQUEST = r"""
import json
import time
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

client = Client()
payload = json.loads(PAYLOAD)
counts = []
for _ in range(20):
    with CaptureQueriesContext(connection) as captured:
        response = client.post(PATH, data=payload, content_type="application/json")
    counts.append(len(captured))
started, cpu = time.perf_counter(), time.process_time()
for _ in range(ROUNDS):
    client.post(PATH, data=payload, content_type="application/json")
print("SQLCOUNT" + json.dumps({
    "status": response.status_code,
    "counts": counts[-3:],
    "statements": [query["sql"][:160] for query in captured.captured_queries],
    "cpu_ms": 1000 * (time.process_time() - cpu) / ROUNDS,
    "wall_ms": 1000 * (time.perf_counter() - started) / ROUNDS,
}))
"""


def sql_per_request(env: dict[str, str], *, rounds: int = 200) -> dict:
    """Statements and CPU of one intake request in the web process (Django's view of it)."""
    from tests.servers import run_python

    code = (
        f"PATH = {TICKETS_PATH!r}\nROUNDS = {rounds}\n"
        f"PAYLOAD = {json.dumps(json.dumps(ticket_payload(0)))}\n"
    )
    # Published to a Redis database no worker reads: the publish costs what it costs in
    # production, and these tickets do not add to the worker's figures.
    broker = env["CELERY_BROKER_URL"]
    if broker.startswith("redis://"):
        broker = broker.rsplit("/", 1)[0] + "/15"
    env = {**env, "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost", "CELERY_BROKER_URL": broker}
    output = run_python(code + SQL_PER_REQUEST, env=env)
    line = next(line for line in output.splitlines() if line.startswith("SQLCOUNT"))
    return json.loads(line.removeprefix("SQLCOUNT"))
