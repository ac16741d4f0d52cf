"""Closing a month freezes every figure and rank; later changes never alter a published month;
a correction is a re-close, recorded as a new version with its reason."""

from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from evaluation.models import EvaluationRule, Exemption, MonthlySnapshot, UnitMonthScore
from evaluation.selectors import month_view_for
from evaluation.services import close_due_month, month_close
from hotline.lib.errors import Conflict, NotAllowed
from tests.evaluation import answered, at, month, plain_ticket, record
from workorders.models import RequestStatus

D = Decimal
MARCH = month(2026, 3)


@pytest.fixture
def march(city):
    urban, labour = city.urban_management, city.labour_bureau
    answered(urban, at(2026, 3, 10), 3)
    record(urban, at(2026, 3, 11), solved=False, satisfaction="dissatisfied")
    answered(labour, at(2026, 3, 12), 2)
    return city


def frozen(snapshot) -> list[tuple]:
    return list(
        snapshot.scores.order_by("unit_id").values_list(
            "unit_id", "unit_name", "valid", "solved", "composite", "rank", "exempt"
        )
    )


def close(**kwargs):
    with time_machine.travel(kwargs.pop("now", at(2026, 4, 5)), tick=False):
        return month_close(month=MARCH, **kwargs)


def test_closing_freezes_every_units_figures_and_ranks(march, admin_user):
    snapshot = close(actor=admin_user)

    assert (snapshot.version, snapshot.is_current, snapshot.closed_by) == (1, True, admin_user)
    assert (snapshot.period_start, snapshot.period_end) == (at(2026, 3, 1), at(2026, 4, 1))
    assert snapshot.rule_values["weight_resolution"] == 50
    urban = snapshot.scores.get(unit=march.urban_management)
    # 3 solved of 4: resolution 75; satisfaction 3/4 = 75; response 100 → 10 + 37.5 + 30 = 77.50
    assert (urban.valid, urban.resolution_rate, urban.composite, urban.rank) == (
        4,
        D("75.00"),
        D("77.50"),
        2,
    )
    assert snapshot.scores.get(unit=march.labour_bureau).rank == 1
    assert snapshot.scores.count() == 7  # every active unit, ranked or not
    assert snapshot.totals["valid"] == 6


def test_a_published_month_never_changes(march, admin_user, dispatcher):
    snapshot = close(actor=admin_user)
    before = frozen(snapshot)

    # A follow-up recorded into March, new weights for March, an exemption, a renamed unit:
    record(march.urban_management, at(2026, 3, 20), solved=False)
    EvaluationRule.objects.create(valid_from=MARCH, weight_response=30, weight_resolution=35,
                                  weight_satisfaction=35)  # fmt: skip
    ticket = plain_ticket(unit=march.urban_management)
    record(march.urban_management, at(2026, 3, 21), ticket=ticket, solved=False)
    Exemption.objects.create(
        ticket=ticket,
        unit=march.urban_management,
        reason="unreasonable",
        explanation="诉求不合理",
        status=RequestStatus.APPROVED,
        requested_at=at(2026, 4, 6),
        decided_at=at(2026, 4, 6),
    )
    march.urban_management.name = "市城市管理委员会（新）"
    march.urban_management.save()

    snapshot.refresh_from_db()
    assert frozen(snapshot) == before
    with time_machine.travel(at(2026, 5, 1), tick=False):
        view = month_view_for(MARCH)
    assert view.snapshot == snapshot
    shown = {f.unit_id: f for f in view.units}[march.urban_management.pk]
    assert (shown.unit_name, shown.valid, shown.composite) == ("市城市管理委员会", 4, D("77.50"))


