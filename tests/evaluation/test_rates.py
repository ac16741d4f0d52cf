"""The three rates, the composite and the rankings of a small month, computed by hand.

March 2026 (calendar month, DESIGN.md's default rule: 10/50/40, factor 0.9, lead units only):

市城市管理委员会 (department): 10 valid follow-ups — contacted 9, solved 8, satisfied 6,
basically satisfied 3, dissatisfied 1 — plus 1 unreachable, 1 wrong number, 1 refused and
1 anonymous, which stay out of the denominator:
    response     = 9 / 10                  = 90.00 %
    resolution   = 8 / 10                  = 80.00 %
    satisfaction = (6 + 0.9 × 3) / 10      = 87.00 %
    composite    = 0.1 × 90 + 0.5 × 80 + 0.4 × 87 = 9 + 40 + 34.8 = 83.80
市人力资源和社会保障局 (department): 4 valid — contacted 4, solved 4, satisfied 3, basically 1:
    response 100.00, resolution 100.00, satisfaction (3 + 0.9) / 4 = 97.50,
    composite 10 + 50 + 39 = 99.00 → ranked 1st among departments, 城管委 2nd.
自来水集团 (enterprise): 3 valid — contacted 2, solved 1, satisfied 1, dissatisfied 2:
    response 66.67 (2/3), resolution 33.33, satisfaction 33.33,
    composite 0.1 × 66.667 + 0.5 × 33.333 + 0.4 × 33.333 = 36.667 → 36.67.
One direct answer (no unit), satisfied: in the city totals only. Follow-ups finished on
Feb 28 23:59 and Apr 1 00:00, and pending ones, are not in March.
City: valid 18 = 10 + 4 + 3 + 1; solved 14 = 8 + 4 + 1 + 1 → 77.78 %.
"""

from decimal import Decimal

import pytest

from evaluation.models import AssistScoring, EvaluationRule, FollowUp, FollowUpResult
from evaluation.periods import month_of, period_for
from evaluation.scoring import compute_month
from tests.evaluation import answered, at, event, month, plain_ticket, record
from workorders.models import EventKind, Status

R = FollowUpResult
D = Decimal


@pytest.fixture
def march(city):
    urban, labour, water = city.urban_management, city.labour_bureau, city.water_company
    when = at(2026, 3, 10, 10)
    answered(urban, when, 6, satisfaction="satisfied")
    answered(urban, when, 2, satisfaction="basically_satisfied")
    record(urban, when, satisfaction="basically_satisfied", solved=False)
    record(urban, when, satisfaction="dissatisfied", solved=False, contacted=False)
    for result in (R.UNREACHABLE, R.WRONG_NUMBER, R.REFUSED, R.ANONYMOUS):
        record(urban, when, result=result)
    answered(labour, when, 3)
    record(labour, when, satisfaction="basically_satisfied")
    record(water, when, satisfaction="satisfied")
    record(water, when, satisfaction="dissatisfied", solved=False)
    record(water, when, satisfaction="dissatisfied", solved=False, contacted=False)
    record(None, when)  # answered directly by an operator
    # Outside March, or not finished: not counted.
    record(urban, at(2026, 2, 28, 23, 59), solved=False)
    record(urban, at(2026, 4, 1), solved=False)
    FollowUp.objects.create(
        ticket=plain_ticket(unit=urban, status=Status.FOLLOW_UP),
        unit=urban,
        opened_at=when,
        result=R.PENDING,
    )
    return city


def figures_of(month_start, *, as_of=None):
    result = compute_month(period_for(month_start), as_of=as_of or at(2026, 4, 5))
    return result, {f.unit_name: f for f in result.units}


def test_hand_computed_rates_and_composite(march):
    _, units = figures_of(month(2026, 3))

    urban = units["市城市管理委员会"]
    assert (urban.valid, urban.responded, urban.solved) == (10, 9, 8)
    assert (urban.satisfied, urban.basically_satisfied, urban.dissatisfied) == (6, 3, 1)
    assert urban.response_rate == D("90.00")
    assert urban.resolution_rate == D("80.00")
    assert urban.satisfaction_rate == D("87.00")
    assert urban.composite == D("83.80")

    labour = units["市人力资源和社会保障局"]
    assert (labour.response_rate, labour.resolution_rate) == (D("100.00"), D("100.00"))
    assert labour.satisfaction_rate == D("97.50")
    assert labour.composite == D("99.00")

    water = units["自来水集团"]
    assert water.response_rate == D("66.67")
    assert water.resolution_rate == D("33.33")
    assert water.satisfaction_rate == D("33.33")
    assert water.composite == D("36.67")


