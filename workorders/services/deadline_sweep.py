"""The deadline sweep: it records each change of light once and notifies, and the bookkeeping
(TicketLightState) that the services moving due times keep for it.

Exactly once, and how: TicketLightState holds, per ticket, the highest light already recorded
per deadline and when the ticket next needs a look (check_at). A sweep batch locks its candidate
rows (PostgreSQL: FOR UPDATE SKIP LOCKED, so a concurrent sweep takes other rows; SQLite: the
IMMEDIATE transaction serialises writers), reads the derived lights, and in the same transaction
raises the recorded lights, moves check_at to the next threshold, inserts the events and a
LightChangeBatch listing the changes. A change is recorded only when the derived light is above
the recorded one, so a re-run, a second sweep or a retry finds nothing to do. The sweep then
composes the pending batches into notifications (one message per unit and light) in another
transaction that claims and deletes them: a notice cannot be lost (the batch commits with the
events) nor doubled (the batch is deleted with the messages' creation).

A sweep that was down catches up: every ticket whose threshold passed meanwhile is still
selected (check_at <= now), and it records the light each running deadline has now (red, not
"yellow then red"), dated when the light actually changed.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Case,
    DateTimeField,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Least, NullIf
from django.utils import timezone
from django.utils.translation import gettext

from workorders.deadline_policies import dispatch_due_times, first_warning
from workorders.inbox import SWEEP_KINDS, inbox_kind
from workorders.lights import DEADLINE_LABELS, DEADLINES, deadline_light
from workorders.models import (
    CLOCK_RUNNING,
    DISPATCH_RUNNING,
    Assignment,
    EventKind,
    InboxItem,
    Light,
    LightChangeBatch,
    Ticket,
    TicketEvent,
    TicketLightState,
    Unit,
)
from workorders.services.inbox import deliver_sweep_events
from workorders.services.notifications import (
    build_notifications,
    dispatcher_recipients,
    notifications_requeue_stale,
    store_notifications,
    unit_recipients,
)

logger = logging.getLogger(__name__)


# Tickets per sweep transaction. Big enough that 50,000 tickets turning red at once take a few
# round trips (target < 3 s on PostgreSQL), small enough that each transaction holds its row
# locks for a fraction of a second and that "pk IN (…)" stays within SQLite's 32,766 parameters.
SWEEP_BATCH = 5000
# A notification lists at most this many ticket numbers; the count says how many there were.
NUMBERS_IN_MESSAGE = 20
# Stands for "no threshold" inside LEAST(); SQL's LEAST/MIN disagree about NULLs across databases.
_NEVER = datetime(9999, 12, 31, tzinfo=UTC)


# --- the sweep's bookkeeping, kept by the services that move due times -----------------------


def _light_state_upsert(ticket_id: int, values: dict) -> None:
    # One INSERT … ON CONFLICT DO UPDATE: update_or_create would cost a SELECT and two
    # savepoints on every dispatch (bench/run.py counts the worker's statements).
    TicketLightState.objects.bulk_create(
        [TicketLightState(ticket_id=ticket_id, **values)],
        update_conflicts=True,
        unique_fields=["ticket"],
        update_fields=list(values),
    )


def light_state_restart(*, ticket_id: int, times: dict) -> None:
    """The clock (re)starts with new due times (dispatch, reopen): nothing recorded for them yet;
    the sweep first looks at the earliest yellow moment."""
    _light_state_upsert(
        ticket_id,
        {"accept_lit": 0, "contact_lit": 0, "resolve_lit": 0, "check_at": first_warning(times)},
    )


def light_state_dispatch(*, ticket_id: int, times: dict) -> None:
    """The dispatch clock starts (registered, back in triage): nothing recorded for it yet; the
    sweep first looks when it turns yellow. ``times``: deadline_policies.dispatch_due_times()."""
    _light_state_upsert(ticket_id, {"dispatch_lit": 0, "check_at": times["dispatch_warn_at"]})


def light_state_recheck(*, ticket_id: int, at: datetime, reset: list[str] = ()) -> None:
    """Ask the next sweep to look again (a clock runs again: return rejected, pause ended), and
    forget what was recorded for the deadlines in ``reset`` (their due time moved: extension)."""
    _light_state_upsert(ticket_id, {"check_at": at, **{f"{name}_lit": 0 for name in reset}})


# --- the sweep ----------------------------------------------------------------------------------

T = "ticket__"  # the sweep reads the ticket's fields through TicketLightState


@dataclass
class LightChange:
    ticket_id: int
    number: str
    deadline: str  # accept / contact / resolve
    light: int  # Light.YELLOW or Light.RED
    due_at: datetime
    since: datetime  # when the light actually changed
    unit_id: int | None

    def as_json(self) -> list:
        return [self.ticket_id, self.deadline, self.light, self.unit_id]


@dataclass
class SweepResult:
    checked: int = 0
    yellow: int = 0
    red: int = 0
    notifications: int = 0
    batches: int = 0
    requeued_notifications: int = 0
    # Waiting tickets the sweep started to watch (dispatch_clock_backfill).
    backfilled: int = 0
    # Filled by dry runs only (what would be recorded), at most PREVIEW_LIMIT.
    preview: list[LightChange] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "checked": self.checked,
            "yellow": self.yellow,
            "red": self.red,
            "notifications": self.notifications,
            "batches": self.batches,
            "requeued_notifications": self.requeued_notifications,
            "backfilled": self.backfilled,
        }


PREVIEW_LIMIT = 200


def _threshold(moment: str, lit: str, below: int, now: datetime, statuses: list[str]) -> Case:
    """``moment`` when it is still ahead, its light not yet recorded and its clock running in
    the ticket's status, else "never" (a ticket dispatched within minutes keeps a dispatch due
    time ahead of it that must not cost a look)."""
    return Case(
        When(
            Q(**{f"{lit}__lt": below, f"{T}{moment}__gt": now, f"{T}status__in": statuses}),
            then=F(f"{T}{moment}"),
        ),
        default=Value(_NEVER),
        output_field=DateTimeField(),
    )


def _next_check(now: datetime):
    """The next yellow or red moment not yet recorded, or NULL when nothing can change until a
    person acts (paused, or no clock runs in this status). Read with the recorded lights before
    this batch raises them: a threshold still ahead cannot be recorded now, so that is exact."""
    moments = []
    for name, (statuses, due, warn) in DEADLINES.items():
        moments.append(_threshold(warn, f"{name}_lit", Light.YELLOW, now, statuses))
        moments.append(_threshold(due, f"{name}_lit", Light.RED, now, statuses))
    return Case(
        When(
            Q(**{f"{T}paused_at__isnull": False}) | ~Q(**{f"{T}status__in": CLOCK_RUNNING}),
            then=Value(None),
        ),
        default=NullIf(Least(*moments), Value(_NEVER)),
        output_field=DateTimeField(),
    )


def _candidates(now: datetime, limit: int, *, lock: bool, after=None):
    """Tickets due for a look: recorded lights, derived lights and the next check time.

    Ordered by check_at alone, so the index hands over the first ``limit`` rows directly (a
    tie-breaker would make PostgreSQL sort every ticket sharing a check time)."""
    lead_unit = Assignment.objects.filter(
        ticket=OuterRef("ticket_id"), active=True, role=Assignment.Role.LEAD
    ).values("unit_id")[:1]
    queryset = TicketLightState.objects.filter(check_at__lte=now)
    order = ["check_at"]
    if after is not None:  # dry runs page through without writing
        queryset = queryset.filter(Q(check_at__gt=after[0]) | Q(check_at=after[0], pk__gt=after[1]))
        order.append("pk")
    if lock:
        queryset = queryset.select_for_update(skip_locked=True, of=("self",))
    annotations = {"number": F(f"{T}number"), "title": F(f"{T}title")}
    fields = ["pk", "number", "title", "check_at"]
    for name, (_, due, warn) in DEADLINES.items():
        annotations[f"{name}_light"] = deadline_light(name, now=now, prefix=T)
        annotations[due], annotations[warn] = F(f"{T}{due}"), F(f"{T}{warn}")
        fields += [f"{name}_lit", f"{name}_light", due, warn]
    return (
        queryset.annotate(
            **annotations, lead_unit_id=Subquery(lead_unit), next_check=_next_check(now)
        )
        .order_by(*order)
        .values(*fields, "lead_unit_id", "next_check")[:limit]
    )


def _changes(rows: list[dict]) -> list[LightChange]:
    changes = []
    for row in rows:
        for name, (_, due, warn) in DEADLINES.items():
            light, recorded = row[f"{name}_light"], row[f"{name}_lit"]
            if light >= Light.YELLOW and light > recorded:
                changes.append(
                    LightChange(
                        ticket_id=row["pk"],
                        number=row["number"],
                        deadline=name,
                        light=light,
                        due_at=row[due],
                        since=row[due] if light == Light.RED else row[warn],
                        unit_id=row["lead_unit_id"],
                    )
                )
    return changes


def _reason_templates() -> dict[int, str]:
    """The light events' reasons, written in the site's language (the sweep has no request)."""
    return {
        Light.RED: gettext("%(deadline)s时限 %(due)s 已超期"),
        Light.YELLOW: gettext("%(deadline)s时限 %(due)s 即将到期"),
    }


def _event(change: LightChange, now: datetime) -> TicketEvent:
    due = f"{timezone.localtime(change.due_at):%Y-%m-%d %H:%M}"
    kind = EventKind.LIGHT_RED if change.light == Light.RED else EventKind.LIGHT_YELLOW
    reason = _reason_templates()[Light(change.light)] % {
        "deadline": DEADLINE_LABELS[change.deadline],
        "due": due,
    }
    return TicketEvent(
        ticket_id=change.ticket_id,
        kind=kind,
        unit_id=change.unit_id,
        reason=reason,
        data={
            "deadline": change.deadline,
            "due_at": change.due_at.isoformat(),
            "recorded_at": now.isoformat(),
        },
        public=False,
        created_at=min(change.since, now),
    )


def _batch_orm(now: datetime, batch_size: int) -> tuple[int, list[LightChange]]:
    """One batch with the ORM: SQLite (the embedded default, whose IMMEDIATE transactions
    serialise writers), and the reference _batch_postgresql must agree with."""
    rows = list(_candidates(now, batch_size, lock=True))
    if not rows:
        return 0, []
    # The compare-and-set: recorded lights only ever rise to the derived light.
    TicketLightState.objects.bulk_update(
        [
            TicketLightState(
                ticket_id=row["pk"],
                check_at=row["next_check"],
                **{
                    f"{name}_lit": max(row[f"{name}_lit"], row[f"{name}_light"])
                    for name in DEADLINES
                },
            )
            for row in rows
        ],
        [*(f"{name}_lit" for name in DEADLINES), "check_at"],
        batch_size=500,
    )
    changes = _changes(rows)
    events = TicketEvent.objects.bulk_create([_event(c, now) for c in changes], batch_size=1000)
    deliver_sweep_events(events=events, now=now)
    if changes:
        LightChangeBatch.objects.create(created_at=now, changes=[c.as_json() for c in changes])
    return len(rows), changes


def _event_insert(now: datetime) -> tuple[str, list]:
    """The INSERT … SELECT of light events for _batch_postgresql, from the model's columns."""
    red = int(Light.RED)
    templates = _reason_templates()
    explicit = {
        "ticket": ("c.pk", []),
        "kind": ("CASE WHEN x.light = %s THEN 'light_red' ELSE 'light_yellow' END", [red]),
        "unit": ("c.lead_unit_id", []),
        # The same text as _event(): the translated template with its two placeholders filled.
        "reason": (
            "replace(replace(CASE WHEN x.light = %s THEN %s ELSE %s END, %s, x.label), %s,"
            " to_char(x.due AT TIME ZONE %s, 'YYYY-MM-DD HH24:MI'))",
            [
                red,
                templates[Light.RED],
                templates[Light.YELLOW],
                "%(deadline)s",
                "%(due)s",
                settings.TIME_ZONE,
            ],
        ),
        "data": (
            "jsonb_build_object('deadline', x.name, 'due_at', x.due, 'recorded_at', %s)",
            [now],
        ),
        "public": ("false", []),
        "created_at": ("LEAST(CASE WHEN x.light = %s THEN x.due ELSE x.warn END, %s)", [red, now]),
    }
    columns, values, params = [], [], []
    for model_field in TicketEvent._meta.concrete_fields:
        if model_field.primary_key:
            continue
        columns.append(connection.ops.quote_name(model_field.column))
        if model_field.name in explicit:
            sql, args = explicit[model_field.name]
            values.append(sql)
            params += args
        elif model_field.null:
            values.append("NULL")
        elif model_field.blank and model_field.get_internal_type() in ("CharField", "TextField"):
            values.append("''")
        else:
            raise RuntimeError(f"sweep: no value for TicketEvent.{model_field.name}")
    lateral = ", ".join(
        f"('{name}', '{DEADLINE_LABELS[name]}', c.{name}_light, c.{name}_lit, c.{due}, c.{warn})"
        for name, (_, due, warn) in DEADLINES.items()
    )
    # Identifiers come from model metadata and the labels are constants; values are parameters.
    sql = (
        f"INSERT INTO {TicketEvent._meta.db_table} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM cand c CROSS JOIN LATERAL (VALUES {lateral})"
        " AS x(name, label, light, lit, due, warn)"
        " WHERE x.light >= %s AND x.light > x.lit"
        " RETURNING id, ticket_id, kind, unit_id, reason, data"
    )
    return sql, [*params, int(Light.YELLOW)]


