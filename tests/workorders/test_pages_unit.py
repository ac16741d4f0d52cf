"""The unit's workbench and ticket page: masking, the logged reveal, and the unit's actions."""

from datetime import timedelta

import time_machine
from django.utils import timezone

from tests.pages import PHONE, dispatched, in_progress
from workorders import registry, services
from workorders.models import EventKind, ExtensionRequest, ReturnRequest, Status
from workorders.registry import page_url


def page(client, ticket) -> str:
    response = client.get(f"/tickets/{ticket.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_unit_staff_see_the_citizen_masked(client, city, dispatcher, unit_staff):
    ticket = dispatched(city, dispatcher)
    client.force_login(unit_staff)

    html = page(client, ticket)

    assert PHONE not in html
    assert "李四" not in html
    assert "139****5678" in html
    assert "李*" in html
    assert ticket.query_code not in html
    assert "查看完整联系方式" in html


def test_confidential_ticket_shows_nothing_of_the_citizen(client, city, dispatcher, unit_staff):
    ticket = dispatched(city, dispatcher, confidential=True)
    client.force_login(unit_staff)

    html = page(client, ticket)

    assert PHONE not in html and "5678" not in html
    assert "李四" not in html and "李*" not in html
    assert "诉求人要求保密" in html
    assert "查看完整联系方式" not in html

    response = client.post(f"/tickets/{ticket.pk}/reveal/")
    assert response.status_code == 403
    assert PHONE not in response.content.decode()
    assert not ticket.events.filter(kind=EventKind.CONTACT_REVEALED).exists()


def test_center_staff_see_the_full_contact_and_query_code(client, city, dispatcher):
    ticket = dispatched(city, dispatcher)
    client.force_login(dispatcher)

    html = page(client, ticket)

    assert PHONE in html
    assert ticket.query_code in html


def test_reveal_shows_the_contact_and_is_logged(client, city, dispatcher, unit_staff):
    ticket = dispatched(city, dispatcher)
    client.force_login(unit_staff)

    response = client.post(f"/tickets/{ticket.pk}/reveal/")

    assert response.status_code == 200
    assert PHONE in response.content.decode()
    event = ticket.events.get(kind=EventKind.CONTACT_REVEALED)
    assert event.actor == unit_staff
    assert event.unit == city.urban_management
    # The next ordinary view is masked again, and the reveal is on the timeline.
    html = page(client, ticket)
    assert PHONE not in html
    assert "查看联系方式" in html


def test_workbench_tabs_with_counts(client, city, dispatcher, unit_staff):
    new = dispatched(city, dispatcher)
    working = in_progress(city, dispatcher, unit_staff, content="学院路的路灯不亮了")
    client.force_login(unit_staff)

    html = client.get("/unit/").content.decode()
    assert new.number in html and working.number not in html
    assert '<span class="count">1</span>' in html

    html = client.get("/unit/?tab=in_progress").content.decode()
    assert working.number in html and new.number not in html

    html = client.get("/unit/?tab=all").content.decode()
    assert working.number in html and new.number in html
    assert PHONE not in html

    assert client.get("/unit/?tab=nonsense").status_code == 400


def test_unit_works_a_ticket_through_the_page(client, city, dispatcher, unit_staff):
    ticket = dispatched(city, dispatcher)
    client.force_login(unit_staff)
    html = page(client, ticket)
    assert 'id="action-accept"' in html and 'id="action-resolve"' not in html

    response = client.post(f"/tickets/{ticket.pk}/accept/", follow=True)
    assert "已签收" in response.content.decode()

    response = client.post(f"/tickets/{ticket.pk}/contact/", {"note": "已电话联系"}, follow=True)
    assert "已登记联系诉求人" in response.content.decode()

    client.post(f"/tickets/{ticket.pk}/progress/", {"note": "已安排维修", "public": "on"})
    progress = ticket.events.get(kind=EventKind.PROGRESS)
    assert progress.public and progress.reason == "已安排维修"

    response = client.post(
        f"/tickets/{ticket.pk}/resolve/", {"reply": "已更换灯泡，路灯恢复正常。"}, follow=True
    )
    assert "已办结" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.FOLLOW_UP  # resolving enters follow-up
    assert ticket.reply == "已更换灯泡，路灯恢复正常。"


def test_deadlines_are_shown_on_the_detail_page(client, city, dispatcher, unit_staff):
    ticket = dispatched(city, dispatcher)
    client.force_login(unit_staff)

    html = page(client, ticket)

    local_due = timezone.localtime(ticket.resolve_due_at)
    assert "办结时限" in html
    assert local_due.strftime("%Y-%m-%d %H:%M") in html


def test_bad_input_shows_the_message_next_to_the_field_and_changes_nothing(
    client, city, dispatcher, unit_staff
):
    ticket = in_progress(city, dispatcher, unit_staff)
    client.force_login(unit_staff)

    response = client.post(f"/tickets/{ticket.pk}/resolve/", {"reply": "好"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "请填写办结答复" in html
    assert 'id="action-resolve"' in html
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_action_in_the_wrong_status_is_a_conflict_not_a_crash(client, city, dispatcher, unit_staff):
    ticket = dispatched(city, dispatcher)
    client.force_login(unit_staff)

    response = client.post(f"/tickets/{ticket.pk}/resolve/", {"reply": "已经处理好了，谢谢反映"})

    assert response.status_code == 409
    assert "不能执行此操作" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED


def test_unit_asks_for_a_return_within_the_window(client, city, dispatcher, unit_staff):
    ticket = dispatched(city, dispatcher)
    client.force_login(unit_staff)

    response = client.post(
        f"/tickets/{ticket.pk}/request_return/",
        {"reason": "路灯由区城管负责，不属于本单位"},
        follow=True,
    )

    assert "已提交退单申请" in response.content.decode()
    assert ReturnRequest.objects.get(ticket=ticket).status == "pending"


def test_return_form_is_gone_after_the_window(client, city, dispatcher, unit_staff):
    ticket = dispatched(city, dispatcher)
    client.force_login(unit_staff)

    with time_machine.travel(timezone.now() + timedelta(days=3)):
        assert 'id="action-request_return"' not in page(client, ticket)
        response = client.post(
            f"/tickets/{ticket.pk}/request_return/", {"reason": "不属于本单位职责范围"}
        )

    assert response.status_code == 409
    assert "已超过退单时限" in response.content.decode()


def test_unit_asks_for_an_extension(client, city, dispatcher, unit_staff):
    ticket = in_progress(city, dispatcher, unit_staff)
    client.force_login(unit_staff)
    new_due = timezone.localtime(ticket.resolve_due_at + timedelta(days=3))

    response = client.post(
        f"/tickets/{ticket.pk}/request_extension/",
        {
            "reason": "需要更换整条线路的电缆",
            "requested_due_at": new_due.strftime("%Y-%m-%dT%H:%M"),
        },
        follow=True,
    )

    assert "已提交延期申请" in response.content.decode()
    request = ExtensionRequest.objects.get(ticket=ticket)
    assert request.requested_due_at == new_due.replace(second=0, microsecond=0)


def test_extension_with_a_bad_date_is_refused(client, city, dispatcher, unit_staff):
    ticket = in_progress(city, dispatcher, unit_staff)
    client.force_login(unit_staff)

    response = client.post(
        f"/tickets/{ticket.pk}/request_extension/",
        {"reason": "需要更换整条线路的电缆", "requested_due_at": "next week"},
    )

    assert response.status_code == 400
    assert "时间格式不正确" in response.content.decode()
    assert not ExtensionRequest.objects.exists()


def test_assisting_unit_accepts_but_cannot_resolve(client, city, dispatcher, street_staff):
    ticket = dispatched(city, dispatcher)
    client.force_login(street_staff)

    html = page(client, ticket)
    assert 'id="action-accept"' in html
    client.post(f"/tickets/{ticket.pk}/accept/")
    html = page(client, ticket)
    assert 'id="action-resolve"' not in html
    assert 'id="action-request_return"' not in html
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED  # only the lead's acceptance moves the ticket


def test_leaders_see_details_but_no_actions(client, city, dispatcher, leader):
    ticket = dispatched(city, dispatcher)
    client.force_login(leader)

    html = page(client, ticket)
    assert "当前没有可执行的操作" in html

    response = client.post(f"/tickets/{ticket.pk}/accept/")
    assert response.status_code == 403
    services_ticket = ticket.__class__.objects.get(pk=ticket.pk)
    assert services_ticket.status == Status.DISPATCHED


def test_overview_leads_to_the_registered_cockpit(client, leader):
    client.force_login(leader)

    response = client.get("/overview/")

    assert response.status_code == 302
    assert response["Location"] == page_url("cockpit")


def test_overview_counts_tickets_by_status_without_a_cockpit(
    client, city, dispatcher, unit_staff, leader, monkeypatch
):
    # The status overview stays for a platform where no app registers a cockpit page.
    monkeypatch.delitem(registry._pages, "cockpit")
    dispatched(city, dispatcher)
    in_progress(city, dispatcher, unit_staff, content="学院路的路灯不亮了")
    services.ticket_register(channel="phone", content="咨询社保缴费的办理流程", actor=dispatcher)
    client.force_login(leader)

    response = client.get("/overview/")

    counts = {item["value"]: item["count"] for item in response.context["statuses"]}
    assert counts["dispatched"] == 1
    assert counts["in_progress"] == 1
    assert counts["registered"] == 1
    assert response.context["total"] == 3
    assert 'href="/dispatch/tickets/?status=in_progress"' in response.content.decode()
