"""Every (from, to) status pair: allowed pairs move and record; all others change nothing."""

import itertools

import pytest
from django.db import transaction
from django.utils import timezone

from hotline.lib.errors import Conflict
from workorders.models import EventKind, Status, Ticket, TicketEvent
from workorders.transitions import ALLOWED, transition

PAIRS = list(itertools.product(Status.values, Status.values))


def required_changes(to_status: str) -> dict:
    """Fields the database insists on for some target statuses (see Ticket's constraints)."""
    if to_status == Status.MERGED:
        return {"merged_into": make_ticket(Status.TRIAGE)}
    if to_status == Status.INVALID:
        return {"invalid_reason": "spam"}
    return {}


def make_ticket(status: str) -> Ticket:
    now = timezone.now()
    master = None
    if status == Status.MERGED:
        master = make_ticket(Status.TRIAGE)
    return Ticket.objects.create(
        number=f"T-{Ticket.objects.count() + 1:06d}",
        query_code="ABCDEF",
        channel="web",
        title="路灯不亮",
        content="小区门口路灯不亮已经一周",
        status=status,
        registered_at=now,
        status_changed_at=now,
        merged_into=master,
        invalid_reason="spam" if status == Status.INVALID else "",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("from_status", "to_status"), PAIRS)
def test_every_status_pair(from_status, to_status):
    ticket = make_ticket(from_status)
    changes = required_changes(to_status)
    events_before = TicketEvent.objects.count()
    allowed = (from_status, to_status) in ALLOWED
    if allowed:
        with transaction.atomic():
            event = transition(
                ticket=ticket, to=to_status, kind=EventKind.DISPATCHED, changes=changes
            )
        ticket.refresh_from_db()
        assert ticket.status == to_status
        assert (event.from_status, event.to_status) == (from_status, to_status)
        assert TicketEvent.objects.count() == events_before + 1
    else:
        with pytest.raises(Conflict), transaction.atomic():
            transition(ticket=ticket, to=to_status, kind=EventKind.DISPATCHED, changes=changes)
        ticket.refresh_from_db()
        assert ticket.status == from_status
        assert TicketEvent.objects.count() == events_before


@pytest.mark.django_db
def test_final_statuses_have_no_way_out():
    for final in (Status.CLOSED, Status.INVALID):
        assert not [pair for pair in ALLOWED if pair[0] == final]
    # A merge is undone only by its master handing its duplicates back (to triage).
    assert [pair for pair in ALLOWED if pair[0] == Status.MERGED] == [
        (Status.MERGED, Status.TRIAGE)
    ]


@pytest.mark.django_db
def test_stale_instance_loses_compare_and_set():
    """Two workers holding the same row: the second one's transition must fail, not overwrite."""
    ticket = make_ticket(Status.REGISTERED)
    stale = Ticket.objects.get(pk=ticket.pk)
    with transaction.atomic():
        transition(ticket=ticket, to=Status.TRIAGE, kind=EventKind.TRIAGED)
    with pytest.raises(Conflict), transaction.atomic():
        transition(ticket=stale, to=Status.DISPATCHED, kind=EventKind.DISPATCHED)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.TRIAGE
    assert TicketEvent.objects.filter(ticket=ticket).count() == 1


@pytest.mark.django_db(transaction=True)
def test_transition_outside_transaction_is_refused():
    ticket = make_ticket(Status.REGISTERED)
    with pytest.raises(RuntimeError):
        transition(ticket=ticket, to=Status.TRIAGE, kind=EventKind.TRIAGED)