def test_unreachable_refused_wrong_number_and_anonymous_are_counted_apart(march):
    _, units = figures_of(month(2026, 3))
    urban = units["市城市管理委员会"]

    assert urban.finished == 14  # 10 valid + 4 that could not be rated
    assert (urban.unreachable, urban.wrong_number, urban.refused, urban.anonymous) == (1, 1, 1, 1)
    assert urban.unreached == 2


def test_units_are_ranked_within_their_kind_and_idle_units_are_not_ranked(march):
    _, units = figures_of(month(2026, 3))

    assert units["市人力资源和社会保障局"].rank == 1
    assert units["市城市管理委员会"].rank == 2
    assert units["自来水集团"].rank == 1  # alone among enterprises
    assert units["望京街道办事处"].rank is None  # no valid follow-up this month
    assert units["望京街道办事处"].composite is None


def test_city_totals_include_direct_answers(march):
    result, _ = figures_of(month(2026, 3))

    assert result.totals["valid"] == 18
    assert result.totals["solved"] == 14
    assert result.totals["resolution_rate"] == "77.78"
    assert result.totals["anonymous"] == 1


def test_equal_composites_share_a_rank(city):
    when = at(2026, 3, 5)
    for unit in (city.urban_management, city.labour_bureau):
        answered(unit, when, 2)
    _, units = figures_of(month(2026, 3))

    assert units["市城市管理委员会"].rank == units["市人力资源和社会保障局"].rank == 1


def test_weights_factor_and_on_time_response_come_from_the_months_rule(city):
    EvaluationRule.objects.create(
        valid_from=month(2026, 4),
        weight_response=30,
        weight_resolution=35,
        weight_satisfaction=35,
        basic_factor=D("0.80"),
        response_on_time=True,
    )
    urban = city.urban_management
    for moment in (at(2026, 3, 5), at(2026, 4, 5)):
        record(urban, moment, satisfaction="basically_satisfied")
        record(urban, moment, on_time=False)  # contacted, but after the contact due time

    _, march_units = figures_of(month(2026, 3))
    _, april_units = figures_of(month(2026, 4), as_of=at(2026, 5, 5))

    # March keeps 10/50/40 and 0.9: response 100, resolution 100, satisfaction (1 + 0.9)/2 = 95
    # → 10 + 50 + 38 = 98.00.
    assert march_units["市城市管理委员会"].composite == D("98.00")
    # April: only the timely contact counts (1/2 = 50), satisfaction (1 + 0.8)/2 = 90
    # → 0.3 × 50 + 0.35 × 100 + 0.35 × 90 = 15 + 35 + 31.5 = 81.50.
    april = april_units["市城市管理委员会"]
    assert (april.responded, april.response_rate) == (1, D("50.00"))
    assert april.composite == D("81.50")


def test_assisting_units_are_scored_only_when_the_rule_says_so(city):
    street = city.zhongguancun_office
    record(city.urban_management, at(2026, 3, 5), assists=(street,), solved=False)

    _, units = figures_of(month(2026, 3))
    assert units["中关村街道办事处"].valid == 0

    EvaluationRule.objects.filter(valid_from=month(2000, 1)).update(
        assist_scoring=AssistScoring.SHARED
    )
    _, units = figures_of(month(2026, 3))
    assert units["中关村街道办事处"].valid == 1
    assert units["中关村街道办事处"].resolution_rate == D("0.00")


