"""Training classifier versions: labels from the dispatchers' work, the promotion gate, roll-back
and the weekly retrain. Real (small) models throughout: nothing about the classifier is mocked."""

from io import StringIO

import pytest
from django.core.management import call_command

from dispatch import tasks
from dispatch.classification import LearnedClassifier, get_classifier
from dispatch.classifier.bundle import ModelBundle
from dispatch.learning import (
    Example,
    classifier_activate,
    classifier_train,
    examples_from_database,
    fold_rare_labels,
    is_held_out,
    label_count,
    unit_history,
)
from dispatch.models import ClassifierOutcome, ClassifierSource, ClassifierVersion, RoutingRule
from dispatch.services import ticket_auto_dispatch
from hotline.lib.errors import Conflict, InvalidInput
from tests.dispatch.classifier_data import LIGHT, WAGES, WATER, examples, register, texts
from workorders import services
from workorders.models import Status, Ticket


def train(rows, **kwargs):
    return classifier_train(examples=rows, source=ClassifierSource.CSV, **kwargs)


def taught(relabel: dict[str, str] | None = None, *, seed: int = 0) -> list:
    """Database-style examples whose held-out part is labelled right and whose training part is
    labelled by ``relabel`` (a teacher that confuses categories): the held-out tickets of a
    database are fixed by their ids, so every version is judged on the same true labels."""
    return [
        row
        if is_held_out(row.key)
        else Example(row.key, row.text, (relabel or {}).get(row.label, row.label))
        for row in examples(seed=seed)
    ]


def train_database(rows):
    return classifier_train(examples=rows, source=ClassifierSource.DATABASE)


# --- the promotion gate --------------------------------------------------------------------------


def test_first_model_is_promoted_then_only_a_better_one(db):
    # A teacher that calls every water text a street light: still the first model of the database.
    first = train_database(taught({WATER: LIGHT}))
    assert first.promoted and "首个模型" in first.reason
    assert first.version.is_active and first.version.artifact_size > 0

    better = train_database(taught())
    assert better.promoted, better.reason
    assert better.metrics["active_on_holdout"]["version"] == first.version.number
    assert better.metrics["label_macro_f1"] > better.metrics["active_on_holdout"]["label_macro_f1"]

    worse = train_database(taught({WAGES: WATER}))
    assert not worse.promoted and "未优于" in worse.reason
    worse.version.refresh_from_db()
    assert worse.version.outcome == ClassifierOutcome.REJECTED
    assert not worse.version.is_active and worse.version.artifact_size == 0
    assert list(ClassifierVersion.objects.active()) == [better.version]
    # Every version keeps its evidence, the rejected one too.
    assert {
        "macro_f1",
        "accuracy",
        "per_label",
        "labels",
        "confusion",
        "ms_per_ticket",
        "n",
    } <= set(worse.version.metrics)


def test_dry_run_reports_the_decision_and_stores_nothing(db):
    result = train(examples(), dry_run=True)
    assert result.promoted and result.version is None
    assert result.metrics["n"] > 0
    assert not ClassifierVersion.objects.exists()


def test_too_little_data_is_a_clear_error(db):
    with pytest.raises(InvalidInput, match="训练数据不足"):
        train(examples(count=3))


def test_roll_back_activates_an_older_version(db, admin_user):
    first = train_database(taught({WATER: LIGHT})).version
    second = train_database(taught()).version
    assert get_classifier().model_name == f"learned-v{second.number}"

    classifier_activate(version_id=first.pk, actor=admin_user, note="回滚测试")

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_active and not second.is_active
    assert first.activated_by == admin_user and "回滚测试" in first.reason
    assert get_classifier().model_name == f"learned-v{first.number}"


def test_a_rejected_version_cannot_be_activated(db):
    train_database(taught())
    rejected = train_database(taught({WAGES: WATER})).version
    with pytest.raises(Conflict, match="没有保存模型文件"):
        classifier_activate(version_id=rejected.pk)


