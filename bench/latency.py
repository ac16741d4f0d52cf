"""Submit-to-dispatched latency at a steady arrival rate (open loop).

Tickets are submitted on a fixed schedule (``rate`` per second) whether or not earlier ones have
been answered, as citizens do; a slow server therefore shows up as latency, not as a lower rate.
Afterwards PostgreSQL says when each ticket was registered and when the worker dispatched it
(``workorders_ticketevent.created_at`` of kind 'dispatched' − ``workorders_ticket.registered_at``);
the client-observed figure runs from the moment the request was sent to that same event. Web,
worker and client share one machine and one clock.
"""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bench.intake import TICKETS_PATH, KeepAliveClient, ticket_payload

# Enough senders that a slow reply does not hold up the schedule at 20/s (each takes ~10-50 ms).
SENDERS = 16
# After the last submission, the worker gets this long to finish before we stop waiting.
DRAIN_TIMEOUT = 30.0


@dataclass
class Sent:
    index: int
    sent_at: float  # wall clock, seconds since the epoch
    response_seconds: float
    status: int
    number: str = ""


@dataclass
class LatencyResult:
    rate: float
    duration: float
    sent: list[Sent] = field(default_factory=list)
    schedule_lag_max: float = 0.0  # how late the sender ever was against the schedule
    # number → (registered_at, outcome event kind, outcome event time), epoch seconds
    outcomes: dict[str, tuple[float, str, float]] = field(default_factory=dict)
    undone: int = 0

    def dispatch_seconds(self) -> list[float]:
        return [
            at - registered
            for registered, kind, at in self.outcomes.values()
            if kind == "dispatched"
        ]

    def client_dispatch_seconds(self) -> list[float]:
        by_number = {s.number: s for s in self.sent if s.number}
        return [
            at - by_number[number].sent_at
            for number, (_, kind, at) in self.outcomes.items()
            if kind == "dispatched" and number in by_number
        ]

    def outcome_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for _, kind, _ in self.outcomes.values():
            counts[kind] = counts.get(kind, 0) + 1
        counts["still_registered"] = self.undone
        return counts


def open_loop(
    base_url: str, *, rate: float, duration: float, index_offset: int = 0
) -> LatencyResult:
    result = LatencyResult(rate=rate, duration=duration)
    local = threading.local()
    lock = threading.Lock()

    def send(index: int) -> None:
        if not hasattr(local, "client"):
            local.client = KeepAliveClient(base_url)
        sent_at, begin = time.time(), time.monotonic()
        try:
            status, data = local.client.post_json(TICKETS_PATH, ticket_payload(index))
        except OSError:
            status, data = 0, b""
        entry = Sent(index, sent_at, time.monotonic() - begin, status)
        if status == 201:
            entry.number = json.loads(data)["number"]
        with lock:
            result.sent.append(entry)

    total = int(rate * duration)
    with ThreadPoolExecutor(max_workers=SENDERS) as pool:
        start = time.monotonic()
        for i in range(total):
            due = start + i / rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            else:
                result.schedule_lag_max = max(result.schedule_lag_max, -delay)
            pool.submit(send, index_offset + i)
    return result


def collect_outcomes(result: LatencyResult, database_url: str) -> None:
    """Wait (bounded) until the worker handled every ticket, then read the times from PostgreSQL."""
    import psycopg

    numbers = [s.number for s in result.sent if s.number]
    query = """
        SELECT t.number, t.status, extract(epoch FROM t.registered_at),
               e.kind, extract(epoch FROM e.created_at)
        FROM workorders_ticket t
        LEFT JOIN workorders_ticketevent e
          ON e.ticket_id = t.id AND e.kind IN ('dispatched', 'triaged')
        WHERE t.number = ANY(%s)
    """
    deadline = time.monotonic() + DRAIN_TIMEOUT
    with psycopg.connect(database_url, autocommit=True) as conn:
        while True:
            rows = conn.execute(query, (numbers,)).fetchall()
            undone = [row for row in rows if row[3] is None]
            if not undone or time.monotonic() >= deadline:
                break
            time.sleep(0.5)
    result.undone = len(undone)
    result.outcomes = {
        number: (float(registered), kind, float(at))
        for number, _status, registered, kind, at in rows
        if kind is not None
    }


# Counting the worker's SQL and CPU per ticket: the task's service run in a subprocess on the
# benchmark's PostgreSQL with every statement captured (caches warmed by uncounted runs). CPU is
# the process's own: the service without Celery's own per-task cost.
SQL_PER_DISPATCH = r"""
import json
import time
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.intake import ticket_payload
from dispatch.services import ticket_auto_dispatch
from workorders.services import ticket_register


def register(index):
    payload = ticket_payload(index)
    return ticket_register(channel="web", **payload)


for index in range(20):
    ticket_auto_dispatch(ticket_id=register(index).pk)
ticket = register(5)
with CaptureQueriesContext(connection) as captured:
    outcome = ticket_auto_dispatch(ticket_id=ticket.pk)
ids = [register(index).pk for index in range(ROUNDS)]
started, cpu = time.perf_counter(), time.process_time()
for pk in ids:
    ticket_auto_dispatch(ticket_id=pk)
print("SQLCOUNT" + json.dumps({
    "outcome": outcome,
    "count": len(captured),
    "statements": [query["sql"][:160] for query in captured.captured_queries],
    "cpu_ms": 1000 * (time.process_time() - cpu) / ROUNDS,
    "wall_ms": 1000 * (time.perf_counter() - started) / ROUNDS,
}))
"""


def sql_per_dispatch(env: dict[str, str], *, rounds: int = 200) -> dict:
    """Statements and CPU the worker spends to classify and dispatch one ticket."""
    from tests.servers import run_python

    # memory:// keeps the registration's own publish inside this process: no worker sees it.
    code = f"ROUNDS = {rounds}\n" + SQL_PER_DISPATCH
    output = run_python(code, env={**env, "CELERY_BROKER_URL": "memory://"})
    line = next(line for line in output.splitlines() if line.startswith("SQLCOUNT"))
    return json.loads(line.removeprefix("SQLCOUNT"))
