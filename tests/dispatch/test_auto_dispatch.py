"""The worker's decision: dispatch when sure, triage when not, never twice."""

import pytest
from django.utils import timezone

from dispatch.models import RoutingRule
from dispatch.routing import route_for
from dispatch.services import (
    requeue_failed_enqueues,
    requeue_on_worker_start,
    requeue_stale_registered,
    ticket_auto_dispatch,
)
from workorders import services
from workorders.models import EventKind, Status, Ticket


def register(title: str, content: str, address: str = "") -> Ticket:
    return services.ticket_register(
        channel="web", title=title, content=content, address=address, citizen_phone="13812345678"
    )


def test_confident_ticket_is_dispatched_by_the_most_specific_rule(city):
    ticket = register("路灯不亮", "中关村街道科源社区门口的路灯不亮", address="海淀区中关村大街1号")
    assert ticket_auto_dispatch(ticket_id=ticket.pk) == "dispatched"
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED
    assert ticket.category == city.street_light
    assert ticket.region == city.keyuan
    assert not ticket.category_confirmed  # the machine's guess is not a label
    units = dict(ticket.assignments.values_list("unit__name", "role"))
    assert units == {"市城市管理委员会": "lead", "中关村街道办事处": "assist"}
    event = ticket.events.get(kind=EventKind.DISPATCHED)
    assert event.actor is None and event.data["auto"] is True


def test_general_rule_applies_outside_the_specific_region(city):
    ticket = register("路灯不亮", "望京街道某小区路灯不亮", address="朝阳区望京")
    ticket_auto_dispatch(ticket_id=ticket.pk)
    units = dict(Ticket.objects.get(pk=ticket.pk).assignments.values_list("unit__name", "role"))
    assert units == {"市城市管理委员会": "lead"}


def test_unsure_ticket_goes_to_triage_with_suggestions(city):
    ticket = register("反映问题", "希望有关部门关注一下我们这里的情况")
    assert ticket_auto_dispatch(ticket_id=ticket.pk) == "triage"
    ticket.refresh_from_db()
    assert ticket.status == Status.TRIAGE
    assert ticket.suggestion["model"] == "rules-v1"
    assert "category_confidence" in ticket.suggestion


def test_no_routing_rule_means_triage(city):
    RoutingRule.objects.filter(category=city.wages).delete()
    ticket = register("拖欠工资", "公司拖欠工资三个月")
    assert ticket_auto_dispatch(ticket_id=ticket.pk) == "triage"
    assert Ticket.objects.get(pk=ticket.pk).suggestion["category_id"] == city.wages.pk


def test_emergency_text_sets_urgency_and_short_deadline(city):
    ticket = register("停水", "小区停水，而且楼道里闻到很浓的煤气味，可能是燃气泄漏")
    ticket_auto_dispatch(ticket_id=ticket.pk)
    ticket.refresh_from_db()
    assert ticket.urgency == "emergency"
    assert (ticket.resolve_due_at - ticket.status_changed_at).total_seconds() == 2 * 3600


def test_running_twice_changes_nothing_more(city):
    ticket = register("拖欠工资", "公司拖欠工资三个月")
    assert ticket_auto_dispatch(ticket_id=ticket.pk) == "dispatched"
    assert ticket_auto_dispatch(ticket_id=ticket.pk) == "skipped"
    assert ticket_auto_dispatch(ticket_id=999999) == "skipped"
    assert Ticket.objects.get(pk=ticket.pk).events.filter(kind="dispatched").count() == 1


def test_most_specific_rule_wins_and_priority_breaks_ties(city):
    route = route_for(category=city.street_light, region=city.keyuan)
    assert route.rule.region == city.zhongguancun
    tie = RoutingRule.objects.create(
        category=city.street_light, region=city.zhongguancun, lead_unit=city.haidian_gov, priority=5
    )
    assert route_for(category=city.street_light, region=city.keyuan).rule == tie
    tie.lead_unit.is_active = False
    tie.lead_unit.save()
    assert route_for(category=city.street_light, region=city.keyuan).rule != tie
    assert route_for(category=None, region=None) is None