def test_rare_leaves_are_learned_as_their_parent():
    labels = ["a › b › c"] * 6 + ["a › b › d"] * 3 + ["a › b › g"] * 2 + ["a › e", "f"]
    mapping = fold_rare_labels(labels, minimum=5)
    # d and g together are enough for their parent; e is not, even as its parent's only child.
    assert mapping == {
        "a › b › c": "a › b › c",
        "a › b › d": "a › b",
        "a › b › g": "a › b",
        "a › e": "a",
        "f": "f",
    }


# --- labels from the dispatchers' work -----------------------------------------------------------


def confirm(city, dispatcher, title: str, content: str, *, category, unit, address=""):
    """A dispatcher decides category and lead unit of a ticket (triage or re-dispatch)."""
    ticket = register(title, content, address)
    services.ticket_dispatch(
        ticket_id=ticket.pk, actor=dispatcher, lead_unit=unit, category=category
    )
    return ticket


def test_a_triage_correction_is_a_label_for_the_next_training(city, dispatcher):
    vague = register("反映一个情况", "老板跑了，我们十几个人上个月的钱都没拿到，怎么办")
    assert ticket_auto_dispatch(ticket_id=vague.pk) == "triage"
    machine = register("路灯不亮", "小区门口路灯不亮")
    assert ticket_auto_dispatch(ticket_id=machine.pk) == "dispatched"
    assert examples_from_database() == []  # the machine's own guess is not a label

    services.ticket_dispatch(
        ticket_id=vague.pk, actor=dispatcher, lead_unit=city.labour_bureau, category=city.wages
    )

    [label] = examples_from_database()
    assert label.key == str(vague.pk) and label.label == WAGES
    assert "老板跑了" in label.text
    # With enough such corrections the next version learns them.
    for title, content in texts(WAGES, 12) + texts(LIGHT, 12) + texts(WATER, 12):
        category = {WAGES: city.wages, LIGHT: city.street_light, WATER: city.water}
        label = next(k for k, v in {WAGES: "工", LIGHT: "灯", WATER: "水"}.items() if v in title)
        confirm(city, dispatcher, title, content, category=category[label], unit=city.water_company)
    result = classifier_train(examples=examples_from_database(), source=ClassifierSource.DATABASE)
    assert result.promoted and result.data_size == 37
    assert result.version.label_count == label_count() == 37


def test_an_approved_return_is_a_negative_unit_label(city, dispatcher, other_unit_staff):
    # Dispatchers sent wage complaints to the water company by mistake four times; the labour
    # bureau returned one it got wrongly, and the water company sent one back.
    for title, content in texts(WAGES, 4):
        confirm(city, dispatcher, title, content, category=city.wages, unit=city.water_company)
    for title, content in texts(WAGES, 3, seed=1):
        confirm(city, dispatcher, title, content, category=city.wages, unit=city.labour_bureau)
    ticket = confirm(
        city,
        dispatcher,
        "拖欠工资",
        "公司拖欠工资三个月",
        category=city.wages,
        unit=city.labour_bureau,
    )
    services.ticket_request_return(
        ticket_id=ticket.pk, actor=other_unit_staff, reason="该工单不属于本单位职责范围"
    )
    services.ticket_decide_return(ticket_id=ticket.pk, actor=dispatcher, approve=True)
    ticket.refresh_from_db()
    assert ticket.status == Status.TRIAGE and not ticket.category_confirmed
    services.ticket_dispatch(
        ticket_id=ticket.pk, actor=dispatcher, lead_unit=city.water_company, category=city.wages
    )

    history = unit_history()[f"{city.wages.pk}:0"]

    # Water company: 5 dispatches; labour bureau: 3 kept, 1 returned → 3 - 1 = 2.
    assert history == {str(city.water_company.pk): 5, str(city.labour_bureau.pk): 2}


