"""The knowledge base's review reminders: every morning each published entry due for review (or
expired) becomes one notice in its owning unit's inbox, once per review date."""

import datetime as dt

from django.core.management import call_command
from django.utils import timezone

from knowledge import services, tasks
from knowledge.reminders import deliver_review_reminders
from tests.api import client_for
from workorders.inbox_selectors import inbox_items_for, inbox_unread_count

ENTRY = {
    "title": "供暖期室内温度不达标怎么办",
    "body": "本市供暖期为每年11月15日至次年3月15日，室内温度不应低于18℃。",
    "visibility": "public",
}


def test_a_review_due_entry_reaches_its_unit_once(unit_staff, other_unit_staff):
    today = timezone.localdate()
    entry = services.entry_create(actor=unit_staff, review_on=today, **ENTRY)
    services.entry_create(
        actor=unit_staff, review_on=today + dt.timedelta(days=3), **{**ENTRY, "title": "下周复核"}
    )

    assert tasks.deliver_review_reminders() == 1
    assert deliver_review_reminders() == 0  # the beat ran again: nothing new

    (item,) = inbox_items_for(user=unit_staff)
    assert (item.kind, item.title) == ("knowledge_review", "知识条目待复核")
    assert ENTRY["title"] in item.text and item.link == f"/knowledge/manage/{entry.pk}/"
    assert inbox_unread_count(user=other_unit_staff) == 0
    body = client_for(unit_staff).get("/api/inbox/").json()
    assert body["results"][0]["ticket"] is None
    assert body["results"][0]["link"] == f"/knowledge/manage/{entry.pk}/"

    # A new review date that comes due is a new reminder.
    later = today + dt.timedelta(days=30)
    services.entry_update(actor=unit_staff, entry_id=entry.pk, review_on=later)
    assert deliver_review_reminders(today=later) == 2  # this one, and the one due next week


def test_expired_entries_and_drafts(unit_staff):
    today = timezone.localdate()
    services.entry_create(
        actor=unit_staff, valid_until=today - dt.timedelta(days=1), **{**ENTRY, "title": "旧政策"}
    )
    services.entry_create(actor=unit_staff, review_on=today, **{**ENTRY, "visibility": "draft"})
    assert deliver_review_reminders() == 1
    (item,) = inbox_items_for(user=unit_staff)
    assert item.kind == "knowledge_expired" and "旧政策" in item.text


def test_the_command_dry_run_delivers_nothing(unit_staff, capsys):
    services.entry_create(actor=unit_staff, review_on=timezone.localdate(), **ENTRY)
    call_command("deliver_review_reminders", "--dry-run")
    assert "knowledge_review:" in capsys.readouterr().out
    assert inbox_unread_count(user=unit_staff) == 0
    call_command("deliver_review_reminders")
    assert "delivered 1" in capsys.readouterr().out
    assert inbox_unread_count(user=unit_staff) == 1