@pytest.mark.django_db(transaction=True)
def test_sweep_requeues_stale_tickets_once_per_interval(city, settings, monkeypatch):
    sent = []
    monkeypatch.setattr(
        "workorders.services.intake.celery_app.send_task", lambda name, args: sent.append(args[0])
    )
    settings.STALE_REGISTERED_SECONDS = 60
    ticket = register("路灯不亮", "小区门口路灯不亮")
    sent.clear()
    later = timezone.now() + timezone.timedelta(seconds=120)
    assert requeue_stale_registered(now=later, dry_run=True) == [ticket.pk]
    assert sent == []
    assert requeue_stale_registered(now=later) == [ticket.pk]
    assert sent == [ticket.pk]
    # Within the same interval it is not queued again; after another interval it is.
    assert requeue_stale_registered(now=later + timezone.timedelta(seconds=30)) == []
    assert requeue_stale_registered(now=later + timezone.timedelta(seconds=61)) == [ticket.pk]
    assert Ticket.objects.get(pk=ticket.pk).events.filter(kind="requeued").count() == 2
    # Dispatched tickets are never re-queued.
    ticket_auto_dispatch(ticket_id=ticket.pk)
    assert requeue_stale_registered(now=later + timezone.timedelta(seconds=300)) == []


@pytest.mark.django_db(transaction=True)
def test_sweep_with_broker_down_records_nothing(city, settings, monkeypatch):
    def broker_down(name, args):
        raise OSError("broker down")

    monkeypatch.setattr("workorders.services.intake.celery_app.send_task", broker_down)
    settings.STALE_REGISTERED_SECONDS = 1
    ticket = register("路灯不亮", "小区门口路灯不亮")
    later = timezone.now() + timezone.timedelta(seconds=5)
    assert requeue_stale_registered(now=later) == []
    assert not Ticket.objects.get(pk=ticket.pk).events.filter(kind="requeued").exists()


@pytest.mark.django_db(transaction=True)
def test_a_failed_send_is_marked_and_resent_by_the_short_sweep(city, monkeypatch):
    # Given the broker is down when a ticket is saved
    def broker_down(name, args):
        raise OSError("broker down")

    monkeypatch.setattr("workorders.services.intake.celery_app.send_task", broker_down)
    ticket = register("路灯不亮", "小区门口路灯不亮")
    healthy = register("路灯不亮", "另一处路灯不亮")
    Ticket.objects.filter(pk=healthy.pk).update(enqueue_failed_at=None)  # its send "worked"
    assert Ticket.objects.get(pk=ticket.pk).enqueue_failed_at is not None
    # While it stays down the short sweep re-sends nothing and records nothing
    assert requeue_failed_enqueues() == []

    # When the broker is back, the short sweep re-sends exactly the marked ticket, at once
    sent = []
    monkeypatch.setattr(
        "workorders.services.intake.celery_app.send_task", lambda name, args: sent.append(args[0])
    )
    assert requeue_failed_enqueues(dry_run=True) == [ticket.pk]
    assert sent == []
    assert requeue_failed_enqueues() == [ticket.pk]
    assert sent == [ticket.pk]
    ticket.refresh_from_db()
    assert ticket.enqueue_failed_at is None and ticket.requeued_at is not None
    assert ticket.events.filter(kind="requeued").count() == 1
    # And once re-sent it is not sent again, nor by the stale sweep within its interval
    assert requeue_failed_enqueues() == []
    assert requeue_stale_registered(now=timezone.now()) == []


@pytest.mark.django_db(transaction=True)
def test_a_starting_worker_requeues_registered_tickets_once(city, monkeypatch):
    sent = []
    monkeypatch.setattr(
        "workorders.services.intake.celery_app.send_task", lambda name, args: sent.append(args[0])
    )
    # Given a ticket whose message a killed worker took with it, and one already dispatched
    waiting = register("路灯不亮", "小区门口路灯不亮")
    done = register("路灯不亮", "另一处路灯不亮")
    ticket_auto_dispatch(ticket_id=done.pk)
    sent.clear()

    # When a worker starts, the registered one is queued again (once for workers starting
    # together), and the dispatched one is left alone
    assert requeue_on_worker_start() == [waiting.pk]
    assert requeue_on_worker_start() == []
    assert sent == [waiting.pk]

    # And a duplicate delivery cannot dispatch it twice
    assert ticket_auto_dispatch(ticket_id=waiting.pk) == "dispatched"
    assert ticket_auto_dispatch(ticket_id=waiting.pk) == "skipped"
    assert Ticket.objects.get(pk=waiting.pk).events.filter(kind="dispatched").count() == 1


def test_the_dispatch_task_is_redelivered_when_its_worker_dies():
    from dispatch.tasks import auto_dispatch

    assert auto_dispatch.acks_late and auto_dispatch.reject_on_worker_lost
