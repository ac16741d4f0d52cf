"""Due times from the deadline policies, for every kind of time, with frozen time.

Default policies (seeded by the migration, DESIGN.md): general requests accept within 2 working
hours, contact within 24 hours, resolve within 7 days; urgent (water, power, gas, heating)
resolve within 24 hours; emergencies within 2 hours. Yellow at 80 % of the allowed time.
"""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from tests.workorders.deadline_helpers import at, dispatch_at, fresh
from workorders import services
from workorders.deadline_policies import due_times, policy_for
from workorders.models import DeadlinePolicy, EventKind, TimeUnit
from workorders.workdays import sync_calendar_from_library

U = TimeUnit


@pytest.fixture(autouse=True)
def calendar_2026(db):
    sync_calendar_from_library([2026])


def policy(category=None, urgency="", **overrides) -> DeadlinePolicy:
    fields = {
        "accept_within": 2,
        "accept_unit": U.WORKING_HOURS,
        "contact_within": 24,
        "contact_unit": U.CALENDAR_HOURS,
        "resolve_within": 7,
        "resolve_unit": U.CALENDAR_DAYS,
        "follow_up_within": 5,
        "follow_up_unit": U.WORKING_DAYS,
    }
    return DeadlinePolicy.objects.create(
        category=category, urgency=urgency, **{**fields, **overrides}
    )


def test_the_defaults_are_seeded(db):
    defaults = {p.urgency: p for p in DeadlinePolicy.objects.filter(category__isnull=True)}
    assert set(defaults) == {"", "urgent", "emergency"}
    assert (defaults["emergency"].resolve_within, defaults["emergency"].resolve_unit) == (
        Decimal("2.00"),
        U.CALENDAR_HOURS,
    )
    assert defaults[""].accept_unit == U.WORKING_HOURS


def test_general_request_on_a_monday_morning(city, dispatcher):
    ticket = fresh(dispatch_at(at(2026, 3, 2, 10), city, dispatcher))
    assert ticket.accept_due_at == at(2026, 3, 2, 12)  # 2 working hours
    assert ticket.accept_warn_at == at(2026, 3, 2, 11, 36)  # 80 % = 96 office minutes
    assert ticket.contact_due_at == at(2026, 3, 3, 10)  # 24 hours
    assert ticket.contact_warn_at == at(2026, 3, 3, 5, 12)
    assert ticket.resolve_due_at == at(2026, 3, 9, 10)  # 7 days
    assert ticket.resolve_warn_at == at(2026, 3, 8, 0, 24)
    state = ticket.light_state  # the sweep first looks at the first warning
    assert state.check_at == ticket.accept_warn_at
    assert (state.accept_lit, state.contact_lit, state.resolve_lit) == (0, 0, 0)


def test_accepting_counts_office_hours_only(city, dispatcher):
    # Friday 17:00: half an hour today, 90 minutes on Monday morning.
    ticket = fresh(dispatch_at(at(2026, 3, 6, 17), city, dispatcher))
    assert ticket.accept_due_at == at(2026, 3, 9, 10, 30)
    assert ticket.accept_warn_at == at(2026, 3, 9, 10, 6)


def test_emergencies_run_around_the_clock(city, dispatcher):
    ticket = fresh(dispatch_at(at(2026, 3, 7, 23), city, dispatcher, urgency="emergency"))
    assert ticket.accept_due_at == at(2026, 3, 7, 23, 30)
    assert ticket.contact_due_at == ticket.resolve_due_at == at(2026, 3, 8, 1)
    urgent = fresh(dispatch_at(at(2026, 3, 7, 23), city, dispatcher, urgency="urgent"))
    assert urgent.resolve_due_at == at(2026, 3, 8, 23)


def test_nearest_category_wins_and_urgency_comes_first(city):
    building = city.municipal.parent
    policy(building, resolve_within=10)
    policy(city.municipal, resolve_within=12)
    start = at(2026, 3, 2, 10)
    resolve = lambda category, urgency="normal": due_times(  # noqa: E731
        urgency=urgency, start=start, category=category
    )["resolve_due_at"]
    assert resolve(city.street_light) == start + timedelta(days=12)  # 市政管理 › 路灯
    assert resolve(city.water) == start + timedelta(days=10)  # 城乡建设 › 供水
    assert resolve(city.wages) == start + timedelta(days=7)  # the default
    assert resolve(None) == start + timedelta(days=7)
    # An emergency street light keeps the 2-hour emergency rule: urgency before category ...
    assert resolve(city.street_light, "emergency") == start + timedelta(hours=2)
    # ... unless the category has its own emergency rule.
    policy(city.street_light, "emergency", resolve_within=1, resolve_unit=U.CALENDAR_HOURS)
    assert resolve(city.street_light, "emergency") == start + timedelta(hours=1)


def test_inactive_policies_are_ignored_and_code_defaults_remain(city):
    DeadlinePolicy.objects.update(is_active=False)
    start = at(2026, 3, 2, 10)
    times = due_times(urgency="normal", start=start, category=city.street_light)
    assert times["resolve_due_at"] == start + timedelta(days=7)
    assert times["accept_due_at"] == at(2026, 3, 2, 12)
    assert policy_for(urgency="emergency").policy_id is None


