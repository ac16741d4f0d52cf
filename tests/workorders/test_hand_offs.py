"""Hand-off to a community (转派社区): the street office leading a ticket passes it to one of its
communities, which accepts, contacts, reports back; the street resolves or sends it back. The
street stays the lead and answerable for the deadlines.

Personas: 中关村街道办事处 (street, lead), 科源社区居委会 (its community), 望京街道's own community
(another street's), 海淀区人民政府 (the district above 中关村), 朝阳区人民政府 (another district).
"""

import dataclasses
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from dispatch.models import RoutingRule
from hotline.lib.errors import Conflict
from tests.api import client_for, post
from tests.conftest import make_user
from tests.pages import registered
from workorders import services
from workorders.models import (
    Assignment,
    EventKind,
    HandOff,
    HandOffStatus,
    Region,
    Role,
    Status,
    Ticket,
    Unit,
)
from workorders.selectors import ticket_view
from workorders.services.hand_offs import HAND_OFF_ALLOWED, hand_off_move

DUE_FIELDS = [
    "accept_due_at",
    "contact_due_at",
    "resolve_due_at",
    "accept_warn_at",
    "contact_warn_at",
    "resolve_warn_at",
]
NOTE = "请社区上门核实路灯情况并联系市民"
REPORT = "社区网格员已上门核实，联系物业更换了灯泡，路灯恢复照明，市民表示满意。"


@pytest.fixture
def community_staff(city):
    return make_user("staff_keyuan", Role.UNIT_STAFF, unit=city.keyuan_community, name="社区小林")


@pytest.fixture
def other_community_staff(city):
    """Staff of a community under 望京街道: another street's community."""
    region = Region.objects.create(name="望京西园社区", level=3, parent=city.wangjing)
    unit = Unit.objects.create(
        name="望京西园社区居委会",
        kind=Unit.Kind.COMMUNITY,
        region=region,
        parent=city.wangjing_office,
    )
    return make_user("staff_xiyuan", Role.UNIT_STAFF, unit=unit, name="西园社区小马")


@pytest.fixture
def other_street_staff(city):
    return make_user("staff_wangjing", Role.UNIT_STAFF, unit=city.wangjing_office, name="望京小冯")


@pytest.fixture
def other_district_staff(city):
    """朝阳区人民政府, above 望京街道: not the district of this ticket."""
    chaoyang_gov = Unit.objects.create(
        name="朝阳区人民政府", kind=Unit.Kind.DISTRICT, region=city.chaoyang
    )
    Unit.objects.filter(pk=city.wangjing_office.pk).update(parent=chaoyang_gov)
    return make_user("staff_chaoyang", Role.UNIT_STAFF, unit=chaoyang_gov, name="朝阳区小韩")


def street_ticket(city, dispatcher, street_staff, *, assist=(), contact=False) -> Ticket:
    """A street-light ticket in 科源社区 led by 中关村街道办事处, accepted by it."""
    ticket = registered(address="海淀区中关村街道科源社区1号楼")
    services.ticket_dispatch(
        ticket_id=ticket.pk,
        actor=dispatcher,
        lead_unit=city.zhongguancun_office,
        assist_units=list(assist),
        category=city.street_light,
        region=city.keyuan,
    )
    services.ticket_accept(ticket_id=ticket.pk, actor=street_staff)
    if contact:
        services.ticket_contact(ticket_id=ticket.pk, actor=street_staff, note="已联系市民")
    ticket.refresh_from_db()
    return ticket


def ok(response) -> dict:
    assert response.status_code == 200, response.content.decode()
    return response.json()


def due_times(ticket: Ticket) -> dict:
    ticket.refresh_from_db()
    return {name: getattr(ticket, name) for name in DUE_FIELDS}


# --- the hand-off's own transition table ---------------------------------------------------------

PAIRS = list(itertools.product(HandOffStatus.values, HandOffStatus.values))


