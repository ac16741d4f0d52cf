"""The inbox (消息中心): every registered timeline event becomes a notice for whoever must act on
it, in the event's transaction; read state is per person; the unread count is one query; the
same notices go through the notification backends, with an SMS to the unit's duty phone for
emergencies.

Personas: 市城市管理委员会 (unit_staff, lead for street lights), 中关村街道办事处 (street_staff,
assisting in 中关村), 人社局 (other_unit_staff: sees nothing), dispatcher 赵派单.
"""

from datetime import timedelta

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from hotline.lib.errors import NotFound
from tests.conftest import make_user
from tests.workorders.deadline_helpers import at, dispatch_at
from workorders import inbox, services
from workorders.access import role_of
from workorders.inbox import To, register_inbox_event
from workorders.inbox_selectors import inbox_item_get_for_user, inbox_items_for, inbox_unread_count
from workorders.models import EventKind, InboxItem, Notification, Role, Urgency
from workorders.services import notifications as outbox
from workorders.services.deadline_sweep import sweep_deadlines
from workorders.services.inbox import Notice, deliver, inbox_mark_all_read, inbox_mark_read
from workorders.transitions import record_event
from workorders.workdays import sync_calendar_from_library


@pytest.fixture(autouse=True)
def broker(monkeypatch):
    sent = []
    monkeypatch.setattr(
        outbox.celery_app, "send_task", lambda name, args: sent.append((name, *args))
    )
    return sent


def dispatched(city, dispatcher, *, urgency=Urgency.NORMAL, assist=()):
    ticket = services.ticket_register(
        channel="web",
        title="路灯不亮",
        content="中关村街道科源社区门口路灯不亮",
        citizen_name="李明",
        citizen_phone="13812345678",
    )
    return services.ticket_dispatch(
        ticket_id=ticket.pk,
        lead_unit=city.urban_management,
        assist_units=list(assist),
        category=city.street_light,
        urgency=urgency,
        actor=dispatcher,
    )


def in_progress(city, dispatcher, unit_staff):
    ticket = dispatched(city, dispatcher)
    services.ticket_accept(ticket_id=ticket.pk, actor=unit_staff)
    services.ticket_contact(ticket_id=ticket.pk, actor=unit_staff, note="已电话联系")
    return ticket


def kinds_for(user, **filters) -> list[str]:
    return list(inbox_items_for(user=user, **filters).values_list("kind", flat=True))


# --- delivery, kind by kind ----------------------------------------------------------------------


def test_a_dispatch_reaches_the_lead_and_every_assisting_unit(
    city, dispatcher, unit_staff, street_staff, other_unit_staff
):
    ticket = dispatched(city, dispatcher, assist=[city.zhongguancun_office])

    (lead,) = inbox_items_for(user=unit_staff)
    (assist,) = inbox_items_for(user=street_staff)
    assert (lead.kind, lead.ticket_id, lead.unit_id) == ("dispatched", ticket.pk, lead.unit_id)
    assert lead.unit == city.urban_management and assist.unit == city.zhongguancun_office
    assert "主办" in lead.text and "协办" in assist.text
    assert lead.event.kind == EventKind.DISPATCHED and lead.is_unread
    assert kinds_for(other_unit_staff) == [] and kinds_for(dispatcher) == []


def test_supervision_reaches_the_lead_and_its_answer_the_supervisor_personally(
    city, dispatcher, unit_staff
):
    other_dispatcher = make_user("dispatcher_qian", Role.DISPATCHER)
    ticket = in_progress(city, dispatcher, unit_staff)
    services.ticket_supervise(ticket_id=ticket.pk, actor=dispatcher, note="请今日内办理")
    supervised = inbox_items_for(user=unit_staff).get(kind="supervised")
    assert supervised.text == "请今日内办理"
    # The notification the supervision always sent now comes from the inbox, with its template.
    (sms,) = Notification.objects.filter(kind="supervised")
    assert sms.subject == f"【督办】工单 {ticket.number} 请尽快办理并回复"
    assert "请今日内办理" in sms.body

    services.ticket_acknowledge_supervision(
        ticket_id=ticket.pk, actor=unit_staff, response="已安排维修"
    )
    answer = inbox_items_for(user=dispatcher).get(kind="supervision_acknowledged")
    assert (answer.user_id, answer.unit_id, answer.text) == (dispatcher.pk, None, "已安排维修")
    assert "supervision_acknowledged" not in kinds_for(other_dispatcher)
    with pytest.raises(NotFound):
        inbox_item_get_for_user(user=other_dispatcher, pk=answer.pk)


