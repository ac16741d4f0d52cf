"""The demo city's tickets: a simulated history of ~60 days, played through the services.

Tickets get there only through the services that pages, the API and the worker use
(``workorders.services`` and ``dispatch.services``); nothing assigns a status. The services read the
time from ``django.utils.timezone.now``, which points at a simulated clock while each ticket's
history is played, so ticket numbers, due times, return windows and the timeline agree with a
history spread over the last ~60 days.
"""

import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from unittest import mock

from django.utils import timezone
from django.utils.translation import gettext

from demo import data
from demo.city import City
from demo.hotspots import Script, hotspot_scripts
from dispatch.routing import route_for
from dispatch.services import ticket_auto_dispatch
from workorders.models import (
    FINAL_STATUSES,
    Assignment,
    Category,
    Channel,
    Region,
    RequestType,
    Status,
    Ticket,
    Unit,
    Urgency,
)
from workorders.services import (
    ticket_accept,
    ticket_acknowledge_supervision,
    ticket_add_progress,
    ticket_answer_directly,
    ticket_close,
    ticket_contact,
    ticket_decide_extension,
    ticket_decide_return,
    ticket_dispatch,
    ticket_mark_invalid,
    ticket_merge,
    ticket_press,
    ticket_record_field_visit,
    ticket_register,
    ticket_reopen,
    ticket_request_extension,
    ticket_request_return,
    ticket_resolve,
)

S = Status
PRESS_NOTES = (
    "群众反映强烈，请街道今天内联系诉求人并反馈进展",
    "该问题已多次反映，请主要负责同志亲自过问",
    "请抓紧办理，避免超期",
)
PRESS_ANSWERS = (
    "已安排专人今天上门处理",
    "已联系诉求人，正在协调相关部门",
    "收到，明天上午前反馈办理结果",
)
HISTORY_DAYS = 60
# How far each ticket gets, by its age: new tickets are still open, old ones mostly closed.
# (status, weight) for tickets younger than 1 day / 1–7 days / older. Only the newest wait in
# triage: the dispatch step has a deadline of hours (Ticket.dispatch_due_at), which a center
# keeps; the triage queue shows them with their lights.
OUTCOME_WEIGHTS = (
    (1, {S.TRIAGE: 14, S.DISPATCHED: 30, S.RETURN_REQUESTED: 4, S.ACCEPTED: 20,
         S.IN_PROGRESS: 18, S.FOLLOW_UP: 4, S.MERGED: 4, S.INVALID: 4}),
    (7, {S.DISPATCHED: 8, S.RETURN_REQUESTED: 3, S.ACCEPTED: 7, S.IN_PROGRESS: 25,
         S.FOLLOW_UP: 27, S.CLOSED: 18, S.MERGED: 4, S.INVALID: 4}),
    (None, {S.DISPATCHED: 3, S.ACCEPTED: 2, S.IN_PROGRESS: 7,
            S.FOLLOW_UP: 9, S.CLOSED: 70, S.MERGED: 4, S.INVALID: 4}),
)  # fmt: skip
# Where tickets can rest: "resolved" is passed through at once (resolving enters follow-up).
RESTING_STATUSES = [status for status in S.values if status != S.RESOLVED]
# Busy hours of a hotline (local time): weight per hour 0–23.
HOUR_WEIGHTS = (1, 0, 0, 0, 0, 1, 2, 5, 9, 10, 10, 9, 7, 8, 9, 9, 8, 7, 6, 6, 5, 4, 3, 2)


class SimulatedClock:
    """Stands in for ``timezone.now`` while a ticket's history is played."""

    def __init__(self, limit: datetime):
        self.current = limit
        self.limit = limit  # never reaches the real present

    def now(self) -> datetime:
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment

    def advance(self, gap: timedelta, *, office_hours: bool = True) -> None:
        # At most a third of what is left before the present: late steps crowd together instead
        # of running into the future.
        self.current += min(gap, (self.limit - self.current) / 3)
        local = timezone.localtime(self.current)
        if office_hours and not 8 <= local.hour < 22:
            # People act in the daytime: what would happen at night waits for the morning.
            morning = local.replace(hour=8) + timedelta(days=1 if local.hour >= 22 else 0)
            if morning < self.limit:
                self.current = morning


