"""Working-time arithmetic around the 2026 Spring Festival and National Day weeks.

2026 (State Council schedule, as in chinese-calendar): Spring Festival Feb 15–23 off, make-up
working days Sat Feb 14 and Sat Feb 28; Mid-autumn Sep 25–27 off with Sun Sep 20 worked;
National Day Oct 1–7 off with Sat Oct 10 worked. Office hours 09:00–12:00 and 13:30–17:30.
"""

from datetime import date

import pytest
import time_machine
from django.core.management import call_command

from tests.workorders.deadline_helpers import at
from workorders import workdays
from workorders.models import WorkCalendarDay
from workorders.workdays import (
    add_working_time,
    calendar_warning,
    get_calendar,
    sync_calendar_from_library,
    working_seconds_between,
)


@pytest.fixture(autouse=True)
def calendar_2026(db):
    sync_calendar_from_library([2026])


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        # Friday before the Spring Festival: half an hour today, the rest on the make-up Saturday.
        (at(2026, 2, 13, 17), 2, at(2026, 2, 14, 10, 30)),
        # The make-up Saturday's evening: nine days off, then Tuesday Feb 24.
        (at(2026, 2, 14, 17), 2, at(2026, 2, 24, 10, 30)),
        # During the holiday: nothing counts until the first working morning.
        (at(2026, 2, 18, 10), 1, at(2026, 2, 24, 10)),
        # Mid-autumn: Friday Sep 25 is off; Sunday Sep 20 is a working day.
        (at(2026, 9, 24, 17), 1, at(2026, 9, 28, 9, 30)),
        (at(2026, 9, 18, 17), 1, at(2026, 9, 20, 9, 30)),
        # Eve of National Day: 1.5 h today, the last half hour on Thursday Oct 8.
        (at(2026, 9, 30, 16), 2, at(2026, 10, 8, 9, 30)),
        # Ordinary days: the lunch break, a night, the end of a period.
        (at(2026, 3, 2, 11, 30), 1, at(2026, 3, 2, 14)),
        (at(2026, 3, 2, 20), 1, at(2026, 3, 3, 10)),
        (at(2026, 3, 2, 9), 3, at(2026, 3, 2, 12)),
        (at(2026, 3, 2, 9), 7, at(2026, 3, 2, 17, 30)),
        (at(2026, 3, 6, 17), 1, at(2026, 3, 9, 9, 30)),  # Friday → Monday
        (at(2026, 3, 2, 10), 0.5, at(2026, 3, 2, 10, 30)),
    ],
)
def test_working_hours(start, hours, due):
    assert add_working_time(start, hours=hours) == due


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # The start day never counts; make-up Saturdays do; the nine holidays don't.
        (at(2026, 2, 12, 10), 1, at(2026, 2, 13, 17, 30)),
        (at(2026, 2, 12, 10), 2, at(2026, 2, 14, 17, 30)),
        (at(2026, 2, 12, 10), 5, at(2026, 2, 26, 17, 30)),
        (at(2026, 2, 27, 15), 1, at(2026, 2, 28, 17, 30)),
        (at(2026, 9, 30, 10), 3, at(2026, 10, 10, 17, 30)),
        (at(2026, 9, 30, 10), 4, at(2026, 10, 12, 17, 30)),
        # Dispatched on a holiday: counting starts with the next working day.
        (at(2026, 10, 3, 10), 1, at(2026, 10, 8, 17, 30)),
    ],
)
def test_working_days(start, days, due):
    assert add_working_time(start, days=days) == due


def test_working_seconds_between_skips_the_holiday():
    # Friday's last half hour, the whole make-up Saturday, then 1.5 h after the holiday.
    assert working_seconds_between(at(2026, 2, 13, 17), at(2026, 2, 24, 10, 30)) == 9 * 3600
    assert working_seconds_between(at(2026, 2, 14, 17), at(2026, 2, 24, 10, 30)) == 2 * 3600
    assert working_seconds_between(at(2026, 3, 2, 11), at(2026, 3, 2, 14)) == 1.5 * 3600
    assert working_seconds_between(at(2026, 3, 2, 14), at(2026, 3, 2, 11)) == 0


def test_library_sync_names_holidays_and_make_up_days():
    assert WorkCalendarDay.objects.get(date=date(2026, 2, 14)).note == "春节调休上班"
    holiday = WorkCalendarDay.objects.get(date=date(2026, 10, 5))
    assert (holiday.is_workday, holiday.note, holiday.source) == (False, "国庆节", "library")
    assert WorkCalendarDay.objects.filter(date__year=2026).count() == 365