def test_returns_reach_the_dispatchers_and_their_decision_the_unit(city, dispatcher, unit_staff):
    ticket = dispatched(city, dispatcher)
    services.ticket_request_return(ticket_id=ticket.pk, actor=unit_staff, reason="不属于本单位职责")
    request = inbox_items_for(user=dispatcher).get(kind="return_requested")
    assert (request.role, request.unit_id) == (Role.DISPATCHER, None)
    assert "return_requested" not in kinds_for(unit_staff)

    services.ticket_decide_return(ticket_id=ticket.pk, actor=dispatcher, approve=False, note="属实")
    rejected = inbox_items_for(user=unit_staff).get(kind="return_rejected")
    assert rejected.text == "属实" and rejected.unit == city.urban_management

    services.ticket_request_return(ticket_id=ticket.pk, actor=unit_staff, reason="确实不属于本单位")
    services.ticket_decide_return(ticket_id=ticket.pk, actor=dispatcher, approve=True)
    assert "return_approved" in kinds_for(unit_staff)


def test_extensions_and_pauses_decided_reach_the_unit_that_asked(city, dispatcher, unit_staff):
    ticket = in_progress(city, dispatcher, unit_staff)
    ticket.refresh_from_db()
    for approve in (False, True):
        services.ticket_request_extension(
            ticket_id=ticket.pk,
            actor=unit_staff,
            reason="需要协调供电部门",
            requested_due_at=ticket.resolve_due_at + timedelta(days=2),
        )
        services.ticket_decide_extension(
            ticket_id=ticket.pk, actor=dispatcher, approve=approve, note="" if approve else "不同意"
        )
    services.ticket_request_pause(ticket_id=ticket.pk, actor=unit_staff, reason="等待市民提供材料")
    services.ticket_decide_pause(ticket_id=ticket.pk, actor=dispatcher, approve=False, note="不必")
    services.ticket_request_pause(ticket_id=ticket.pk, actor=unit_staff, reason="等待市民提供材料")
    services.ticket_decide_pause(ticket_id=ticket.pk, actor=dispatcher, approve=True)

    assert set(kinds_for(unit_staff)) == {
        "dispatched",
        "extension_rejected",
        "extension_approved",
        "pause_rejected",
        "paused",
    }
    assert kinds_for(dispatcher).count("extension_requested") == 2
    assert kinds_for(dispatcher).count("pause_requested") == 2


def test_a_reopened_ticket_reaches_its_lead_unit_again(city, dispatcher, unit_staff):
    ticket = in_progress(city, dispatcher, unit_staff)
    services.ticket_resolve(ticket_id=ticket.pk, actor=unit_staff, reply="路灯已修复，恢复照明。")
    services.ticket_reopen(ticket_id=ticket.pk, actor=dispatcher, reason="市民反映仍然不亮")
    reopened = inbox_items_for(user=unit_staff).get(kind="reopened")
    assert reopened.text == "市民反映仍然不亮"


def test_kinds_that_are_no_notices_deliver_nothing(city, dispatcher, unit_staff):
    ticket = in_progress(city, dispatcher, unit_staff)
    services.ticket_add_progress(ticket_id=ticket.pk, actor=unit_staff, note="已派人查看")
    assert kinds_for(unit_staff) == [
        "dispatched"
    ]  # accept, contact and progress are the unit's own