def test_a_re_close_is_a_new_version_with_its_reason(march, admin_user):
    first = close(actor=admin_user)
    # A correction: a dissatisfied verdict of March 25 recorded late.
    record(march.urban_management, at(2026, 3, 25), solved=False, satisfaction="dissatisfied")
    # A rule version added for March later does not apply to the published month.
    EvaluationRule.objects.create(valid_from=MARCH, weight_response=30, weight_resolution=35,
                                  weight_satisfaction=35)  # fmt: skip

    with pytest.raises(Conflict, match="重新结算原因"):
        close(actor=admin_user, now=at(2026, 4, 8))
    second = close(actor=admin_user, reason="补录3月25日回访记录", now=at(2026, 4, 8))

    first.refresh_from_db()
    assert (first.is_current, second.is_current, second.version) == (False, True, 2)
    assert second.reason == "补录3月25日回访记录" and second.rule_id == first.rule_id
    assert second.rule_values["weight_resolution"] == 50
    urban = second.scores.get(unit=march.urban_management)
    # 3 solved of 5 → 60; satisfaction 3/5 = 60 → 10 + 30 + 24 = 64.00
    assert (urban.valid, urban.composite) == (5, D("64.00"))
    assert first.scores.get(unit=march.urban_management).composite == D("77.50")  # kept
    assert month_view_for(MARCH).snapshot == second
    assert MonthlySnapshot.objects.filter(month=MARCH).count() == 2


def test_a_month_can_be_closed_only_once_it_ended_and_only_by_an_administrator(
    march, leader, admin_user
):
    with pytest.raises(Conflict, match="尚不能结算"):
        close(actor=admin_user, now=at(2026, 3, 31, 23))
    with pytest.raises(NotAllowed):
        close(actor=leader)
    assert not MonthlySnapshot.objects.exists()


def test_movement_is_frozen_against_the_previous_published_month(march):
    answered(march.urban_management, at(2026, 2, 10), 2)
    record(march.labour_bureau, at(2026, 2, 10), solved=False)
    with time_machine.travel(at(2026, 3, 5), tick=False):
        month_close(month=month(2026, 2))

    snapshot = close()

    urban = snapshot.scores.get(unit=march.urban_management)
    labour = snapshot.scores.get(unit=march.labour_bureau)
    assert (urban.previous_rank, urban.rank, urban.movement) == (1, 2, -1)
    assert (labour.previous_rank, labour.rank, labour.movement) == (2, 1, 1)


def test_the_beat_task_closes_last_month_once_after_the_delay(march, settings):
    settings.EVALUATION_CLOSE_AFTER_DAYS = 3
    with time_machine.travel(at(2026, 4, 3, 23), tick=False):
        assert close_due_month() is None
    with time_machine.travel(at(2026, 4, 4, 1), tick=False):
        snapshot = close_due_month()
        assert close_due_month() is None

    assert (snapshot.month, snapshot.closed_by) == (MARCH, None)
    assert MonthlySnapshot.objects.count() == 1


def test_the_close_month_command(march):
    out = StringIO()
    with time_machine.travel(at(2026, 4, 5), tick=False):
        call_command("close_month", "2026-03", "--dry-run", stdout=out)
        assert "dry run" in out.getvalue() and "市人力资源和社会保障局" in out.getvalue()
        assert not MonthlySnapshot.objects.exists()

        call_command("close_month", "2026-03", stdout=out)
        with pytest.raises(CommandError, match="重新结算原因"):
            call_command("close_month", "2026-03", stdout=out)
        call_command("close_month", "2026-03", "--reason", "更正回访记录", stdout=out)
        with pytest.raises(CommandError, match="YYYY-MM"):
            call_command("close_month", "March", stdout=out)

    assert list(MonthlySnapshot.objects.order_by("version").values_list("version", "reason")) == [
        (1, ""),
        (2, "更正回访记录"),
    ]
    assert UnitMonthScore.objects.filter(snapshot__version=2).count() == 7


def test_a_live_month_is_computed_at_most_once_a_minute(march, settings):
    from django.core.cache import cache

    settings.EVALUATION_LIVE_CACHE_SECONDS = 60
    cache.clear()
    try:
        with time_machine.travel(at(2026, 4, 5), tick=False):
            first = month_view_for(MARCH)
            record(march.urban_management, at(2026, 3, 20), solved=False)
            again = month_view_for(MARCH)
            cache.clear()
            fresh = month_view_for(MARCH)
    finally:
        cache.clear()

    def valid(view):
        return {f.unit_id: f.valid for f in view.units}[march.urban_management.pk]

    assert (valid(first), valid(again), valid(fresh)) == (4, 4, 5)
    assert again.computed_at == first.computed_at