@pytest.mark.parametrize(("from_status", "to_status"), PAIRS)
def test_every_hand_off_status_pair(city, dispatcher, street_staff, from_status, to_status):
    ticket = street_ticket(city, dispatcher, street_staff)
    hand_off = HandOff.objects.create(
        ticket=ticket,
        street=city.zhongguancun_office,
        community=city.keyuan_community,
        note=NOTE,
        status=from_status,
        handed_off_at=ticket.registered_at,
    )
    if (from_status, to_status) in HAND_OFF_ALLOWED:
        with transaction.atomic():
            hand_off_move(hand_off=hand_off, to=to_status)
        hand_off.refresh_from_db()
        assert hand_off.status == to_status
    else:
        with pytest.raises(Conflict), transaction.atomic():
            hand_off_move(hand_off=hand_off, to=to_status)
        hand_off.refresh_from_db()
        assert hand_off.status == from_status


def test_final_hand_off_statuses_have_no_way_out():
    for final in (HandOffStatus.CLOSED, HandOffStatus.WITHDRAWN):
        assert not [pair for pair in HAND_OFF_ALLOWED if pair[0] == final]


def test_a_stale_hand_off_loses_the_compare_and_set(
    city, dispatcher, street_staff, community_staff
):
    ticket = street_ticket(city, dispatcher, street_staff)
    services.ticket_hand_off(
        ticket_id=ticket.pk, actor=street_staff, unit=city.keyuan_community.pk, note=NOTE
    )
    stale = HandOff.objects.get(ticket=ticket)
    services.ticket_accept(ticket_id=ticket.pk, actor=community_staff)
    with pytest.raises(Conflict), transaction.atomic():
        hand_off_move(hand_off=stale, to=HandOffStatus.ACCEPTED)


# --- the cycles through the API ------------------------------------------------------------------


def test_hand_off_accept_report_resolve_through_the_api(
    city, dispatcher, street_staff, community_staff, citizen
):
    ticket = street_ticket(city, dispatcher, street_staff)
    before = due_times(ticket)
    community = client_for(community_staff)
    # Before the hand-off the community does not see the ticket at all.
    assert community.get(f"/api/tickets/{ticket.pk}/").status_code == 404

    detail = ok(
        post(street_staff, ticket.pk, "hand-off", {"unit": city.keyuan_community.pk, "note": NOTE})
    )
    assert detail["status"] == Status.ACCEPTED
    assert detail["lead_unit"]["name"] == "中关村街道办事处"  # 首接负责: the street stays lead
    assert detail["hand_off"]["status"] == "handed_off"
    assert detail["hand_off"]["community"]["name"] == "科源社区居委会"
    event = ticket.events.get(kind=EventKind.HANDED_OFF)
    assert event.unit == city.keyuan_community  # the unit that must act
    assert event.reason == NOTE and event.public

    # The community finds it on its workbench, new, and accepts it.
    rows = ok(community.get("/api/unit/tickets/"))["results"]
    assert [row["id"] for row in rows] == [ticket.pk]
    assert ok(post(community_staff, ticket.pk, "accept"))["hand_off"]["status"] == "accepted"
    rows = ok(community.get("/api/unit/tickets/?tab=in_progress"))["results"]
    assert [row["id"] for row in rows] == [ticket.pk]

    # It reaches the citizen for the street: the street's contact deadline is met.
    contacted = ok(post(community_staff, ticket.pk, "contact", {"note": "社区已电话联系市民"}))
    assert contacted["status"] == Status.IN_PROGRESS
    lead = Assignment.objects.get(ticket=ticket, role=Assignment.Role.LEAD, active=True)
    assert lead.contacted_at is not None
    ok(post(community_staff, ticket.pk, "progress", {"note": "已联系物业安排更换灯泡"}))

    reported = ok(post(community_staff, ticket.pk, "hand-off/report", {"report": REPORT}))
    assert reported["hand_off"]["status"] == "reported"
    assert reported["hand_off"]["report"] == REPORT
    event = ticket.events.get(kind=EventKind.HAND_OFF_REPORTED)
    assert event.unit == city.zhongguancun_office  # the street must check it
    assert due_times(ticket) == before

    # The street resolves with the reply; the community's part ends, it keeps seeing the ticket.
    resolved = ok(post(street_staff, ticket.pk, "resolve", {"reply": REPORT}))
    assert resolved["status"] == Status.FOLLOW_UP
    assert resolved["hand_off"]["status"] == "closed"
    part = Assignment.objects.get(ticket=ticket, role=Assignment.Role.COMMUNITY)
    assert part.active is False and part.accepted_at is not None
    assert ok(community.get(f"/api/tickets/{ticket.pk}/"))["stub"] is False
    assert post(community_staff, ticket.pk, "progress", {"note": "再补充一句"}).status_code == 403
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds[-6:] == [
        "contacted",
        "progress",
        "hand_off_reported",
        "hand_off_closed",
        "resolved",
        "follow_up_started",
    ]

    # The citizen's timeline summarises the community's share, without the internal texts.
    public = ticket_view(user=None, ticket=Ticket.objects.get(pk=ticket.pk)).timeline
    summary = [(e.kind, e.unit, e.text) for e in public if e.kind.startswith("hand")]
    assert summary == [
        ("handed_off", "科源社区居委会", ""),
        ("hand_off_reported", "中关村街道办事处", ""),
    ]