def test_a_hand_correction_counts_at_once_and_survives_the_next_sync():
    # The city gives Tuesday Mar 3 off (say, a local event): the next working hour is Mar 4.
    day = WorkCalendarDay.objects.get(date=date(2026, 3, 3))
    day.is_workday, day.source, day.note = False, WorkCalendarDay.Source.MANUAL, "本市调整"
    day.save()
    assert add_working_time(at(2026, 3, 2, 17), hours=1) == at(2026, 3, 4, 9, 30)
    result = sync_calendar_from_library([2026])
    assert result.kept_manual == 1 and result.created == result.updated == 0
    assert add_working_time(at(2026, 3, 2, 17), hours=1) == at(2026, 3, 4, 9, 30)


def test_unknown_year_falls_back_to_weekends_and_warns():
    assert not WorkCalendarDay.objects.filter(date__year=2027).exists()
    # Jan 1, 2027 will surely be a holiday, but nobody has published 2027 yet: Mon–Fri it is.
    assert add_working_time(at(2026, 12, 31, 17), hours=1) == at(2027, 1, 1, 9, 30)
    warning = calendar_warning(today=date(2026, 11, 22))
    assert "2027" in warning and "sync_calendar" in warning
    assert "2026" not in warning.split("(")[0]
    WorkCalendarDay.objects.create(date=date(2027, 1, 1), is_workday=False, note="元旦")
    assert calendar_warning(today=date(2026, 11, 22)) is None
    assert add_working_time(at(2026, 12, 31, 17), hours=1) == at(2027, 1, 4, 9, 30)


def test_sync_reports_years_the_library_does_not_know():
    result = sync_calendar_from_library([2099], dry_run=True)
    assert result.unknown_years == [2099] and result.created == 0


def test_office_hours_come_from_settings(settings):
    settings.WORKING_HOURS = [("09:00", "18:00")]
    assert add_working_time(at(2026, 3, 2, 17), hours=2) == at(2026, 3, 3, 10)
    assert add_working_time(at(2026, 3, 2, 10), days=1) == at(2026, 3, 3, 18)


def test_calendar_is_cached_until_the_table_changes(django_assert_num_queries):
    first = get_calendar()
    with django_assert_num_queries(1):  # only the version check
        assert get_calendar() is first
    WorkCalendarDay.objects.create(date=date(2030, 1, 1), is_workday=False)
    assert get_calendar() is not first


def test_arguments_are_checked():
    with pytest.raises(TypeError):
        add_working_time(at(2026, 3, 2, 9), hours=1, days=1)
    with pytest.raises(ValueError):
        add_working_time(at(2026, 3, 2, 9).replace(tzinfo=None), hours=1)
    with pytest.raises(ValueError):
        workdays.get_calendar().add_working_days(at(2026, 3, 2, 9), 0)


def test_sync_calendar_command(capsys):
    call_command("sync_calendar", "2026", "2099", "--dry-run")
    out = capsys.readouterr().out
    assert "[dry run] would write: 0 new days" in out
    assert "2099" in out


# --- administration ----------------------------------------------------------------------------


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "x"))
    return client


def test_admin_warns_about_the_missing_year_and_keeps_hand_edits(superuser_client):
    from workorders.admin import calendar_warning_check

    with time_machine.travel(at(2026, 11, 22, 10), tick=False):
        page = superuser_client.get("/admin/workorders/workcalendarday/")
        assert page.status_code == 200
        assert "2027" in page.content.decode() and "sync_calendar" in page.content.decode()
        assert superuser_client.get("/admin/workorders/deadlinepolicy/").status_code == 200
        assert [w.id for w in calendar_warning_check(databases=["default"])] == ["workorders.W001"]
        assert calendar_warning_check() == []  # ordinary commands do not touch the database
    day = WorkCalendarDay.objects.get(date=date(2026, 3, 3))
    response = superuser_client.post(
        f"/admin/workorders/workcalendarday/{day.pk}/change/",
        {"date": "2026-03-03", "is_workday": "", "note": "本市调整", "source": "library"},
    )
    assert response.status_code == 302
    day.refresh_from_db()
    assert (day.is_workday, day.source) == (False, WorkCalendarDay.Source.MANUAL)


def test_admin_sync_action(superuser_client):
    WorkCalendarDay.objects.filter(date__year=2026, date__month=5).delete()
    with time_machine.travel(at(2026, 11, 22, 10), tick=False):
        response = superuser_client.post(
            "/admin/workorders/workcalendarday/",
            {
                "action": "sync_this_and_next_year",
                "_selected_action": [WorkCalendarDay.objects.first().pk],
            },
            follow=True,
        )
    assert "新增 31 天" in response.content.decode()
    assert "2027" in response.content.decode()
    assert WorkCalendarDay.objects.filter(date__year=2026, date__month=5).count() == 31