def test_units_come_from_history_where_no_rule_fits(city, dispatcher):
    RoutingRule.objects.filter(category=city.wages).delete()
    for title, content in texts(WAGES, 14):
        confirm(city, dispatcher, title, content, category=city.wages, unit=city.labour_bureau)
    for label, category in ((LIGHT, city.street_light), (WATER, city.water)):
        for title, content in texts(label, 14):
            confirm(city, dispatcher, title, content, category=category, unit=city.water_company)
    classifier_train(examples=examples_from_database(), source=ClassifierSource.DATABASE)

    ticket = register("公司拖欠工资", "我在人民路的公司上班，老板拖欠工资三个月没发")
    outcome = ticket_auto_dispatch(ticket_id=ticket.pk)

    ticket.refresh_from_db()
    assert ticket.suggestion["unit_source"] == "history"
    assert ticket.suggestion["lead_unit_id"] == city.labour_bureau.pk
    assert ticket.suggestion["unit_suggestions"][0][0] == city.labour_bureau.pk
    assert outcome == "dispatched", ticket.suggestion
    assert ticket.lead_assignment.unit == city.labour_bureau
    assert "历史上同类工单" in ticket.events.get(kind="dispatched").reason


# --- the weekly retrain ----------------------------------------------------------------------------


def test_retrain_task_runs_only_when_enough_new_labels_exist(city, dispatcher, settings):
    settings.CLASSIFIER_RETRAIN_MIN_NEW_LABELS = 30
    assert tasks.retrain_classifier().startswith("skipped: 0 new labels")
    for label, category in ((LIGHT, city.street_light), (WATER, city.water), (WAGES, city.wages)):
        for title, content in texts(label, 12):
            confirm(city, dispatcher, title, content, category=category, unit=city.water_company)

    outcome = tasks.retrain_classifier()

    assert outcome.startswith("v1 promoted"), outcome
    version = ClassifierVersion.objects.get()
    assert version.source == ClassifierSource.DATABASE and version.label_count == 36
    assert tasks.retrain_classifier().startswith("skipped: 0 new labels")


def test_database_held_out_tickets_are_the_same_for_every_version(city, dispatcher):
    for label, category in ((LIGHT, city.street_light), (WATER, city.water), (WAGES, city.wages)):
        for title, content in texts(label, 15):
            confirm(city, dispatcher, title, content, category=category, unit=city.water_company)
    first = classifier_train(examples=examples_from_database(), source=ClassifierSource.DATABASE)
    second = classifier_train(examples=examples_from_database(), source=ClassifierSource.DATABASE)
    # Same tickets held out, none trained on: an equal model does not "beat" the active one.
    assert first.metrics["n"] == second.metrics["n"] > 0
    assert first.train_size + first.metrics["n"] == first.data_size == 45
    assert not second.promoted


def test_learned_version_is_what_the_worker_uses(city):
    # Labelled with first-level names only, like the shared dataset.
    first_level = [Example(e.key, e.text, e.label.split(" › ")[0]) for e in examples()]
    result = train(first_level)
    version = result.version
    assert result.train_size == result.data_size  # a file: the live model learns every row
    classifier = get_classifier()
    assert isinstance(classifier, LearnedClassifier)
    assert classifier.model_name == f"learned-v{version.number}"
    bundle = ModelBundle.loads(ClassifierVersion.objects.get().artifact)
    assert set(bundle.model.labels) == {"城乡建设", "劳动和社会保障"}
    # The keyword rules pick the leaf within the branch the model chose.
    ticket = register("路灯不亮", "中关村街道科源社区门口的路灯不亮了", "海淀区中关村大街1号")
    assert ticket_auto_dispatch(ticket_id=ticket.pk) == "dispatched"
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.category == city.street_light and ticket.region == city.keyuan
    assert ticket.suggestion["model"].startswith(f"learned-v{version.number}")


# --- a fresh install -------------------------------------------------------------------------------


def test_seed_demo_trains_the_first_version(db):
    out = StringIO()
    call_command("seed_demo", tickets=80, stdout=out)

    version = ClassifierVersion.objects.get()
    assert version.is_active and version.source == ClassifierSource.SEED
    assert "种子分类模型 v1" in out.getvalue()
    classifier = get_classifier()
    assert isinstance(classifier, LearnedClassifier)
    # The demo's routing history is in the version: units for categories the demo dispatched.
    assert ModelBundle.loads(version.artifact).units
