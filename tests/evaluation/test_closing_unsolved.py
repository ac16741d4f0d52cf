"""Archiving a ticket the citizen called unsolved takes a reason, wherever it is done (the call
form, the console's decision, the ticket page and the API), and the reason is on the timeline;
a failed form on the console comes back on the same ticket, its answers kept."""

import re

import pytest
import time_machine

from evaluation.services import follow_up_record_call
from hotline.lib.errors import InvalidInput
from tests.api import post
from tests.evaluation import at, resolved_in_follow_up
from workorders.models import EventKind, Status

UNSOLVED = {"contacted": True, "solved": False, "satisfaction": "dissatisfied"}
LATER = at(2026, 3, 3, 10)  # the SMS went unanswered for a day: the call is due


@pytest.fixture
def follow_up(city, dispatcher, unit_staff):
    return resolved_in_follow_up(city, dispatcher, unit_staff)


@pytest.fixture
def undecided(follow_up, follow_up_agent):
    """The citizen told the agent it is not solved; the agent decides later."""
    with time_machine.travel(LATER, tick=False):
        follow_up_record_call(
            follow_up_id=follow_up.pk, actor=follow_up_agent, outcome="reached", **UNSOLVED
        )
    return follow_up


def closed_event(follow_up):
    return follow_up.ticket.events.get(kind=EventKind.CLOSED)


def test_the_call_form_asks_why_an_unsolved_ticket_is_archived(follow_up, follow_up_agent):
    with time_machine.travel(LATER, tick=False):
        with pytest.raises(InvalidInput) as refused:
            follow_up_record_call(
                follow_up_id=follow_up.pk,
                actor=follow_up_agent,
                outcome="reached",
                decision="close",
                **UNSOLVED,
            )
        assert "reason" in refused.value.fields
        follow_up_record_call(
            follow_up_id=follow_up.pk,
            actor=follow_up_agent,
            outcome="reached",
            decision="close",
            reason="诉求超出政策范围，已向市民解释",
            **UNSOLVED,
        )

    follow_up.ticket.refresh_from_db()
    assert follow_up.ticket.status == Status.CLOSED
    assert "诉求超出政策范围，已向市民解释" in closed_event(follow_up).reason


def test_the_console_decision_needs_a_reason_to_archive(client, undecided, follow_up_agent):
    client.force_login(follow_up_agent)
    url = f"/evaluation/follow-ups/{undecided.pk}/decision/"
    prefix = f"d{undecided.pk}"

    with time_machine.travel(LATER, tick=False):
        refused = client.post(url, {f"{prefix}-decision": "close", f"{prefix}-reason": ""})
        done = client.post(
            url, {f"{prefix}-decision": "close", f"{prefix}-reason": "市民诉求不合理"}
        )

    assert refused.status_code == 400 and "归档须填写原因" in refused.content.decode()
    assert done.status_code == 302
    assert "市民诉求不合理" in closed_event(undecided).reason


def test_the_ticket_page_and_the_api_need_a_reason_to_archive(client, undecided, follow_up_agent):
    ticket = undecided.ticket
    client.force_login(follow_up_agent)

    page = client.post(f"/tickets/{ticket.pk}/close/", {"note": ""})
    api = post(follow_up_agent, ticket.pk, "close", {})
    done = post(follow_up_agent, ticket.pk, "close", {"note": "已向市民说明政策"})

    assert page.status_code == 400 and "归档须填写原因" in page.content.decode()
    assert api.status_code == 400 and "note" in api.json()["fields"]
    assert done.status_code == 200 and done.json()["status"] == Status.CLOSED
    assert closed_event(undecided).reason == "已向市民说明政策"


def test_a_solved_ticket_is_still_archived_without_a_reason(follow_up, follow_up_agent):
    with time_machine.travel(LATER, tick=False):
        follow_up_record_call(
            follow_up_id=follow_up.pk,
            actor=follow_up_agent,
            outcome="reached",
            contacted=True,
            solved=True,
            satisfaction="satisfied",
        )

    follow_up.ticket.refresh_from_db()
    assert follow_up.ticket.status == Status.CLOSED


# --- a failed form on the console ------------------------------------------------------------


def test_a_failed_decision_comes_back_on_its_tab_with_the_answers(
    client, undecided, follow_up_agent
):
    client.force_login(follow_up_agent)
    prefix = f"d{undecided.pk}"

    with time_machine.travel(LATER, tick=False):
        response = client.post(
            f"/evaluation/follow-ups/{undecided.pk}/decision/",
            {f"{prefix}-decision": "close", f"{prefix}-reason": "x", "next": "/evaluation/"},
        )

    assert response.status_code == 400
    assert response.context["tab"] == "undecided"
    row = next(f for f in response.context["page"] if f.pk == undecided.pk)
    assert row.decision_form.errors and row.decision_form["reason"].value() == "x"
    html = response.content.decode()
    assert re.search(rf'name="{prefix}-decision" value="close"[^>]*checked', html)
    assert 'value="/evaluation/?tab=undecided&amp;page=1"' in html


def test_a_failed_call_comes_back_on_its_tab_with_the_answers_open(
    client, follow_up, follow_up_agent
):
    # Within a day of the SMS the follow-up is on the "waiting" tab, and may be called already.
    client.force_login(follow_up_agent)
    prefix = f"f{follow_up.pk}"

    with time_machine.travel(at(2026, 3, 2, 11), tick=False):
        response = client.post(
            f"/evaluation/follow-ups/{follow_up.pk}/call/",
            {
                f"{prefix}-outcome": "reached",
                f"{prefix}-solved": "no",
                f"{prefix}-comment": "路灯还是不亮",
            },
        )

    assert response.status_code == 400
    assert response.context["tab"] == "waiting"
    row = next(f for f in response.context["page"] if f.pk == follow_up.pk)
    form = row.call_form
    assert form.errors
    assert (form["outcome"].value(), form["solved"].value(), form["comment"].value()) == (
        "reached",
        "no",
        "路灯还是不亮",
    )
    html = response.content.decode()
    assert '<details class="row-actions" open>' in html and "路灯还是不亮" in html
