"""The operator's desk: phone intake and the decisions taken before dispatch."""

from tests.pages import PHONE, registered, resolved
from workorders.models import EventKind, Status, Ticket


def test_phone_intake_registers_and_opens_the_ticket(client, db, operator):
    client.force_login(operator)

    response = client.post(
        "/operator/",
        {
            "content": "来电反映望京街道小区停水两天",
            "citizen_name": "王五",
            "citizen_phone": PHONE,
            "address": "朝阳区望京街道",
            "request_type": "help",
            "urgency": "urgent",
        },
        follow=True,
    )

    ticket = Ticket.objects.get()
    assert response.redirect_chain == [(f"/tickets/{ticket.pk}/", 302)]
    assert (ticket.channel, ticket.request_type, ticket.urgency) == ("phone", "help", "urgent")
    assert ticket.registered_by == operator
    html = response.content.decode()
    assert ticket.number in html
    assert f"查询码 {ticket.query_code}" in html


def test_bad_phone_intake_creates_nothing(client, db, operator):
    client.force_login(operator)

    response = client.post("/operator/", {"content": "", "urgency": "panic"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "请填写诉求内容" in html
    assert "紧急程度无效" in html
    assert Ticket.objects.count() == 0


def test_recent_list_offers_answer_merge_and_invalid(client, db, operator):
    ticket = registered()
    client.force_login(operator)

    html = client.get("/operator/").content.decode()

    assert ticket.number in html
    for action in ("answer", "merge", "invalid"):
        assert f'action="/tickets/{ticket.pk}/{action}/"' in html


def test_operator_answers_an_inquiry_directly(client, db, operator):
    ticket = registered(content="请问社保卡丢失后怎么补办？")
    client.force_login(operator)

    response = client.post(
        f"/tickets/{ticket.pk}/answer/",
        {"reply": "可携带身份证到任一社保网点补办。", "next": "/operator/"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/operator/"
    assert "已直接答复" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.FOLLOW_UP  # answered: the center asks the citizen too
    assert ticket.events.filter(kind=EventKind.ANSWERED, actor=operator).exists()


def test_merge_into_an_unknown_master_shows_the_error_by_the_field(client, db, operator):
    ticket = registered()
    client.force_login(operator)

    response = client.post(f"/tickets/{ticket.pk}/merge/", {"master_number": "20200101-000001"})

    assert response.status_code == 400
    html = response.content.decode()
    assert "主工单编号不存在" in html
    assert 'id="action-merge" open' in html
    ticket.refresh_from_db()
    assert ticket.status == Status.REGISTERED


def test_merge_a_duplicate(client, city, operator, dispatcher, unit_staff):
    master = resolved(city, dispatcher, unit_staff)
    duplicate = registered(content="中关村大街路灯又不亮了")
    client.force_login(operator)

    asked = client.post(f"/tickets/{duplicate.pk}/merge/", {"master_number": master.number})
    # First the master, to be confirmed: nothing changed yet.
    html = asked.content.decode()
    assert master.number in html and master.title in html and "确认合并" in html
    assert "merge-compare" in html and duplicate.content in html  # side by side
    duplicate.refresh_from_db()
    assert duplicate.status == Status.REGISTERED

    client.post(
        f"/tickets/{duplicate.pk}/merge/", {"master_number": master.number, "confirmed": "1"}
    )

    duplicate.refresh_from_db()
    assert duplicate.status == Status.MERGED
    assert duplicate.merged_into == master
    html = client.get(f"/tickets/{duplicate.pk}/").content.decode()
    assert f'href="/tickets/{master.pk}/"' in html


def test_mark_invalid_needs_a_reason(client, db, operator):
    ticket = registered(content="测试测试测试测试")
    client.force_login(operator)

    refused = client.post(f"/tickets/{ticket.pk}/invalid/", {"reason_code": ""})
    assert refused.status_code == 400
    assert "请选择不予受理的原因" in refused.content.decode()

    client.post(f"/tickets/{ticket.pk}/invalid/", {"reason_code": "spam", "note": "测试电话"})
    ticket.refresh_from_db()
    assert (ticket.status, ticket.invalid_reason) == (Status.INVALID, "spam")


def test_unit_staff_cannot_use_operator_actions(client, city, unit_staff):
    ticket = registered()
    client.force_login(unit_staff)

    response = client.post(f"/tickets/{ticket.pk}/answer/", {"reply": "不是我们的事情。"})

    assert response.status_code == 404  # not even visible: it was never dispatched to them
    ticket.refresh_from_db()
    assert ticket.status == Status.REGISTERED


def test_the_master_counts_the_people_who_raised_it(client, city, operator, dispatcher, unit_staff):
    from tests.api import client_for
    from workorders import services

    master = resolved(city, dispatcher, unit_staff)
    again = registered(content="中关村大街路灯又不亮了，晚上很黑")
    other = registered(content="中关村大街路灯坏了好几天", citizen_phone="13900001111")
    for duplicate in (again, other):
        services.ticket_merge(
            ticket_id=duplicate.pk, actor=operator, master_number=master.number, reason="同一路灯"
        )

    detail = client_for(operator).get(f"/api/tickets/{master.pk}/").json()
    client.force_login(operator)
    html = client.get(f"/tickets/{master.pk}/").content.decode()

    # The first duplicate's caller is the master's own (same phone): two people, two tickets.
    assert detail["raised_by"] == 2
    assert detail["merged_tickets"] == [again.number, other.number]
    assert "反映人数" in html and other.number in html