def test_send_back_reopens_the_communitys_part(city, dispatcher, street_staff, community_staff):
    ticket = street_ticket(city, dispatcher, street_staff, contact=True)
    before = due_times(ticket)
    ok(post(street_staff, ticket.pk, "hand-off", {"unit": city.keyuan_community.pk, "note": NOTE}))
    ok(post(community_staff, ticket.pk, "accept"))
    ok(
        post(
            community_staff,
            ticket.pk,
            "hand-off/report",
            {"report": "已处理完毕，请街道审核办结。"},
        )
    )

    # A report is not sent twice; the street sends it back with a reason.
    again = post(community_staff, ticket.pk, "hand-off/report", {"report": REPORT})
    assert again.status_code == 409
    assert post(street_staff, ticket.pk, "hand-off/send-back", {}).status_code == 400
    sent_back = ok(
        post(street_staff, ticket.pk, "hand-off/send-back", {"reason": "未写明处理结果和市民意见"})
    )
    assert sent_back["hand_off"]["status"] == "sent_back"
    assert sent_back["hand_off"]["sent_back_count"] == 1
    event = ticket.events.get(kind=EventKind.HAND_OFF_SENT_BACK)
    assert event.unit == city.keyuan_community and not event.public
    # Only the street checks reports.
    assert (
        post(community_staff, ticket.pk, "hand-off/send-back", {"reason": "不要"}).status_code
        == 403
    )

    reported = ok(post(community_staff, ticket.pk, "hand-off/report", {"report": REPORT}))
    assert reported["hand_off"]["status"] == "reported"
    assert ticket.events.filter(kind=EventKind.HAND_OFF_REPORTED).count() == 2
    assert ok(post(street_staff, ticket.pk, "resolve", {"reply": REPORT}))["status"] == (
        Status.FOLLOW_UP
    )
    ticket.refresh_from_db()
    assert {name: getattr(ticket, name) for name in DUE_FIELDS} == before


def test_the_hand_off_changes_no_deadline(city, dispatcher, street_staff, community_staff):
    ticket = street_ticket(city, dispatcher, street_staff)
    before = due_times(ticket)
    assert all(before[name] for name in ("contact_due_at", "resolve_due_at"))
    steps = [
        (street_staff, "hand-off", {"unit": city.keyuan_community.pk, "note": NOTE}),
        (community_staff, "accept", {}),
        (community_staff, "hand-off/report", {"report": REPORT}),
        (street_staff, "hand-off/send-back", {"reason": "请补充照片"}),
        (street_staff, "hand-off/withdraw", {"reason": "街道自行办理"}),
    ]
    for actor, action, body in steps:
        ok(post(actor, ticket.pk, action, body))
        assert due_times(ticket) == before, action


def test_withdraw_ends_the_communitys_part_and_allows_another(
    city, dispatcher, street_staff, community_staff
):
    ticket = street_ticket(city, dispatcher, street_staff)
    ok(post(street_staff, ticket.pk, "hand-off", {"unit": city.keyuan_community.pk, "note": NOTE}))
    # 首接负责: no return while the community holds it.
    response = post(street_staff, ticket.pk, "return", {"reason": "不属于本街道职责范围"})
    assert response.status_code == 409
    withdrawn = ok(post(street_staff, ticket.pk, "hand-off/withdraw", {"reason": "转错社区"}))
    assert withdrawn["hand_off"]["status"] == "withdrawn"
    assert not Assignment.objects.filter(
        ticket=ticket, role=Assignment.Role.COMMUNITY, active=True
    ).exists()
    detail = client_for(community_staff).get(f"/api/tickets/{ticket.pk}/")
    assert detail.status_code == 200 and detail.json()["stub"] is True
    # The same community again, from scratch.
    again = ok(
        post(street_staff, ticket.pk, "hand-off", {"unit": city.keyuan_community.pk, "note": NOTE})
    )
    assert again["hand_off"]["status"] == "handed_off"
    assert HandOff.objects.filter(ticket=ticket).count() == 2