def test_cut_off_day_19_counts_the_19th_to_the_18th(city):
    EvaluationRule.objects.filter(valid_from=month(2000, 1)).update(cutoff_day=19)
    urban = city.urban_management
    inside = [at(2026, 2, 19, 0, 0), at(2026, 3, 18, 23, 59)]
    outside = [at(2026, 2, 18, 23, 59), at(2026, 3, 19, 0, 0)]
    for moment in inside:
        record(urban, moment)
    for moment in outside:
        record(urban, moment, solved=False)

    period = period_for(month(2026, 3))
    _, units = figures_of(month(2026, 3))

    assert (period.start, period.end) == (at(2026, 2, 19), at(2026, 3, 19))
    assert (period.first_day.isoformat(), period.last_day.isoformat()) == (
        "2026-02-19",
        "2026-03-18",
    )
    assert units["市城市管理委员会"].valid == 2
    assert units["市城市管理委员会"].resolution_rate == D("100.00")
    assert month_of(at(2026, 3, 19)) == month(2026, 4)
    assert month_of(at(2026, 2, 19)) == month(2026, 3)
    assert month_of(at(2026, 2, 18, 23)) == month(2026, 2)


def test_a_change_of_cut_off_day_leaves_no_gap_and_no_overlap(city):
    EvaluationRule.objects.create(valid_from=month(2026, 4), cutoff_day=19)

    march, april, may = (period_for(month(2026, n)) for n in (3, 4, 5))

    assert (march.start, march.end) == (at(2026, 3, 1), at(2026, 4, 1))
    assert (april.start, april.end) == (at(2026, 4, 1), at(2026, 4, 19))
    assert (may.start, may.end) == (at(2026, 4, 19), at(2026, 5, 19))


def test_red_lights_count_tickets_once_and_reopens_count_each_time(city):
    urban = city.urban_management
    late = plain_ticket(unit=urban)
    for _ in range(3):  # accept, contact and resolve all went red: one red ticket
        event(late, EventKind.LIGHT_RED, urban, at(2026, 3, 4))
    reopened = plain_ticket(unit=urban)
    event(reopened, EventKind.REOPENED, urban, at(2026, 3, 6))
    event(reopened, EventKind.REOPENED, urban, at(2026, 3, 20))
    event(reopened, EventKind.REOPENED, urban, at(2026, 4, 2))  # April

    _, units = figures_of(month(2026, 3))

    assert (units["市城市管理委员会"].red_lights, units["市城市管理委员会"].reopens) == (1, 2)


def test_streets_with_the_most_requests_are_flagged(city):
    EvaluationRule.objects.filter(valid_from=month(2000, 1)).update(governance_top_n=1)
    for _ in range(3):
        plain_ticket(region=city.keyuan, registered_at=at(2026, 3, 3))  # a community of 中关村
    plain_ticket(region=city.wangjing, registered_at=at(2026, 3, 3))
    plain_ticket(
        region=city.wangjing,
        registered_at=at(2026, 3, 3),
        status=Status.INVALID,
        invalid_reason="spam",
    )
    plain_ticket(region=city.wangjing, registered_at=at(2026, 2, 3))

    _, units = figures_of(month(2026, 3))

    assert units["中关村街道办事处"].volume == 3
    assert units["望京街道办事处"].volume == 1  # invalid requests and February left out
    assert units["海淀区人民政府"].volume == 3
    assert units["中关村街道办事处"].governance is True
    assert units["望京街道办事处"].governance is False
    assert units["市城市管理委员会"].volume is None  # not a territorial unit


def test_movement_against_last_month(city):
    urban, labour = city.urban_management, city.labour_bureau
    answered(urban, at(2026, 2, 5), 2)
    record(labour, at(2026, 2, 5), solved=False)
    record(urban, at(2026, 3, 5), solved=False)
    answered(labour, at(2026, 3, 5), 2)
    previous = {
        f.unit_id: f.rank
        for f in compute_month(period_for(month(2026, 2)), as_of=at(2026, 4, 5)).units
        if f.rank
    }

    result = compute_month(
        period_for(month(2026, 3)), as_of=at(2026, 4, 5), previous_ranks=previous
    )
    units = {f.unit_name: f for f in result.units}

    assert (units["市人力资源和社会保障局"].rank, units["市人力资源和社会保障局"].movement) == (
        1,
        1,
    )
    assert (units["市城市管理委员会"].rank, units["市城市管理委员会"].movement) == (2, -1)
    assert units["自来水集团"].movement is None