def test_red_lights_reach_the_lead_unit_from_the_sweep(city, dispatcher, unit_staff):
    sync_calendar_from_library([2026])
    ticket = dispatch_at(at(2026, 3, 2, 10), city, dispatcher)
    sweep_deadlines(now=at(2026, 3, 2, 11, 40))  # yellow: a warning on the workbench, no notice
    with time_machine.travel(at(2026, 3, 2, 12, 1), tick=False):
        sweep_deadlines(now=at(2026, 3, 2, 12, 1))
        red = inbox_items_for(user=unit_staff).filter(kind="light_red")
    assert [(item.ticket_id, item.urgent) for item in red] == [(ticket.pk, False)]
    assert red[0].text == red[0].event.reason and "已超期" in red[0].text
    sweep_deadlines(now=at(2026, 3, 2, 12, 2))
    assert InboxItem.objects.filter(kind="light_red").count() == 1  # recorded once, delivered once


def test_a_notice_exists_exactly_when_its_event_does(city, dispatcher, unit_staff):
    ticket = dispatched(city, dispatcher)
    with pytest.raises(RuntimeError), transaction.atomic():
        record_event(ticket=ticket, kind=EventKind.SUPERVISED, unit=city.urban_management)
        raise RuntimeError("the service failed after recording")
    assert not InboxItem.objects.filter(kind="supervised").exists()
    # Outside any transaction record_event makes its own: the event and its notice together.
    record_event(ticket=ticket, kind=EventKind.SUPERVISED, unit=city.urban_management)
    assert InboxItem.objects.filter(kind="supervised").count() == 1


def test_registering_a_kind_is_one_line(monkeypatch, city, dispatcher, unit_staff):
    monkeypatch.setattr(inbox, "_kinds", dict(inbox._kinds))
    register_inbox_event(EventKind.PROGRESS)  # e.g. what another branch's hand-off does
    ticket = in_progress(city, dispatcher, unit_staff)
    services.ticket_add_progress(ticket_id=ticket.pk, actor=unit_staff, note="已派人查看")
    assert inbox_items_for(user=unit_staff).filter(kind="progress").count() == 1
    with pytest.raises(ValueError):
        register_inbox_event("no_such_kind")
    with pytest.raises(ValueError):  # the sweep's kinds go in bulk: defaults only
        register_inbox_event(EventKind.LIGHT_YELLOW, recipients=lambda event: [To(role="x")])


# --- notification backends ----------------------------------------------------------------------


def test_an_emergency_also_goes_by_sms_to_the_units_duty_phone(
    city, dispatcher, unit_staff, settings
):
    settings.NOTIFICATION_BACKENDS = ["sms", "email"]
    unit_staff.profile.mobile = "13900000002"
    unit_staff.profile.save()
    city.urban_management.phone = "010-12319"
    city.urban_management.save()

    ticket = dispatched(city, dispatcher, urgency=Urgency.EMERGENCY)

    (item,) = inbox_items_for(user=unit_staff)
    assert item.urgent
    rows = Notification.objects.filter(kind="inbox").order_by("backend")
    assert [row.backend for row in rows] == ["email", "sms"]
    sms = rows[1]
    assert {r["phone"] for r in sms.recipients} == {"13900000002", "010-12319"}
    assert sms.subject == f"【紧急】【派单】工单 {ticket.number}" and sms.ticket_ids == [ticket.pk]
    assert "市城市管理委员会" in sms.body and "主办" in sms.body