# --- refusals -------------------------------------------------------------------------------------


def test_only_one_of_the_streets_own_communities(
    city, dispatcher, street_staff, other_community_staff
):
    ticket = street_ticket(city, dispatcher, street_staff)
    other_community = other_community_staff.profile.unit
    for unit in (other_community.pk, city.water_company.pk, city.wangjing_office.pk, 999999):
        response = post(street_staff, ticket.pk, "hand-off", {"unit": unit, "note": NOTE})
        assert response.status_code == 400, unit
        body = response.json()
        assert body["code"] == "invalid_input"
        assert body["message"] == "请选择本街道（乡镇）下属的社区（村）"
        assert body["fields"]["unit"]
    bad = ({"note": NOTE}, {"unit": "科源", "note": NOTE}, {"unit": 10**30, "note": NOTE})
    for body in (*bad, {"unit": -1, "note": NOTE}, {"unit": [1], "note": NOTE}):
        response = post(street_staff, ticket.pk, "hand-off", body)
        assert response.status_code == 400
        assert "社区" in response.json()["message"] + str(response.json()["fields"])
    # An empty note is refused before anything is written.
    response = post(street_staff, ticket.pk, "hand-off", {"unit": city.keyuan_community.pk})
    assert response.status_code == 400 and response.json()["fields"]["note"]
    assert not HandOff.objects.exists()
    assert not Assignment.objects.filter(role=Assignment.Role.COMMUNITY).exists()


def test_a_second_open_hand_off_is_a_conflict(city, dispatcher, street_staff):
    Unit.objects.create(
        name="科源二社区居委会", kind=Unit.Kind.COMMUNITY, parent=city.zhongguancun_office
    )
    second = Unit.objects.get(name="科源二社区居委会")
    ticket = street_ticket(city, dispatcher, street_staff)
    ok(post(street_staff, ticket.pk, "hand-off", {"unit": city.keyuan_community.pk, "note": NOTE}))
    response = post(street_staff, ticket.pk, "hand-off", {"unit": second.pk, "note": NOTE})
    assert response.status_code == 409
    assert "科源社区居委会" in response.json()["message"]
    assert HandOff.objects.filter(ticket=ticket).count() == 1


def test_not_before_the_street_accepted(city, dispatcher, street_staff):
    ticket = registered()
    services.ticket_dispatch(
        ticket_id=ticket.pk,
        actor=dispatcher,
        lead_unit=city.zhongguancun_office,
        category=city.street_light,
        region=city.keyuan,
    )
    response = post(
        street_staff, ticket.pk, "hand-off", {"unit": city.keyuan_community.pk, "note": NOTE}
    )
    assert response.status_code == 409
    assert response.json()["message"] == "请先签收工单，再转派社区"


