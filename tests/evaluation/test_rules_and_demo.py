"""Rule versions as administrators add them, and the demo's follow-ups and published months."""

import os
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from evaluation.admin import EvaluationRuleForm
from evaluation.models import EvaluationRule, FollowUp, MonthlySnapshot
from evaluation.periods import rule_for

RULE = {
    "valid_from": "2026-05-01",
    "weight_response": 30,
    "weight_resolution": 35,
    "weight_satisfaction": 35,
    "basic_factor": "0.90",
    "cutoff_day": 19,
    "assist_scoring": "lead_only",
    "governance_top_n": 10,
}


def test_the_default_rule_is_designs(db):
    rule = rule_for(date(2026, 3, 1))

    assert (rule.weight_response, rule.weight_resolution, rule.weight_satisfaction) == (10, 50, 40)
    assert (str(rule.basic_factor), rule.cutoff_day, rule.assist_scoring) == (
        "0.90",
        1,
        "lead_only",
    )


def test_a_new_version_applies_from_its_month(db):
    form = EvaluationRuleForm(data=RULE)
    assert form.is_valid(), form.errors
    form.save()

    assert rule_for(date(2026, 4, 1)).weight_response == 10
    assert rule_for(date(2026, 5, 1)).weight_response == 30
    assert rule_for(date(2027, 1, 1)).cutoff_day == 19


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"weight_response": 20}, "__all__"),  # 20 + 35 + 35 ≠ 100
        ({"valid_from": "2026-05-02"}, "valid_from"),
        ({"cutoff_day": 29}, "cutoff_day"),
    ],
)
def test_bad_versions_are_refused(db, changes, field):
    form = EvaluationRuleForm(data={**RULE, **changes})

    assert not form.is_valid()
    assert field in form.errors


def test_a_version_cannot_start_in_a_published_month(db):
    from evaluation.services import month_close

    month_close(month=date(2026, 3, 1))
    form = EvaluationRuleForm(data={**RULE, "valid_from": "2026-03-01"})

    assert not form.is_valid() and "valid_from" in form.errors
    assert EvaluationRule.objects.count() == 1


def test_the_demo_gets_follow_ups_and_published_months(db):
    devnull = open(os.devnull, "w")  # noqa: SIM115
    call_command("seed_demo", tickets=60, stdout=devnull)

    call_command("seed_evaluation_demo", stdout=devnull)

    assert FollowUp.objects.filter(result="answered").exists()
    assert (
        FollowUp.objects.filter(round=2).exists()
        or not FollowUp.objects.filter(decision="reopened").exists()
    )
    assert MonthlySnapshot.objects.exists()
    with pytest.raises(CommandError, match="已有回访记录"):
        call_command("seed_evaluation_demo", stdout=devnull)