def test_complex_requests_in_working_days_across_the_spring_festival(city, dispatcher):
    # A city rule for a "complex" category: 5 working days (Shandong style).
    policy(city.street_light, resolve_within=5, resolve_unit=U.WORKING_DAYS)
    ticket = fresh(dispatch_at(at(2026, 2, 12, 10), city, dispatcher))
    # Feb 13, the make-up Saturday Feb 14, then Feb 24, 25, 26 after nine days off.
    assert ticket.resolve_due_at == at(2026, 2, 26, 17, 30)
    # 80 % of the 41 office hours in between.
    assert ticket.resolve_warn_at == at(2026, 2, 25, 16, 18)


def test_national_day_in_working_hours(city, dispatcher):
    policy(city.street_light, accept_within=4, accept_unit=U.WORKING_HOURS)
    ticket = fresh(dispatch_at(at(2026, 9, 30, 16), city, dispatcher))
    assert ticket.accept_due_at == at(2026, 10, 8, 11, 30)


def test_a_fixed_warning_window(city, dispatcher):
    policy(
        city.street_light,
        accept_within=8,
        accept_unit=U.WORKING_HOURS,
        yellow_share=Decimal("1.00"),
        warning_hours=2,
    )
    ticket = fresh(dispatch_at(at(2026, 3, 2, 9), city, dispatcher))
    assert ticket.accept_due_at == at(2026, 3, 3, 10)
    # Two office hours before the due time (not two clock hours: that would be 08:00).
    assert ticket.accept_warn_at == at(2026, 3, 2, 16, 30)
    # Calendar-time deadlines of the same policy: two clock hours before.
    assert ticket.resolve_warn_at == ticket.resolve_due_at - timedelta(hours=2)


def test_the_earlier_of_share_and_window(city, dispatcher):
    policy(city.street_light, yellow_share=Decimal("0.5"), warning_hours=24)
    ticket = fresh(dispatch_at(at(2026, 3, 2, 10), city, dispatcher))
    assert ticket.resolve_warn_at == at(2026, 3, 5, 22)  # half of 7 days beats 24 h before
    assert ticket.contact_warn_at == at(2026, 3, 2, 10)  # a 24-hour window on 24 hours: at once


def test_yellow_share_default_comes_from_settings(city, dispatcher, settings):
    settings.DEADLINE_YELLOW_SHARE = 0.5
    ticket = fresh(dispatch_at(at(2026, 3, 2, 10), city, dispatcher))
    assert ticket.contact_warn_at == at(2026, 3, 2, 22)


def test_reopen_restarts_the_clock(city, dispatcher, unit_staff, follow_up_agent):
    ticket = dispatch_at(at(2026, 3, 2, 10), city, dispatcher)
    with time_machine.travel(at(2026, 3, 3, 10), tick=False):
        services.ticket_accept(ticket_id=ticket.pk, actor=unit_staff)
        services.ticket_contact(ticket_id=ticket.pk, actor=unit_staff, note="已电话联系")
        services.ticket_resolve(
            ticket_id=ticket.pk, actor=unit_staff, reply="已更换灯泡，恢复照明。"
        )
    resolved = fresh(ticket)
    # Follow-up within 5 working days of the resolution.
    assert resolved.follow_up_due_at == at(2026, 3, 10, 17, 30)
    with time_machine.travel(at(2026, 3, 6, 17), tick=False):
        services.ticket_reopen(ticket_id=ticket.pk, actor=follow_up_agent, reason="市民称仍不亮")
    reopened = fresh(ticket)
    assert reopened.accept_due_at == at(2026, 3, 9, 10, 30)
    assert reopened.resolve_due_at == at(2026, 3, 13, 17)
    assert reopened.follow_up_due_at is None
    # The sweep's first look: the contact warning (Sat 12:12) comes before accept's (Mon).
    assert reopened.light_state.check_at == reopened.contact_warn_at == at(2026, 3, 7, 12, 12)


def test_extension_moves_the_due_time_and_its_warning(city, dispatcher, unit_staff):
    ticket = dispatch_at(at(2026, 3, 2, 10), city, dispatcher)
    with time_machine.travel(at(2026, 3, 2, 11), tick=False):
        services.ticket_accept(ticket_id=ticket.pk, actor=unit_staff)
        services.ticket_contact(ticket_id=ticket.pk, actor=unit_staff, note="已电话联系")
    with time_machine.travel(at(2026, 3, 8, 10), tick=False):
        services.ticket_request_extension(
            ticket_id=ticket.pk,
            actor=unit_staff,
            reason="需要协调产权单位",
            requested_due_at=at(2026, 3, 13, 10),
        )
        services.ticket_decide_extension(ticket_id=ticket.pk, actor=dispatcher, approve=True)
    extended = fresh(ticket)
    assert extended.resolve_due_at == at(2026, 3, 13, 10)
    # The extension is a new span (5 days from the approval): yellow after 80 % of it.
    assert extended.resolve_warn_at == at(2026, 3, 12, 10)
    event = extended.events.get(kind=EventKind.EXTENSION_APPROVED)
    original = datetime.fromisoformat(event.data["original_due_at"])
    assert original == at(2026, 3, 9, 10)


def test_days_must_be_whole(city):
    bad = DeadlinePolicy(
        accept_within=Decimal("1.5"),
        accept_unit=U.WORKING_DAYS,
        contact_within=1,
        contact_unit=U.CALENDAR_HOURS,
        resolve_within=1,
        resolve_unit=U.CALENDAR_DAYS,
        follow_up_within=1,
        follow_up_unit=U.WORKING_DAYS,
    )
    with pytest.raises(ValidationError) as caught:
        bad.full_clean()
    assert "accept_within" in caught.value.message_dict