def test_an_ordinary_notice_reaches_the_staff_not_the_duty_phone(
    city, dispatcher, unit_staff, settings, broker, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_BACKENDS = ["sms"]
    city.urban_management.phone = "010-12319"
    city.urban_management.save()
    with django_capture_on_commit_callbacks(execute=True):
        dispatched(city, dispatcher)
    (row,) = Notification.objects.filter(kind="inbox")
    assert [r["name"] for r in row.recipients] == ["城管委小刘"]
    assert not row.subject.startswith("【紧急】")
    assert ("workorders.tasks.send_notification", row.pk) in broker  # queued after the commit


def test_a_kind_may_notify_only_emergencies(monkeypatch, city, dispatcher, unit_staff):
    monkeypatch.setattr(inbox, "_kinds", dict(inbox._kinds))
    spec = inbox.inbox_kind(EventKind.DISPATCHED)
    register_inbox_event(
        EventKind.DISPATCHED,
        recipients=spec.recipients,
        text=spec.text,
        notify=inbox.ticket_is_emergency,
    )
    dispatched(city, dispatcher)
    assert not Notification.objects.exists() and inbox_unread_count(user=unit_staff) == 1
    dispatched(city, dispatcher, urgency=Urgency.EMERGENCY)
    assert Notification.objects.filter(kind="inbox").count() == 1


def test_dispatchers_requests_stay_in_the_inbox(city, dispatcher, unit_staff):
    ticket = dispatched(city, dispatcher)
    Notification.objects.all().delete()
    services.ticket_request_return(ticket_id=ticket.pk, actor=unit_staff, reason="不属于本单位职责")
    assert not Notification.objects.exists()


# --- read state, per person ---------------------------------------------------------------------


def test_read_state_is_per_person(city, dispatcher, unit_staff):
    colleague = make_user("staff_urban2", Role.UNIT_STAFF, unit=city.urban_management)
    dispatched(city, dispatcher)
    (item,) = inbox_items_for(user=unit_staff)
    assert inbox_unread_count(user=unit_staff) == inbox_unread_count(user=colleague) == 1

    read = inbox_mark_read(user=unit_staff, item_id=item.pk)
    assert not read.is_unread and read.receipt_at is not None
    assert inbox_mark_read(user=unit_staff, item_id=item.pk).receipt_at == read.receipt_at
    assert inbox_unread_count(user=unit_staff) == 0
    assert inbox_unread_count(user=colleague) == 1  # the unit's notice, still new to them
    assert kinds_for(unit_staff, unread=True) == []


def test_another_units_notice_is_not_found(city, dispatcher, unit_staff, other_unit_staff):
    dispatched(city, dispatcher)
    (item,) = inbox_items_for(user=unit_staff)
    with pytest.raises(NotFound):
        inbox_mark_read(user=other_unit_staff, item_id=item.pk)
    with pytest.raises(NotFound):
        inbox_mark_read(user=dispatcher, item_id=item.pk)
    assert inbox_unread_count(user=unit_staff) == 1


def test_mark_all_read_covers_what_came_before_only(city, dispatcher, unit_staff):
    for _ in range(3):
        dispatched(city, dispatcher)
    assert inbox_mark_all_read(user=unit_staff) == 3
    assert inbox_unread_count(user=unit_staff) == 0
    assert inbox_mark_all_read(user=unit_staff) == 0
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        dispatched(city, dispatcher)
        assert inbox_unread_count(user=unit_staff) == 1


def test_old_notices_stop_counting_as_unread(city, dispatcher, unit_staff, settings):
    settings.INBOX_UNREAD_DAYS = 30
    dispatched(city, dispatcher)
    later = timezone.now() + timedelta(days=31)
    assert inbox_unread_count(user=unit_staff, now=later) == 0
    assert inbox_items_for(user=unit_staff, now=later).count() == 1  # still listed


def test_the_unread_count_is_one_query(city, dispatcher, unit_staff, django_assert_num_queries):
    for _ in range(3):
        dispatched(city, dispatcher)
    role_of(unit_staff)  # the profile: every page has read it already (the menu needs the role)
    with django_assert_num_queries(1):
        assert inbox_unread_count(user=unit_staff) == 3


def test_people_without_a_role_see_nothing(db, django_user_model):
    nobody = django_user_model.objects.create_user("nobody")
    assert inbox_unread_count(user=nobody) == 0
    assert inbox_items_for(user=nobody).count() == 0


# --- notices without a ticket ---------------------------------------------------------------------


def test_deliver_puts_a_keyed_notice_in_once(city, unit_staff, street_staff):
    notice = Notice(
        kind="knowledge_review",
        title="知识条目待复核",
        text="请核对",
        to=To(unit_id=city.urban_management.pk),
        link="/knowledge/manage/1/",
        key="knowledge_review:1:2026-03-02",
    )
    assert deliver(notices=[notice, notice]) == 1
    assert deliver(notices=[notice]) == 0
    (item,) = inbox_items_for(user=unit_staff)
    assert (item.title, item.link, item.ticket_id) == (
        "知识条目待复核",
        "/knowledge/manage/1/",
        None,
    )
    assert kinds_for(street_staff) == []
    with pytest.raises(ValueError):
        deliver(notices=[Notice(kind="x", title="x", to=To())])