def test_who_may_hand_off(
    city,
    dispatcher,
    street_staff,
    community_staff,
    district_staff,
    other_district_staff,
    other_street_staff,
    other_community_staff,
    unit_staff,
):
    # 市城市管理委员会 assists on this ticket.
    ticket = street_ticket(city, dispatcher, street_staff, assist=[city.urban_management])
    body = {"unit": city.keyuan_community.pk, "note": NOTE}
    # Those who see the ticket but are not its lead street: 403.
    assert post(unit_staff, ticket.pk, "hand-off", body).status_code == 403  # assisting
    assert post(district_staff, ticket.pk, "hand-off", body).status_code == 403  # the district
    # Those who do not see it: 404.
    for outsider in (other_street_staff, other_district_staff, other_community_staff):
        assert post(outsider, ticket.pk, "hand-off", body).status_code == 404
        assert client_for(outsider).get(f"/api/tickets/{ticket.pk}/").status_code == 404
    ok(post(street_staff, ticket.pk, "hand-off", body))
    # The community now sees it, but hands off nothing and checks no report.
    assert post(community_staff, ticket.pk, "hand-off", body).status_code == 403
    assert (
        post(community_staff, ticket.pk, "hand-off/withdraw", {"reason": "不办"}).status_code == 403
    )
    assert post(community_staff, ticket.pk, "resolve", {"reply": REPORT}).status_code == 403
    # Others report nothing for the community.
    ok(post(community_staff, ticket.pk, "accept"))
    assert post(street_staff, ticket.pk, "hand-off/report", {"report": REPORT}).status_code == 403
    assert post(district_staff, ticket.pk, "hand-off/report", {"report": REPORT}).status_code == 403
    assert (
        post(other_community_staff, ticket.pk, "hand-off/report", {"report": REPORT}).status_code
        == 404
    )
    # The district sees its street's hand-off (the community is under it too).
    detail = ok(client_for(district_staff).get(f"/api/tickets/{ticket.pk}/"))
    assert detail["hand_off"]["community"]["name"] == "科源社区居委会"
    assert HandOff.objects.get(ticket=ticket).status == HandOffStatus.ACCEPTED


def test_a_department_leading_a_ticket_hands_off_nothing(city, dispatcher, unit_staff):
    ticket = registered()
    services.ticket_dispatch(
        ticket_id=ticket.pk,
        actor=dispatcher,
        lead_unit=city.urban_management,
        category=city.street_light,
        region=city.keyuan,
    )
    services.ticket_accept(ticket_id=ticket.pk, actor=unit_staff)
    response = post(
        unit_staff, ticket.pk, "hand-off", {"unit": city.keyuan_community.pk, "note": NOTE}
    )
    assert response.status_code == 403


def test_the_community_reports_only_after_accepting(
    city, dispatcher, street_staff, community_staff
):
    ticket = street_ticket(city, dispatcher, street_staff)
    ok(post(street_staff, ticket.pk, "hand-off", {"unit": city.keyuan_community.pk, "note": NOTE}))
    response = post(community_staff, ticket.pk, "hand-off/report", {"report": REPORT})
    assert response.status_code == 409
    ok(post(community_staff, ticket.pk, "accept"))
    response = post(community_staff, ticket.pk, "hand-off/report", {"report": "好了"})
    assert response.status_code == 400 and response.json()["fields"]["report"]


# --- the pages ------------------------------------------------------------------------------------