@dataclass
class Plan:
    registered_at: datetime
    outcome: str
    # Happens in data.SHOWCASE_STREET, in a matter its office handles (see _plans).
    showcase: bool = False
    # Said and placed as given (demo.hotspots: the incident, the surge, the dangerous rise).
    script: Script | None = None


def tickets_play(*, city: City, rng: random.Random, count: int, now: datetime) -> None:
    """Register ``count`` tickets over the last days and take each as far as its plan says."""
    History(city=city, rng=rng, now=now).play_all(count)


class History:
    """Plays the tickets' histories on one simulated clock, with one random generator."""

    def __init__(self, *, city: City, rng: random.Random, now: datetime):
        self.city = city
        self.rng = rng
        self.now = now
        self.clock = SimulatedClock(limit=now - timedelta(minutes=1))
        self.masters: list[Ticket] = []
        self.pace = 1.0

    def play_all(self, count: int) -> None:
        with mock.patch("django.utils.timezone.now", self.clock.now):
            plans = self._plans(count, self.now)
            # On top of the background: what the hotspot page and the cockpit have to show.
            plans += [
                Plan(moment, outcome, script=script)
                for moment, outcome, script in hotspot_scripts(self.now, self.rng)
            ]
            plans.sort(key=lambda plan: plan.registered_at)
            for plan in plans:
                self._play(plan)

    # --- which tickets ---------------------------------------------------------------------------

    def _plans(self, count: int, now: datetime) -> list[Plan]:
        rng = self.rng
        # The newest few arrived in the last minutes: still registered, waiting for the worker.
        fresh = max(2, count // 100)
        plans = [
            Plan(now - timedelta(minutes=rng.uniform(2, 30)), S.REGISTERED) for _ in range(fresh)
        ]
        today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        while len(plans) < count:
            # Skewed towards recent days, so the queues of today have work in them.
            day = today - timedelta(days=int(HISTORY_DAYS * rng.random() ** 1.5))
            hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
            moment = day + timedelta(hours=hour, seconds=rng.randrange(3600))
            if moment > now - timedelta(hours=1):
                continue
            age_days = (now - moment).total_seconds() / 86400
            weights = next(w for limit, w in OUTCOME_WEIGHTS if limit is None or age_days < limit)
            outcome = rng.choices(list(weights), weights=list(weights.values()))[0]
            plans.append(Plan(moment, outcome))
        # Every status has at least one example, even in a small data.
        old = [plan for plan in plans if plan.registered_at < now - timedelta(days=7)]
        # A ticket waits in triage for hours, not weeks (its dispatch deadline): a recent one.
        today_plans = [
            plan
            for plan in plans
            if plan.registered_at > now - timedelta(days=1) and plan.outcome != S.REGISTERED
        ]
        for status in RESTING_STATUSES:
            if not any(plan.outcome == status for plan in plans):
                everywhere = Counter(plan.outcome for plan in plans)
                recent = [plan for plan in today_plans if everywhere[plan.outcome] > 1]
                if status == S.TRIAGE and recent:
                    rng.choice(recent).outcome = status
                    continue
                counts = Counter(plan.outcome for plan in old)
                rng.choice([plan for plan in old if counts[plan.outcome] > 1]).outcome = status
        plans.sort(key=lambda plan: plan.registered_at)
        # A duplicate needs an earlier ticket to be merged into.
        for early in plans[:5]:
            if early.outcome == S.MERGED:
                later = [p for p in plans[5:] if p.outcome not in (S.MERGED, S.REGISTERED)]
                swap = rng.choice(later)
                early.outcome, swap.outcome = swap.outcome, early.outcome
        # The street office (and district) whose logins run_platform prints get open work.
        recent_open = [
            plan
            for plan in plans
            if plan.outcome in (S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS)
            and plan.registered_at > now - timedelta(days=7)
        ]
        for plan in rng.sample(recent_open, min(len(recent_open), max(3, count // 30))):
            plan.showcase = True
        return plans

    # --- one ticket's history --------------------------------------------------------------------

    def _step(self, low: timedelta, high: timedelta, *, office_hours: bool = True) -> None:
        seconds = self.rng.uniform(low.total_seconds(), high.total_seconds()) * self.pace
        self.clock.advance(timedelta(seconds=seconds), office_hours=office_hours and self.pace == 1)

    def _citizen(self, channel: str) -> dict:
        rng = self.rng
        if channel == Channel.WEB and rng.random() < 0.35:
            user = self.city.users["citizen"]
            return {
                "citizen_user": user,
                "citizen_name": user.first_name,
                "citizen_phone": "13912345678",
                "actor": user,
            }
        if rng.random() < 0.05:
            return {}  # anonymous
        surname = rng.choice(data.SURNAMES)
        name = rng.choice(
            [surname + rng.choice(data.GIVEN_NAMES.split()), f"{surname}先生", f"{surname}女士"]
        )
        phone = "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
        return {"citizen_name": name, "citizen_phone": phone, "confidential": rng.random() < 0.05}

    def _address(self, *, showcase: bool = False) -> tuple[str, str]:
        """A full address in the city and the short place name the texts mention."""
        rng = self.rng
        district = rng.choice(data.DISTRICTS)
        street = rng.choice(district.streets)
        if showcase:
            district, street = next(
                (d, s) for d in data.DISTRICTS for s in d.streets if s.name == data.SHOWCASE_STREET
            )
        community = rng.choice(street.communities)
        if rng.random() < 0.6:
            place = rng.choice(data.COMPOUNDS)
            building = f"{rng.randint(1, 24)}号楼{rng.randint(1, 4)}单元"
            return f"{district.name}{street.name}{community}{place}{building}", place
        place = rng.choice(data.ROADS)
        if rng.random() < 0.5:
            return f"{district.name}{street.name}{place}{rng.randint(1, 300)}号", place
        other = rng.choice([road for road in data.ROADS if road != place])
        return f"{street.alias}{place}与{other}交叉口", place

    def _fill(self, text: str, address: str, place: str) -> str:
        rng = self.rng
        return text.format(
            addr=address,
            place=place,
            days=rng.randint(2, 9),
            company=rng.choice(data.COMPANIES),
            months=rng.randint(2, 6),
            n=rng.randint(5, 30),
            money=rng.randrange(20000, 300000, 500),
            route=rng.choice(data.BUS_ROUTES),
            hospital=rng.choice(data.HOSPITALS),
        )

    def _register(
        self, title: str, content: str, address: str, *, channel: str = "", **extra
    ) -> Ticket:
        rng = self.rng
        drawn = rng.choices(
            [Channel.PHONE, Channel.WEB, Channel.APP, Channel.API], weights=[60, 25, 10, 5]
        )[0]
        channel = channel or drawn
        fields = self._citizen(channel)
        if channel in (Channel.PHONE, Channel.API):  # recorded by the hotline's staff
            fields["actor"] = self.city.users[rng.choice(["operator", "operator", "operator2"])]
            fields.setdefault(
                "request_type",
                rng.choices(
                    [
                        RequestType.COMPLAINT,
                        RequestType.HELP,
                        RequestType.REPORT,
                        RequestType.SUGGESTION,
                    ],
                    weights=[50, 35, 10, 5],
                )[0],
            )
        fields.update(extra)
        return ticket_register(
            channel=channel, title=title, content=content, address=address, **fields
        )

    def _play(self, plan: Plan) -> None:
        rng, users = self.rng, self.city.users
        self.clock.set(plan.registered_at)
        self.pace = 1.0
        operator = users["operator"]
        if plan.script is not None:
            self._play_script(plan)
            return
        address, place = self._address(showcase=plan.showcase)

        # A duplicate is merged into a master still open (a closed one would never answer it).
        open_masters = plan.outcome == S.MERGED and list(
            Ticket.objects.filter(pk__in=[m.pk for m in self.masters[-40:]])
            .exclude(status__in=FINAL_STATUSES)
            .order_by("pk")
        )
        if open_masters:
            master = rng.choice(open_masters)
            ticket = self._register(
                master.title, f"{master.content}{data.DUPLICATE_SUFFIX}", master.address
            )
            self._step(timedelta(minutes=2), timedelta(minutes=30))
            ticket_merge(
                ticket_id=ticket.pk,
                master_number=master.number,
                actor=operator,
                reason=gettext("与在办工单反映同一问题"),
            )
            return
        if plan.outcome in (S.MERGED, S.INVALID):
            title, content, code, note = rng.choice(data.INVALID_REQUESTS)
            ticket = self._register(title, self._fill(content, address, place), address)
            self._step(timedelta(minutes=1), timedelta(minutes=10))
            ticket_mark_invalid(ticket_id=ticket.pk, actor=operator, reason_code=code, note=note)
            return
        if plan.outcome in (S.FOLLOW_UP, S.CLOSED) and rng.random() < 0.2:
            title, content, reply = rng.choice(data.INQUIRIES)
            # Answered on the phone by the operator who took the call.
            ticket = self._register(
                title, content, "", channel=Channel.PHONE, request_type=RequestType.INQUIRY
            )
            self._step(timedelta(minutes=2), timedelta(minutes=8))
            ticket_answer_directly(ticket_id=ticket.pk, actor=operator, reply=reply)
            self._follow_up(ticket, plan.outcome, reopen=False)
            return

        vague = plan.outcome == S.TRIAGE or (not plan.showcase and rng.random() < 0.06)
        if vague:
            title, content, leaf_name = rng.choice(data.VAGUE_TEMPLATES)
        else:
            leaves = [rule[0] for rule in data.STREET_RULES] if plan.showcase else data.TEMPLATES
            leaf_name = rng.choice(list(leaves))
            title, content = rng.choice(data.TEMPLATES[leaf_name])
        ticket = self._register(
            self._fill(title, address, place), self._fill(content, address, place), address
        )
        self._handle(ticket, plan, leaf_name=leaf_name, vague=vague)

    def _play_script(self, plan: Plan) -> None:
        """A request of demo.hotspots: its words and place as scripted; callers phone or use
        the app (each their own number: the hotspots count distinct callers)."""
        script = plan.script
        channel = self.rng.choice([Channel.PHONE, Channel.PHONE, Channel.PHONE, Channel.APP])
        ticket = self._register(script.title, script.content, script.address, channel=channel)
        self._handle(ticket, plan, leaf_name=script.leaf, vague=False)

    def _handle(self, ticket: Ticket, plan: Plan, *, leaf_name: str, vague: bool) -> None:
        """From registration to the plan's outcome: dispatch, acceptance, handling, follow-up."""
        rng, users = self.rng, self.city.users
        if plan.outcome == S.REGISTERED:
            return
        self._step(timedelta(seconds=20), timedelta(minutes=3), office_hours=False)  # the worker
        ticket_auto_dispatch(ticket_id=ticket.pk)
        ticket.refresh_from_db()
        if ticket.urgency == Urgency.EMERGENCY:
            self.pace = 0.05  # emergencies are handled within hours, day and night
        if not vague:
            self.masters.append(ticket)
        if ticket.status == S.TRIAGE:
            if plan.outcome == S.TRIAGE:
                return
            self._dispatch_from_triage(ticket, self.city.leaves[leaf_name])
        if plan.outcome == S.DISPATCHED:
            return

        lead = self._lead_staff(ticket)
        dispatcher = users["dispatcher"]
        if plan.outcome == S.RETURN_REQUESTED or rng.random() < 0.06:
            self._step(timedelta(minutes=20), timedelta(hours=20))
            ticket_request_return(
                ticket_id=ticket.pk, actor=lead, reason=rng.choice(data.RETURN_REASONS)
            )
            if plan.outcome == S.RETURN_REQUESTED:
                return
            self._step(timedelta(minutes=10), timedelta(hours=4))
            ticket_decide_return(
                ticket_id=ticket.pk,
                actor=dispatcher,
                approve=False,
                note=rng.choice(data.RETURN_REJECTIONS),
            )

        self._step(timedelta(minutes=10), timedelta(hours=3))
        self._accept(ticket)
        self._district_press(ticket)
        if plan.outcome == S.ACCEPTED:
            return
        self._step(timedelta(minutes=30), timedelta(hours=18))
        self._contact(ticket)
        ticket.refresh_from_db()
        if (ticket.category and ticket.category.field_visit_required) or rng.random() < 0.2:
            self._step(timedelta(hours=1), timedelta(days=1))
            self._visit(ticket)
        for _ in range(rng.choice([0, 0, 1, 1, 2])):
            self._step(timedelta(hours=2), timedelta(days=2))
            ticket_add_progress(
                ticket_id=ticket.pk,
                actor=lead,
                public=rng.random() < 0.5,
                note=rng.choice(data.PROGRESS_NOTES),
            )
        if rng.random() < 0.12:
            self._step(timedelta(hours=2), timedelta(days=1))
            ticket.refresh_from_db()
            ticket_request_extension(
                ticket_id=ticket.pk,
                actor=lead,
                reason=rng.choice(data.EXTENSION_REASONS),
                requested_due_at=ticket.resolve_due_at + timedelta(days=rng.randint(3, 10)),
            )
            if plan.outcome != S.IN_PROGRESS or rng.random() < 0.5:
                self._step(timedelta(minutes=30), timedelta(hours=6))
                approve = rng.random() < 0.8
                ticket_decide_extension(
                    ticket_id=ticket.pk,
                    actor=dispatcher,
                    approve=approve,
                    note="" if approve else rng.choice(data.EXTENSION_REJECTIONS),
                )
        if plan.outcome == S.IN_PROGRESS:
            return
        self._step(timedelta(hours=3), timedelta(days=4))
        ticket_resolve(
            ticket_id=ticket.pk, actor=lead, reply=data.REPLIES.get(leaf_name, data.GENERIC_REPLY)
        )
        self._follow_up(ticket, plan.outcome, reopen=rng.random() < 0.1, leaf_name=leaf_name)

    def _visit(self, ticket: Ticket) -> None:
        """A field visit by the lead unit, made shortly before it is recorded (never before the
        ticket: near the present the clock's steps are short)."""
        now = timezone.now()
        before = min(timedelta(minutes=self.rng.randint(10, 90)), (now - ticket.registered_at) / 2)
        ticket_record_field_visit(
            ticket_id=ticket.pk,
            actor=self._lead_staff(ticket),
            visited_at=now - before,
            visitors=self.rng.choice(data.VISITORS),
            findings=self.rng.choice(data.VISIT_FINDINGS),
        )

    def _dispatch_from_triage(self, ticket: Ticket, category: Category) -> None:
        """The dispatcher decides; for some tickets the first guess (the district) is wrong."""
        dispatcher = self.city.users["dispatcher"]
        # Triage keeps the classifier's region as a suggestion; the dispatcher takes it.
        region = Region.objects.filter(pk=ticket.suggestion.get("region_id")).first()
        district = (
            next((r for r in region.ancestors_and_self() if r.level == 1), None) if region else None
        )
        self._step(timedelta(minutes=10), timedelta(hours=4))
        if district and self.rng.random() < 0.4:
            gov = self.city.district_gov[district.pk]
            ticket_dispatch(
                ticket_id=ticket.pk,
                lead_unit=gov,
                category=category,
                region=region,
                actor=dispatcher,
                reason="属地区政府先行处置",
            )
            self._step(timedelta(minutes=30), timedelta(hours=12))
            ticket_request_return(
                ticket_id=ticket.pk, actor=self.city.staff[gov.pk], reason=data.WRONG_UNIT_RETURN
            )
            self._step(timedelta(minutes=10), timedelta(hours=3))
            ticket_decide_return(
                ticket_id=ticket.pk, actor=dispatcher, approve=True, note="同意退单，改派主管单位。"
            )
            self._step(timedelta(minutes=5), timedelta(hours=1))
        route = route_for(category=category, region=region)
        ticket_dispatch(
            ticket_id=ticket.pk,
            lead_unit=route.lead_unit,
            assist_units=route.assist_units,
            category=category,
            region=region,
            actor=dispatcher,
        )

    def _district_press(self, ticket: Ticket) -> None:
        """Now and then the district government presses its street (区政府督促), which mostly
        answers within hours; the rest stay on the street's workbench to answer."""
        lead = Assignment.objects.select_related("unit").get(
            ticket=ticket, active=True, role=Assignment.Role.LEAD
        )
        district_staff = self.city.staff.get(lead.unit.parent_id)
        if (
            lead.unit.kind != Unit.Kind.STREET
            or district_staff is None
            or self.rng.random() >= 0.12
        ):
            return
        self._step(timedelta(hours=1), timedelta(hours=20))
        ticket_press(ticket_id=ticket.pk, actor=district_staff, note=self.rng.choice(PRESS_NOTES))
        if self.rng.random() < 0.7:
            self._step(timedelta(minutes=20), timedelta(hours=4))
            ticket_acknowledge_supervision(
                ticket_id=ticket.pk,
                actor=self.city.staff[lead.unit_id],
                response=self.rng.choice(PRESS_ANSWERS),
            )

    def _lead_staff(self, ticket: Ticket):
        lead = Assignment.objects.get(ticket=ticket, active=True, role=Assignment.Role.LEAD)
        return self.city.staff[lead.unit_id]

    def _assist_staff(self, ticket: Ticket) -> list:
        assists = Assignment.objects.filter(ticket=ticket, active=True, role=Assignment.Role.ASSIST)
        return [self.city.staff[a.unit_id] for a in assists if a.unit_id in self.city.staff]

    def _accept(self, ticket: Ticket, *, assists: bool = True) -> None:
        ticket_accept(ticket_id=ticket.pk, actor=self._lead_staff(ticket))
        for staff in self._assist_staff(ticket) if assists else []:
            self._step(timedelta(minutes=5), timedelta(hours=2))
            ticket_accept(ticket_id=ticket.pk, actor=staff)

    def _contact(self, ticket: Ticket, *, assists: bool = True) -> None:
        note = self.rng.choice(data.CONTACT_NOTES)
        ticket_contact(ticket_id=ticket.pk, actor=self._lead_staff(ticket), note=note)
        for staff in self._assist_staff(ticket) if assists else []:
            if self.rng.random() < 0.5:
                self._step(timedelta(minutes=10), timedelta(hours=6))
                ticket_contact(ticket_id=ticket.pk, actor=staff, note=note)

    def _follow_up(self, ticket: Ticket, outcome: str, *, reopen: bool, leaf_name: str = ""):
        # Resolving entered follow-up already; the survey tasks queued on commit send the SMS
        # of the tickets still in follow-up when a worker runs.
        agent = self.city.users["followup"]
        self._step(timedelta(hours=2), timedelta(days=2))
        if outcome == S.FOLLOW_UP:
            return
        if reopen:
            self._step(timedelta(minutes=5), timedelta(hours=1))
            ticket_reopen(
                ticket_id=ticket.pk, actor=agent, reason=self.rng.choice(data.REOPEN_REASONS)
            )
            self._step(timedelta(minutes=10), timedelta(hours=2))
            self._accept(ticket, assists=False)  # a reopening resets only the lead unit
            self._step(timedelta(minutes=20), timedelta(hours=6))
            self._contact(ticket, assists=False)
            self._step(timedelta(hours=6), timedelta(days=3))
            reply = data.REPLIES.get(leaf_name, data.GENERIC_REPLY)
            ticket_resolve(
                ticket_id=ticket.pk, actor=self._lead_staff(ticket), reply=f"重新办理：{reply}"
            )
        self._step(timedelta(minutes=10), timedelta(days=1))
        ticket_close(ticket_id=ticket.pk, actor=agent, note=self.rng.choice(data.CLOSE_NOTES))


def seed_classifier_train() -> str:
    """A fresh install works out of the box: the first classifier version learns the demo
    tickets' categories (what the keyword rules and the demo dispatcher decided).

    Returns the line the command prints."""
    from dispatch.learning import classifier_train, examples_from_database
    from dispatch.models import ClassifierSource
    from hotline.lib.errors import DomainError

    try:
        result = classifier_train(
            examples=examples_from_database(confirmed_only=False),
            source=ClassifierSource.SEED,
            source_name="seed_demo",
        )
    except DomainError as error:
        return gettext("未训练种子模型：%(message)s") % {"message": error.message}
    verdict = gettext("已启用") if result.promoted else gettext("未启用")
    return (
        f"种子分类模型 v{result.version.number} {verdict}："
        f"{result.data_size} 张工单，留出集 macro-F1 {result.metrics['macro_f1']:.3f}"
    )
