"""The district's presses (区政府督促) on the street's monthly figures: counted per month, in
the live month, in the frozen snapshot, the API, the exports and the ranking page."""

from datetime import date

import time_machine

from evaluation.periods import period_for
from evaluation.scoring import compute_month
from evaluation.services import month_close
from tests.api import client_for
from tests.workorders.deadline_helpers import at, register
from workorders import services
from workorders.models import Status

NOTE = "群众反映多次，请街道今天内联系并处理"


def test_presses_count_on_the_streets_month_live_and_frozen(
    client, city, dispatcher, district_staff, street_staff, leader
):
    with time_machine.travel(at(2026, 3, 10, 10), tick=False):
        ticket = services.ticket_dispatch(
            ticket_id=register().pk, lead_unit=city.zhongguancun_office, actor=dispatcher
        )
        services.ticket_press(ticket_id=ticket.pk, actor=district_staff, note=NOTE)
        services.ticket_press(ticket_id=ticket.pk, actor=district_staff, note="再次督促")
    with time_machine.travel(at(2026, 4, 2, 10), tick=False):
        services.ticket_press(ticket_id=ticket.pk, actor=district_staff, note="四月督促")

    march = {
        f.unit_name: f
        for f in compute_month(period_for(date(2026, 3, 1)), as_of=at(2026, 4, 5)).units
    }
    assert march["中关村街道办事处"].presses == 2
    assert march["海淀区人民政府"].presses == 0
    assert march["市城市管理委员会"].presses == 0

    snapshot = month_close(month=date(2026, 3, 1), now=at(2026, 4, 5))
    frozen = snapshot.scores.get(unit=city.zhongguancun_office)
    assert frozen.presses == 2
    assert ticket.status == Status.DISPATCHED

    with time_machine.travel(at(2026, 4, 5), tick=False):
        data = client_for(leader).get("/api/rankings/2026-03/").json()
        behind = client_for(street_staff).get(
            f"/api/rankings/2026-03/units/{city.zhongguancun_office.pk}/presses/"
        )
        client.force_login(leader)
        page = client.get("/evaluation/rankings/2026-03/").content.decode()
        csv = client.get("/evaluation/rankings/2026-03/export.csv").content.decode("utf-8-sig")
    streets = next(t for t in data["tables"] if t["kind"] == "street")
    assert {r["unit_name"]: r["presses"] for r in streets["rows"]} == {
        "中关村街道办事处": 2,
        "望京街道办事处": 0,
    }
    assert behind.status_code == 400  # a ticket figure: the page drills into it, not the API
    assert "区政府督促" in page
    assert "区政府督促 District presses" in csv.splitlines()[0]


def test_the_street_drills_into_its_presses(client, city, dispatcher, district_staff, street_staff):
    with time_machine.travel(at(2026, 3, 10, 10), tick=False):
        ticket = services.ticket_dispatch(
            ticket_id=register().pk, lead_unit=city.zhongguancun_office, actor=dispatcher
        )
        services.ticket_press(ticket_id=ticket.pk, actor=district_staff, note=NOTE)
    client.force_login(street_staff)
    with time_machine.travel(at(2026, 3, 20), tick=False):
        page = client.get(
            f"/evaluation/rankings/2026-03/units/{city.zhongguancun_office.pk}/presses/"
        )
    assert page.status_code == 200
    assert ticket.number in page.content.decode()


def test_the_districts_workbench_shows_its_streets_rates(client, city, dispatcher, district_staff):
    with time_machine.travel(at(2026, 3, 10, 10), tick=False):
        ticket = services.ticket_dispatch(
            ticket_id=register().pk, lead_unit=city.zhongguancun_office, actor=dispatcher
        )
        services.ticket_press(ticket_id=ticket.pk, actor=district_staff, note=NOTE)
        client.force_login(district_staff)
        page = client.get("/unit/").content.decode()
    assert "本区街道/乡镇考核（本考核月）" in page
    section = page[page.index('id="district-rates"') :]
    assert "中关村街道办事处" in section and "望京街道办事处" not in section


def test_other_units_have_no_district_rates(client, city, street_staff):
    client.force_login(street_staff)
    assert "district-rates" not in client.get("/unit/").content.decode()
