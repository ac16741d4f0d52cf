"""Two workers or two people doing the same thing at the same moment, on real PostgreSQL.

Each race runs in a subprocess with Django on the session's PostgreSQL: threads (each with its
own database connection) wait on a barrier and then call the same service on the same ticket.
Exactly one may win and exactly one event may be written; the other must see a Conflict or
quietly skip, never a second transition.
"""

import json
import threading
from collections import defaultdict

import pytest

from tests import servers
from tests.servers import post_json

pytestmark = pytest.mark.integration

# Races per scenario: a single race can miss the window by luck; several rarely all do.
ROUNDS = 5

RACE = r"""
import json
import threading

from django.contrib.auth import get_user_model
from django.db import connections

from dispatch.classification import get_classifier
from dispatch.services import ticket_auto_dispatch
from hotline.lib.errors import Conflict
from workorders.models import Assignment, TicketEvent
from workorders.services import ticket_accept, ticket_register


def race(action, contenders=2):
    barrier = threading.Barrier(contenders)
    outcomes = [None] * contenders

    def contender(index):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = action()
        except Conflict:
            outcomes[index] = "conflict"
        except Exception as exc:  # reported to the test, which fails on it
            outcomes[index] = f"error: {exc!r}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=contender, args=(i,)) for i in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def new_ticket():
    return ticket_register(
        channel="web",
        title="路灯不亮",
        content="海淀区中关村大街27号门口的路灯不亮已经一周了，请尽快修理。",
        address="海淀区中关村大街27号",
        citizen_phone="13800138000",
    )


def events(ticket, kind):
    return TicketEvent.objects.filter(ticket=ticket, kind=kind).count()


get_classifier()  # built once up front, so the race is between the status read and the lock
staff = get_user_model().objects.get(username="staff_urban")
report = {"dispatch": [], "accept": []}
for _ in range(ROUNDS):
    ticket = new_ticket()
    outcomes = race(lambda: ticket_auto_dispatch(ticket_id=ticket.pk))
    report["dispatch"].append({
        "outcomes": sorted(map(str, outcomes)),
        "dispatched_events": events(ticket, "dispatched"),
        "active_leads": Assignment.objects.filter(ticket=ticket, active=True, role="lead").count(),
        "assignments": Assignment.objects.filter(ticket=ticket).count(),
    })
    outcomes = race(lambda: ticket_accept(ticket_id=ticket.pk, actor=staff).status)
    report["accept"].append({
        "outcomes": sorted(map(str, outcomes)),
        "accepted_events": events(ticket, "accepted"),
    })
print("REPORT" + json.dumps(report))
"""


@pytest.fixture(scope="module")
def race_report(stack) -> dict:
    # Publishing goes to a Redis database no worker reads, so only our threads touch the tickets.
    env = stack.env_with(CELERY_BROKER_URL=stack.redis_url.rsplit("/", 1)[0] + "/15")
    output = servers.run_python(f"ROUNDS = {ROUNDS}\n" + RACE, env=env, timeout=90)
    lines = [line for line in output.splitlines() if line.startswith("REPORT")]
    assert lines, output[-3000:]
    line = lines[0]
    return json.loads(line.removeprefix("REPORT"))


def test_two_workers_dispatching_one_ticket_dispatch_it_once(race_report):
    for round_ in race_report["dispatch"]:
        assert round_["outcomes"] == ["dispatched", "skipped"], round_
        assert round_["dispatched_events"] == 1, round_
        assert round_["active_leads"] == 1, round_
        # lead + the street office assisting in 中关村, written once
        assert round_["assignments"] == 2, round_


def test_two_people_accepting_one_ticket_accept_it_once(race_report):
    for round_ in race_report["accept"]:
        assert round_["outcomes"] == ["accepted", "conflict"], round_
        assert round_["accepted_events"] == 1, round_


def test_concurrent_registrations_get_unique_sequential_numbers(stack, pg, make_payload):
    # Given 50 citizens submitting at the same moment through the web server
    contenders = 50
    barrier = threading.Barrier(contenders)
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def submit(index: int) -> None:
        barrier.wait(timeout=10)
        outcome = post_json(stack.web_url, "/api/tickets/", make_payload(title=f"路灯不亮{index}"))
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # Then every one is registered, with its own number
    assert [status for status, _ in results] == [201] * contenders, results[:3]
    numbers = [body["number"] for _, body in results]
    assert len(set(numbers)) == contenders
    stored = pg.one("SELECT count(*) FROM workorders_ticket WHERE number = ANY(%s)", (numbers,))
    assert stored[0] == contenders

    # And the numbers of each day follow each other without gaps (nobody else registered now)
    by_day = defaultdict(list)
    for number in numbers:
        day, sequence = number.split("-")
        by_day[day].append(int(sequence))
    for sequences in by_day.values():
        sequences.sort()
        assert sequences == list(range(sequences[0], sequences[0] + len(sequences)))