def _inbox_insert(now: datetime) -> tuple[str, list]:
    """The inbox items of the light events the batch inserts (``ev``), in the same statement:
    the kinds registered with workorders.inbox, to the event's unit with the event's reason
    (what deliver_sweep_events writes on the ORM path). Empty when no light kind is registered."""
    kinds = [str(kind) for kind in SWEEP_KINDS if inbox_kind(kind) is not None]
    if not kinds:
        return "", []
    explicit = {
        "kind": "ev.kind",
        "unit": "ev.unit_id",
        "ticket": "ev.ticket_id",
        "event": "ev.id",
        "text": "ev.reason",
        "urgent": "false",
        "created_at": "%s",
    }
    columns, values = [], []
    for model_field in InboxItem._meta.concrete_fields:
        if model_field.primary_key:
            continue
        columns.append(connection.ops.quote_name(model_field.column))
        if model_field.name in explicit:
            values.append(explicit[model_field.name])
        elif model_field.null:
            values.append("NULL")
        elif model_field.get_internal_type() in ("CharField", "TextField"):
            values.append("''")
        else:
            raise RuntimeError(f"sweep: no value for InboxItem.{model_field.name}")
    sql = (
        f", inbox AS (INSERT INTO {InboxItem._meta.db_table} ({', '.join(columns)})"  # noqa: S608
        f" SELECT {', '.join(values)} FROM ev"
        " WHERE ev.unit_id IS NOT NULL AND ev.kind = ANY(%s) RETURNING 1)"
    )
    return sql, [now, kinds]