def page(client, ticket) -> str:
    response = client.get(f"/tickets/{ticket.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_cycle_through_the_pages(client, city, dispatcher, street_staff, community_staff):
    Unit.objects.create(name="别街道的社区", kind=Unit.Kind.COMMUNITY, parent=city.wangjing_office)
    ticket = street_ticket(city, dispatcher, street_staff)
    client.force_login(street_staff)
    html = page(client, ticket)
    assert 'id="action-hand_off"' in html
    # The select offers the street's own communities only.
    assert f'<option value="{city.keyuan_community.pk}">科源社区居委会</option>' in html
    assert "别街道的社区" not in html

    # A wrong choice shows the message next to the form, nothing is written.
    response = client.post(f"/tickets/{ticket.pk}/hand_off/", {"unit": "", "note": NOTE})
    assert response.status_code == 400
    assert "请选择本街道（乡镇）下属的社区（村）" in response.content.decode()
    response = client.post(
        f"/tickets/{ticket.pk}/hand_off/", {"unit": city.keyuan_community.pk, "note": NOTE}
    )
    assert response.status_code == 302
    html = page(client, ticket)
    assert 'id="hand-off"' in html and "待社区签收" in html
    assert 'id="action-hand_off"' not in html  # one at a time
    assert 'id="action-hand_off_withdraw"' in html

    client.force_login(community_staff)
    response = client.get("/unit/")
    workbench = response.content.decode()
    assert ticket.number in workbench
    assert 'id="hand-offs-waiting"' in workbench and "街道转派待办" in workbench
    html = page(client, ticket)
    assert 'id="action-accept"' in html and 'id="action-hand_off_report"' not in html
    assert client.post(f"/tickets/{ticket.pk}/accept/").status_code == 302
    html = page(client, ticket)
    assert 'id="action-hand_off_report"' in html and 'id="action-contact"' in html
    assert 'id="action-resolve"' not in html and 'id="action-hand_off"' not in html
    response = client.post(f"/tickets/{ticket.pk}/hand_off_report/", {"report": REPORT})
    assert response.status_code == 302

    client.force_login(street_staff)
    workbench = client.get("/unit/").content.decode()
    assert "社区反馈待审核" in workbench and ticket.number in workbench
    assert (
        client.post(f"/tickets/{ticket.pk}/contact/", {"note": "街道已联系市民"}).status_code == 302
    )
    html = page(client, ticket)
    assert "社区已反馈" in html and 'id="action-hand_off_send_back"' in html
    # The resolve form starts from the community's report.
    assert f"{REPORT}</textarea>" in html
    response = client.post(
        f"/tickets/{ticket.pk}/hand_off_send_back/", {"reason": "请补充市民意见"}
    )
    assert response.status_code == 302
    assert HandOff.objects.get(ticket=ticket).status == HandOffStatus.SENT_BACK

    client.force_login(community_staff)
    html = page(client, ticket)
    assert "请补充市民意见" in html and 'id="action-hand_off_report"' in html
    client.post(f"/tickets/{ticket.pk}/hand_off_report/", {"report": REPORT + "市民无异议。"})

    client.force_login(street_staff)
    response = client.post(f"/tickets/{ticket.pk}/resolve/", {"reply": REPORT})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.FOLLOW_UP
    assert HandOff.objects.get(ticket=ticket).status == HandOffStatus.CLOSED
    assert 'id="hand-offs-waiting"' not in client.get("/unit/").content.decode()

    client.force_login(community_staff)
    assert 'id="hand-offs-waiting"' not in client.get("/unit/").content.decode()
    html = page(client, ticket)
    assert "已结束" in html and 'id="action-hand_off_report"' not in html


# --- communities lead only their duty list ---------------------------------------------------------


def test_a_dispatcher_cannot_make_a_community_lead_outside_its_duties(city, dispatcher):
    ticket = registered()
    with pytest.raises(Exception) as refused:
        services.ticket_dispatch(
            ticket_id=ticket.pk,
            actor=dispatcher,
            lead_unit=city.keyuan_community,
            category=city.street_light,
            region=city.keyuan,
        )
    assert refused.value.http_status == 400
    assert "lead_unit" in refused.value.fields
    ticket.refresh_from_db()
    assert ticket.status == Status.REGISTERED
    # Once an administrator allows the category (its parent here) for communities, it may.
    city.municipal.community_may_lead = True
    city.municipal.save()
    services.ticket_dispatch(
        ticket_id=ticket.pk,
        actor=dispatcher,
        lead_unit=city.keyuan_community,
        category=city.street_light,
        region=city.keyuan,
    )
    ticket.refresh_from_db()
    assert ticket.lead_assignment.unit == city.keyuan_community


def test_the_dispatch_api_answers_the_refusal_in_the_error_shape(city, dispatcher):
    ticket = registered()
    response = post(
        dispatcher,
        ticket.pk,
        "dispatch",
        {"lead_unit": city.keyuan_community.pk, "category": city.street_light.pk},
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert "社区" in body["message"] and body["fields"]["lead_unit"]


def test_routing_rules_never_make_a_community_lead_outside_its_duties(city):
    from dispatch.routing import route_for

    # The most specific rule for street lights in 科源社区 names the community itself.
    rule = RoutingRule.objects.create(
        category=city.street_light, region=city.keyuan, lead_unit=city.keyuan_community
    )
    route = route_for(category=city.street_light, region=city.keyuan)
    assert route.lead_unit == city.urban_management  # the next most specific rule decides
    with pytest.raises(ValidationError):
        rule.full_clean()
    city.street_light.community_may_lead = True
    city.street_light.save()
    assert route_for(category=city.street_light, region=city.keyuan).lead_unit == (
        city.keyuan_community
    )
    rule.full_clean()


def test_the_worker_never_dispatches_to_a_community_outside_its_duties(city, monkeypatch):
    from dispatch import services as dispatch_services
    from dispatch.classification import get_classifier

    classifier = get_classifier()
    original = classifier.predict

    def predict(**kwargs):
        prediction = original(**kwargs)
        # What dispatchers chose before: the community first, then the street.
        units = [(city.keyuan_community.pk, 0.9), (city.zhongguancun_office.pk, 0.8)]
        return dataclasses.replace(prediction, units=units)

    monkeypatch.setattr(classifier, "predict", predict)
    RoutingRule.objects.all().delete()
    ticket = registered(content="科源社区门口的路灯不亮了，晚上很黑，请尽快修理")
    assert dispatch_services.ticket_auto_dispatch(ticket_id=ticket.pk) == "dispatched"
    ticket.refresh_from_db()
    assert ticket.lead_assignment.unit == city.zhongguancun_office


def test_the_dispatch_page_refuses_a_community_lead_with_the_message(client, city, dispatcher):
    ticket = registered()
    client.force_login(dispatcher)
    response = client.post(
        f"/dispatch/tickets/{ticket.pk}/dispatch/",
        {
            "category": city.street_light.pk,
            "region": city.keyuan.pk,
            "urgency": "normal",
            "lead_unit": city.keyuan_community.pk,
        },
    )
    assert response.status_code == 400
    assert "该分类请派给街道（乡镇），由街道转派社区" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.REGISTERED and not ticket.assignments.exists()


def test_who_sees_the_handed_off_ticket_page(
    client,
    city,
    dispatcher,
    street_staff,
    community_staff,
    district_staff,
    other_district_staff,
    other_community_staff,
):
    ticket = street_ticket(city, dispatcher, street_staff)
    client.force_login(community_staff)
    assert client.get(f"/tickets/{ticket.pk}/").status_code == 404
    services.ticket_hand_off(
        ticket_id=ticket.pk, actor=street_staff, unit=city.keyuan_community.pk, note=NOTE
    )
    assert 'id="action-accept"' in page(client, ticket)
    client.force_login(district_staff)
    html = page(client, ticket)
    assert 'id="hand-off"' in html  # the district sees its street's hand-off
    assert 'id="action-hand_off' not in html and 'id="action-accept"' not in html
    response = client.post(f"/tickets/{ticket.pk}/hand_off_withdraw/", {"reason": "区里收回"})
    assert response.status_code == 403
    for outsider in (other_district_staff, other_community_staff):
        client.force_login(outsider)
        assert client.get(f"/tickets/{ticket.pk}/").status_code == 404
        response = client.post(f"/tickets/{ticket.pk}/hand_off_report/", {"report": REPORT})
        assert response.status_code == 404
    assert HandOff.objects.get(ticket=ticket).status == HandOffStatus.HANDED_OFF


def test_each_step_lands_in_the_inbox_of_the_unit_that_must_act(
    city, dispatcher, street_staff, community_staff
):
    from workorders.inbox_selectors import inbox_items_for, inbox_unread_count

    ticket = street_ticket(city, dispatcher, street_staff, contact=True)
    before = inbox_unread_count(user=community_staff)
    ok(post(street_staff, ticket.pk, "hand-off", {"unit": city.keyuan_community.pk, "note": NOTE}))
    community_items = inbox_items_for(user=community_staff)
    assert inbox_unread_count(user=community_staff) == before + 1
    assert community_items.first().kind == EventKind.HANDED_OFF
    assert community_items.first().ticket_id == ticket.pk

    ok(post(community_staff, ticket.pk, "accept"))
    ok(post(community_staff, ticket.pk, "hand-off/report", {"report": REPORT}))
    street_item = inbox_items_for(user=street_staff).first()
    assert street_item.kind == EventKind.HAND_OFF_REPORTED and street_item.ticket_id == ticket.pk

    ok(post(street_staff, ticket.pk, "hand-off/send-back", {"reason": "未写明市民意见"}))
    assert inbox_items_for(user=community_staff).first().kind == EventKind.HAND_OFF_SENT_BACK
    # The street's own notices are not the community's, and the other way round.
    assert not inbox_items_for(user=street_staff).filter(kind=EventKind.HANDED_OFF).exists()
    assert (
        not inbox_items_for(user=community_staff).filter(kind=EventKind.HAND_OFF_REPORTED).exists()
    )
