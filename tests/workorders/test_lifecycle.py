"""The lifecycle through the named services, with the people who do each step."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from hotline.lib.errors import Conflict, InvalidInput, NotAllowed, NotFound
from workorders import services
from workorders.access import citizen_view, tickets_visible_to
from workorders.models import (
    Assignment,
    EventKind,
    RequestStatus,
    Status,
    Ticket,
)


def street_light_ticket(**overrides) -> Ticket:
    fields = {
        "channel": "web",
        "title": "路灯不亮",
        "content": "中关村街道科源社区门口路灯不亮",
        "citizen_name": "李明",
        "citizen_phone": "13812345678",
    }
    return services.ticket_register(**{**fields, **overrides})


@pytest.fixture
def dispatched(city, dispatcher):
    """A street-light ticket dispatched to 市城市管理委员会, assisted by 中关村街道办事处."""
    ticket = street_light_ticket()
    return services.ticket_dispatch(
        ticket_id=ticket.pk,
        lead_unit=city.urban_management,
        assist_units=[city.zhongguancun_office],
        category=city.street_light,
        region=city.keyuan,
        actor=dispatcher,
    )


@pytest.fixture
def in_progress(dispatched, unit_staff):
    services.ticket_accept(ticket_id=dispatched.pk, actor=unit_staff)
    return services.ticket_contact(ticket_id=dispatched.pk, actor=unit_staff, note="已电话联系")


def test_dispatch_by_dispatcher_confirms_label_and_sets_due_times(dispatched):
    assert dispatched.status == Status.DISPATCHED
    assert dispatched.category_confirmed
    assert dispatched.resolve_due_at - dispatched.status_changed_at == timedelta(days=7)
    roles = sorted(dispatched.assignments.values_list("role", flat=True))
    assert roles == ["assist", "lead"]


def test_only_dispatchers_dispatch(city, operator, unit_staff):
    ticket = street_light_ticket()
    for person in (operator, unit_staff):
        with pytest.raises((NotAllowed, NotFound)):
            services.ticket_dispatch(
                ticket_id=ticket.pk, lead_unit=city.urban_management, actor=person
            )
    assert Ticket.objects.get(pk=ticket.pk).status == Status.REGISTERED


def test_full_path_to_closed(in_progress, unit_staff, follow_up_agent):
    ticket = services.ticket_resolve(
        ticket_id=in_progress.pk, actor=unit_staff, reply="已更换灯泡，路灯恢复正常照明。"
    )
    # Resolving enters follow-up in the same transaction (two events).
    assert ticket.status == Status.FOLLOW_UP and ticket.resolved_at
    ticket = services.ticket_close(ticket_id=ticket.pk, actor=follow_up_agent, note="市民满意")
    assert ticket.status == Status.CLOSED
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds == [
        "registered",
        "dispatched",
        "accepted",
        "contacted",
        "resolved",
        "follow_up_started",
        "closed",
    ]


def test_assisting_unit_accepts_without_moving_the_ticket(dispatched, street_staff):
    services.ticket_accept(ticket_id=dispatched.pk, actor=street_staff)
    ticket = Ticket.objects.get(pk=dispatched.pk)
    assert ticket.status == Status.DISPATCHED
    assist = ticket.assignments.get(role=Assignment.Role.ASSIST)
    assert assist.accepted_at is not None
    with pytest.raises(NotAllowed):
        services.ticket_request_return(
            ticket_id=ticket.pk, actor=street_staff, reason="不归我们管辖"
        )


def test_other_unit_cannot_see_or_touch(dispatched, other_unit_staff):
    assert not tickets_visible_to(other_unit_staff).filter(pk=dispatched.pk).exists()
    with pytest.raises(NotFound):
        services.ticket_accept(ticket_id=dispatched.pk, actor=other_unit_staff)


def test_district_government_sees_tickets_sent_to_its_streets(
    city, dispatcher, district_staff, street_staff
):
    ticket = street_light_ticket()
    services.ticket_dispatch(
        ticket_id=ticket.pk, lead_unit=city.zhongguancun_office, actor=dispatcher
    )
    assert tickets_visible_to(district_staff).filter(pk=ticket.pk).exists()
    # Seeing is not handling: only the assigned unit may accept.
    with pytest.raises(NotAllowed):
        services.ticket_accept(ticket_id=ticket.pk, actor=district_staff)
    services.ticket_accept(ticket_id=ticket.pk, actor=street_staff)


def test_contact_before_accept_is_refused(dispatched, unit_staff):
    with pytest.raises(Conflict):
        services.ticket_contact(ticket_id=dispatched.pk, actor=unit_staff, note="已联系")


def test_resolve_needs_a_real_reply(in_progress, unit_staff):
    with pytest.raises(InvalidInput) as caught:
        services.ticket_resolve(ticket_id=in_progress.pk, actor=unit_staff, reply="好")
    assert "reply" in caught.value.fields
    assert Ticket.objects.get(pk=in_progress.pk).status == Status.IN_PROGRESS


def test_return_approved_goes_back_to_triage(dispatched, unit_staff, dispatcher):
    services.ticket_request_return(
        ticket_id=dispatched.pk, actor=unit_staff, reason="该路段路灯归区城管负责"
    )
    ticket = services.ticket_decide_return(ticket_id=dispatched.pk, actor=dispatcher, approve=True)
    assert ticket.status == Status.TRIAGE
    assert not ticket.assignments.filter(active=True).exists()
    assert ticket.suggestion["returned_by"] == "市城市管理委员会"
    assert ticket.return_requests.get().status == RequestStatus.APPROVED


def test_return_rejected_goes_back_to_where_it_was(dispatched, unit_staff, dispatcher):
    services.ticket_accept(ticket_id=dispatched.pk, actor=unit_staff)
    services.ticket_request_return(
        ticket_id=dispatched.pk, actor=unit_staff, reason="该路段路灯归区城管负责"
    )
    with pytest.raises(InvalidInput):
        services.ticket_decide_return(ticket_id=dispatched.pk, actor=dispatcher, approve=False)
    ticket = services.ticket_decide_return(
        ticket_id=dispatched.pk, actor=dispatcher, approve=False, note="职责清单明确由城管委负责"
    )
    assert ticket.status == Status.ACCEPTED


def test_return_window_closes(dispatched, unit_staff, settings):
    later = timezone.now() + timedelta(days=settings.RETURN_WINDOW_DAYS, hours=1)
    with time_machine.travel(later), pytest.raises(Conflict):
        services.ticket_request_return(
            ticket_id=dispatched.pk, actor=unit_staff, reason="不属于本单位职责"
        )


def test_unit_cannot_decide_its_own_return(dispatched, unit_staff):
    services.ticket_request_return(
        ticket_id=dispatched.pk, actor=unit_staff, reason="不属于本单位职责范围"
    )
    with pytest.raises(NotAllowed):
        services.ticket_decide_return(ticket_id=dispatched.pk, actor=unit_staff, approve=True)


def test_extension_moves_due_time_and_keeps_original(in_progress, unit_staff, dispatcher):
    original = in_progress.resolve_due_at
    wanted = original + timedelta(days=5)
    services.ticket_request_extension(
        ticket_id=in_progress.pk,
        actor=unit_staff,
        reason="需要协调产权单位",
        requested_due_at=wanted,
    )
    ticket = services.ticket_decide_extension(
        ticket_id=in_progress.pk, actor=dispatcher, approve=True
    )
    assert ticket.resolve_due_at == wanted
    event = ticket.events.get(kind=EventKind.EXTENSION_APPROVED)
    assert event.data["original_due_at"] == original.isoformat()


def test_extension_must_be_later_and_bounded(in_progress, unit_staff):
    for wanted in (
        in_progress.resolve_due_at - timedelta(hours=1),
        in_progress.resolve_due_at + timedelta(days=31),
    ):
        with pytest.raises(InvalidInput):
            services.ticket_request_extension(
                ticket_id=in_progress.pk,
                actor=unit_staff,
                reason="需要协调产权单位",
                requested_due_at=wanted,
            )


def test_reopen_goes_back_to_same_lead_and_counts(in_progress, unit_staff, follow_up_agent):
    services.ticket_resolve(
        ticket_id=in_progress.pk, actor=unit_staff, reply="已更换灯泡恢复照明。"
    )
    ticket = services.ticket_reopen(
        ticket_id=in_progress.pk, actor=follow_up_agent, reason="市民称仍不亮"
    )
    assert ticket.status == Status.DISPATCHED and ticket.reopen_count == 1
    lead = ticket.assignments.get(active=True, role="lead")
    assert lead.unit.name == "市城市管理委员会" and lead.accepted_at is None
    # 首接负责制: a reopened ticket cannot be returned.
    with pytest.raises(Conflict):
        services.ticket_request_return(
            ticket_id=ticket.pk, actor=unit_staff, reason="不属于本单位职责"
        )


def test_answer_directly_merge_and_invalid(city, operator):
    inquiry = street_light_ticket(title="咨询", content="请问社保卡丢失后在哪里补办？")
    answered = services.ticket_answer_directly(
        ticket_id=inquiry.pk, actor=operator, reply="可到各区社保中心或通过官方应用补办。"
    )
    assert answered.status == Status.FOLLOW_UP  # the center asks the citizen too
    master, duplicate, spam = street_light_ticket(), street_light_ticket(), street_light_ticket()
    merged = services.ticket_merge(
        ticket_id=duplicate.pk, master_number=master.number, actor=operator
    )
    assert merged.status == Status.MERGED and merged.merged_into_id == master.pk
    with pytest.raises(InvalidInput):
        services.ticket_merge(ticket_id=master.pk, master_number=master.number, actor=operator)
    with pytest.raises(InvalidInput):
        services.ticket_mark_invalid(ticket_id=spam.pk, actor=operator, reason_code="nonsense")
    invalid = services.ticket_mark_invalid(ticket_id=spam.pk, actor=operator, reason_code="spam")
    assert invalid.status == Status.INVALID


def test_masking_and_logged_reveal(dispatched, unit_staff, operator):
    seen = citizen_view(unit_staff, dispatched)
    assert seen["phone"] == "138****5678" and seen["name"] == "李*"
    assert citizen_view(operator, dispatched)["phone"] == "13812345678"
    contact = services.ticket_reveal_contact(ticket_id=dispatched.pk, actor=unit_staff)
    assert contact["phone"] == "13812345678"
    event = dispatched.events.get(kind=EventKind.CONTACT_REVEALED)
    assert event.actor == unit_staff and not event.public


def test_confidential_ticket_hides_citizen(city, dispatcher, unit_staff):
    ticket = street_light_ticket(confidential=True)
    services.ticket_dispatch(ticket_id=ticket.pk, lead_unit=city.urban_management, actor=dispatcher)
    seen = citizen_view(unit_staff, ticket)
    assert seen["level"] == "hidden" and "138" not in seen["phone"]
    with pytest.raises(NotAllowed):
        services.ticket_reveal_contact(ticket_id=ticket.pk, actor=unit_staff)