def _batch_postgresql(now: datetime, batch_size: int) -> tuple[int, int, int]:
    """One batch in one statement: lock the candidates (SKIP LOCKED: a concurrent sweep takes
    other rows), raise their recorded lights, insert the events and the batch's change list.

    The light expressions are the ORM's (compiled from workorders.lights), so this path and
    _batch_orm cannot disagree about what a light is. Returns (checked, yellow, red)."""
    select_sql, select_params = _candidates(now, batch_size, lock=True).query.sql_with_params()
    event_sql, event_params = _event_insert(now)
    inbox_sql, inbox_params = _inbox_insert(now)
    raise_lit = ", ".join(
        f"{name}_lit = GREATEST(c.{name}_lit, c.{name}_light)" for name in DEADLINES
    )
    sql = (
        f"WITH cand AS MATERIALIZED ({select_sql}), "  # noqa: S608 - identifiers from metadata
        f"upd AS (UPDATE {TicketLightState._meta.db_table} s SET {raise_lit},"
        " check_at = c.next_check"
        " FROM cand c WHERE s.ticket_id = c.pk RETURNING s.ticket_id), "
        f"ev AS ({event_sql}), "
        f"pending AS (INSERT INTO {LightChangeBatch._meta.db_table} (created_at, changes)"
        " SELECT %s, jsonb_agg(jsonb_build_array(ev.ticket_id, ev.data->>'deadline',"
        " CASE WHEN ev.kind = 'light_red' THEN %s ELSE %s END, ev.unit_id))"
        " FROM ev HAVING count(*) > 0 RETURNING id)"
        f"{inbox_sql} "
        "SELECT (SELECT count(*) FROM upd),"
        " (SELECT count(*) FROM ev WHERE kind = 'light_yellow'),"
        " (SELECT count(*) FROM ev WHERE kind = 'light_red'),"
        " (SELECT count(*) FROM pending)"
    )
    params = [
        *select_params,
        *event_params,
        now,
        int(Light.RED),
        int(Light.YELLOW),
        *inbox_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        checked, yellow, red, _ = cursor.fetchone()
    return checked, yellow, red


def _sweep_batch(now: datetime, batch_size: int, result: SweepResult) -> int:
    with transaction.atomic():
        if connection.vendor == "postgresql":
            checked, yellow, red = _batch_postgresql(now, batch_size)
        else:
            checked, changes = _batch_orm(now, batch_size)
            yellow = sum(1 for c in changes if c.light == Light.YELLOW)
            red = len(changes) - yellow
    if checked:
        result.checked += checked
        result.yellow += yellow
        result.red += red
        result.batches += 1
    return checked


# How many pending batches one composing transaction takes (each holds up to SWEEP_BATCH changes).
COMPOSE_BATCHES = 50


def _compose_notifications(now: datetime) -> int:
    """Turn pending light changes into messages: yellow to the unit's staff, red to its heads,
    and one digest of the reds to the dispatchers. One message per unit and light per sweep,
    not one per ticket: 50,000 tickets turning red must not become 50,000 text messages.
    Claimed with SKIP LOCKED and deleted in the same transaction: composed exactly once."""
    with transaction.atomic():
        pending = list(
            LightChangeBatch.objects.select_for_update(skip_locked=True).order_by("pk")[
                :COMPOSE_BATCHES
            ]
        )
        if not pending:
            return 0
        changes = [tuple(item) for batch in pending for item in batch.changes]
        rows = _notification_rows(changes, now)
        store_notifications(rows)
        LightChangeBatch.objects.filter(pk__in=[batch.pk for batch in pending]).delete()
    return len(rows)


def _notification_rows(changes: list[tuple], now: datetime) -> list:
    """Messages for [(ticket_id, deadline, light, unit_id)]; texts read for listed tickets only."""
    by_unit: dict[tuple[int, int], dict[int, str]] = defaultdict(dict)
    # The dispatch deadline is the center's own: its lights go to the dispatchers.
    triage: dict[int, dict[int, str]] = defaultdict(dict)
    for ticket_id, deadline, light, unit_id in changes:
        if deadline == "dispatch":
            triage[light].setdefault(ticket_id, deadline)
        elif unit_id is not None:
            by_unit[(unit_id, light)].setdefault(ticket_id, deadline)
    if not by_unit and not triage:
        return []
    reds: dict[int, tuple[str, int]] = {}
    for (unit_id, light), tickets in by_unit.items():
        if light == Light.RED:
            reds.update({pk: (deadline, unit_id) for pk, deadline in tickets.items()})
    listed = {pk for tickets in by_unit.values() for pk in sorted(tickets)[:NUMBERS_IN_MESSAGE]}
    listed |= set(sorted(reds)[:NUMBERS_IN_MESSAGE])
    listed |= {pk for tickets in triage.values() for pk in sorted(tickets)[:NUMBERS_IN_MESSAGE]}
    details = {
        row["pk"]: row
        for row in Ticket.objects.filter(pk__in=listed).values(
            "pk", "number", "title", *(due for _, due, _ in DEADLINES.values())
        )
    }
    names = dict(Unit.objects.filter(pk__in={u for u, _ in by_unit}).values_list("pk", "name"))
    staff = unit_recipients({unit for unit, light in by_unit if light == Light.YELLOW})
    heads = unit_recipients(
        {unit for unit, light in by_unit if light == Light.RED}, heads_only=True
    )
    rows = []
    for (unit_id, light), tickets in sorted(by_unit.items()):
        rows += build_notifications(
            kind="light_red" if light == Light.RED else "light_yellow",
            context=_digest_context(tickets, details, unit=names.get(unit_id, "")),
            recipients=(heads if light == Light.RED else staff).get(unit_id, []),
            ticket_ids=sorted(tickets),
            now=now,
        )
    for light, tickets in sorted(triage.items()):
        context = _digest_context(tickets, details, unit="")
        context["red"] = light == Light.RED
        rows += build_notifications(
            kind="light_dispatch",
            context=context,
            recipients=dispatcher_recipients(),
            ticket_ids=sorted(tickets)[:1000],
            now=now,
        )
    if reds:
        per_unit: dict[str, int] = defaultdict(int)
        for _, unit_id in reds.values():
            per_unit[names.get(unit_id, "—")] += 1
        context = _digest_context({pk: d for pk, (d, _) in reds.items()}, details, unit="")
        context["per_unit"] = sorted(per_unit.items(), key=lambda item: (-item[1], item[0]))
        rows += build_notifications(
            kind="light_red_digest",
            context=context,
            recipients=dispatcher_recipients(),
            ticket_ids=sorted(reds)[:1000],
            now=now,
        )
    return rows


def _digest_context(tickets: dict[int, str], details: dict, *, unit: str) -> dict:
    listed = []
    for pk in sorted(tickets)[:NUMBERS_IN_MESSAGE]:
        row = details.get(pk)
        if row is None:
            continue
        deadline = tickets[pk]
        due = row[DEADLINES[deadline][1]]
        listed.append(
            {
                "number": row["number"],
                "title": row["title"],
                "deadline": str(DEADLINE_LABELS[deadline]),
                "due_at": timezone.localtime(due) if due else None,
            }
        )
    return {
        "unit": unit,
        "count": len(tickets),
        "tickets": listed,
        "more": max(len(tickets) - NUMBERS_IN_MESSAGE, 0),
    }


def _sweep_preview(now: datetime, batch_size: int, result: SweepResult) -> SweepResult:
    after = None
    while True:
        rows = list(_candidates(now, batch_size, lock=False, after=after))
        if not rows:
            return result
        changes = _changes(rows)
        result.checked += len(rows)
        result.yellow += sum(1 for c in changes if c.light == Light.YELLOW)
        result.red += sum(1 for c in changes if c.light == Light.RED)
        result.preview.extend(changes[: PREVIEW_LIMIT - len(result.preview)])
        result.batches += 1
        after = (rows[-1]["check_at"], rows[-1]["pk"])
        if len(rows) < batch_size:
            return result


def dispatch_clock_backfill(*, now: datetime, dry_run: bool = False) -> int:
    """Tickets waiting for the center that the sweep does not watch yet get their dispatch
    deadline, counted from when they entered their status, and the sweep's bookkeeping row:
    tickets still registered (intake leaves both out to stay at three statements; auto-dispatch
    takes almost all of them within a second) and those waiting since before the deadline
    existed (the migration leaves them here, where the working-day calendar is). The common
    case is one index probe finding nothing."""
    waiting = Ticket.objects.filter(status__in=DISPATCH_RUNNING).filter(
        Q(dispatch_due_at__isnull=True) | Q(light_state__isnull=True)
    )
    if dry_run:
        return waiting.count()
    done = 0
    while waiting.order_by("status").values_list("pk", flat=True)[:1]:
        with transaction.atomic():
            # SKIP LOCKED: a concurrent sweep takes other rows, and one that finds them all
            # taken stops; the condition is read again under the lock, so none is done twice.
            tickets = list(
                waiting.select_for_update(skip_locked=True, of=("self",))
                .only("pk", "urgency", "status_changed_at", "dispatch_due_at", "dispatch_warn_at")
                .order_by("pk")[:SWEEP_BATCH]
            )
            undated = [ticket for ticket in tickets if ticket.dispatch_due_at is None]
            for ticket in undated:
                times = dispatch_due_times(urgency=ticket.urgency, start=ticket.status_changed_at)
                ticket.dispatch_due_at = times["dispatch_due_at"]
                ticket.dispatch_warn_at = times["dispatch_warn_at"]
            Ticket.objects.bulk_update(undated, ["dispatch_due_at", "dispatch_warn_at"], 500)
            # Looked at by this very sweep (check_at = now): a ticket already late is recorded now.
            TicketLightState.objects.bulk_create(
                [TicketLightState(ticket_id=t.pk, dispatch_lit=0, check_at=now) for t in tickets],
                update_conflicts=True,
                unique_fields=["ticket"],
                update_fields=["check_at"],
            )
        done += len(tickets)
        if not tickets:
            break
    return done


def _anything_to_do(now: datetime) -> bool:
    """The common case, every minute: nothing. Two index probes, no big query to build.

    ORDER BY check_at makes the partial index the only sensible plan even when the statistics
    still remember a crowd of due rows (a plain LIMIT 1 then picks a sequential scan of every
    ticket that finds nothing)."""
    due = TicketLightState.objects.filter(check_at__lte=now).order_by("check_at")
    return bool(due.values_list("pk", flat=True)[:1]) or LightChangeBatch.objects.exists()


def sweep_deadlines(
    *, now: datetime | None = None, dry_run: bool = False, batch_size: int = SWEEP_BATCH
) -> SweepResult:
    """Record every change of light since the last sweep once, and queue its notifications.

    Safe to run concurrently and repeatedly (see the module doc). ``dry_run`` reports what would
    be recorded without writing anything.
    """
    now = now or timezone.now()
    result = SweepResult()
    if dry_run:
        result.backfilled = dispatch_clock_backfill(now=now, dry_run=True)
        return _sweep_preview(now, batch_size, result)
    result.backfilled = dispatch_clock_backfill(now=now)
    if _anything_to_do(now):
        while _sweep_batch(now, batch_size, result) == batch_size:
            pass
        while composed := _compose_notifications(now):
            result.notifications += composed
    result.requeued_notifications = notifications_requeue_stale(now=now)
    if result.yellow or result.red:
        logger.info(
            "deadline sweep: %d yellow, %d red in %d tickets",
            result.yellow,
            result.red,
            result.checked,
        )
    return result
