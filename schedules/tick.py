"""The scheduler tick: what the pilots owe at ``now``, recorded in the outbox.

One tick reads only the pilots whose ``next_due_at`` has come (an indexed column),
asks the core what their cadence owes between that instant and ``now``, records
each message in the outbox under its unique key, and moves ``next_due_at`` on.
The outbox row and the new ``next_due_at`` are written in one transaction per
pilot, so a second scheduler, a retried job or a restart cannot owe a message
twice, and one pilot failing does not stop the others.

Catch-up after downtime comes from here, not from APScheduler: a check-in whose
time passed while the bot was down is still owed if its local day is not over,
and otherwise recorded as skipped with the reason. A paused pilot's check-ins
are recorded as skipped ("paused"), never sent later.

Only the kinds this version sends are recorded (check-ins); the others (reviews,
ramp announcements, reminders, ...) are passed over until their issue lands.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.blocks.checkin import checkin_message
from bot.core.cadence import Due, DueKind, cadence_between, next_due
from bot.core.calendar import snapshot
from bot.core.checkins import DaySummary, checkin_day_end, previous_checkin_day
from bot.core.localtime import require_aware
from bot.core.plan import Plan
from storage.db import unit_of_work
from storage.models import OutboxMessage, Pilot
from storage.outbox import PENDING, SKIPPED, encode_payload, enqueue
from storage.pilots import NOTHING_OWED, SCHEDULED_STATES, due_pilot_ids, plan_of

log = logging.getLogger(__name__)

# The kinds this version records in the outbox; the tick passes over the others.
SENT_KINDS = frozenset({DueKind.CHECKIN})
_INSTANT = timedelta(microseconds=1)


@dataclass
class TickReport:
    now: datetime
    looked_at: int = 0  # pilots whose next_due_at had come
    enqueued: list[str] = field(default_factory=list)  # "<pilot id>/<key>"
    skipped: list[str] = field(default_factory=list)  # recorded as skipped, with a reason
    failed: list[int] = field(default_factory=list)  # pilot ids whose tick raised


@dataclass
class _PilotResult:
    enqueued: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def tick(*, engine: Engine, now: datetime) -> TickReport:
    """Record in the outbox everything owed up to ``now``; see the module docstring."""
    require_aware(now, "now")
    report = TickReport(now=now)
    with unit_of_work(engine) as session:
        pilot_ids = due_pilot_ids(session=session, now=now)
    report.looked_at = len(pilot_ids)
    for pilot_id in pilot_ids:
        try:
            with unit_of_work(engine) as session:
                result = _tick_pilot(session, pilot_id, now)
        except Exception:
            # Isolated: the others still get their check-ins. The pilot's next_due_at
            # did not move, so the next tick tries again and nothing is lost.
            log.exception("tick: pilot %s failed; the other pilots go on", pilot_id)
            report.failed.append(pilot_id)
            continue
        if result is not None:
            report.enqueued += result.enqueued
            report.skipped += result.skipped
    if report.enqueued or report.skipped or report.failed:
        log.info(
            "tick at %s: %d pilot(s) due, %d message(s) owed, %d skipped, %d pilot(s) failed",
            now.isoformat(),
            report.looked_at,
            len(report.enqueued),
            len(report.skipped),
            len(report.failed),
        )
    return report


def _tick_pilot(session: Session, pilot_id: int, now: datetime) -> _PilotResult | None:
    # SKIP LOCKED (PostgreSQL): a second scheduler ticking the same pilot right now
    # leaves it to the first. Without it (SQLite) the outbox's unique key still
    # makes the second one's inserts no-ops.
    pilot = session.exec(
        select(Pilot).where(Pilot.id == pilot_id).with_for_update(skip_locked=True)
    ).first()
    if pilot is None or pilot.state not in SCHEDULED_STATES:
        return None
    if pilot.next_due_at is not None and pilot.next_due_at > now:
        return None  # another scheduler got here first
    plan = plan_of(pilot)
    # NULL: never scheduled (refresh_next_due was not called): owed from its last change.
    since = pilot.next_due_at if pilot.next_due_at is not None else min(pilot.updated_at, now)
    # Inclusive of `now`: a message due at 09:30:00 is owed by a tick at 09:30:00.
    horizon = now + _INSTANT
    result = _PilotResult()
    for due in cadence_between(plan, since, horizon):
        if due.kind not in SENT_KINDS:
            continue
        message = _checkin(pilot, plan, due, now)
        if enqueue(session=session, message=message):
            target = result.enqueued if message.status == PENDING else result.skipped
            target.append(f"{pilot_id}/{due.key}")
    upcoming = next_due(plan, horizon)
    pilot.next_due_at = upcoming.due_at_utc if upcoming is not None else NOTHING_OWED
    session.add(pilot)
    return result


def _checkin(pilot: Pilot, plan: Plan, due: Due, now: datetime) -> OutboxMessage:
    assert pilot.id is not None
    day_end = checkin_day_end(plan, due.local_date)
    message = OutboxMessage(
        pilot_id=pilot.id,
        key=due.key,
        kind=due.kind.value,
        team_id=pilot.team_id,
        enterprise_id=pilot.enterprise_id,
        channel_id=pilot.channel_id,
        due_at=due.due_at_utc,
        useful_until=day_end,
        created_at=now,
    )
    if pilot.state == "paused":
        return _skipped(message, "the pilot was paused: check-ins are not sent while paused")
    if now >= day_end:
        return _skipped(
            message,
            f"the bot was down from {_local(due.due_at, plan)} until {_local(now, plan)}; "
            "the check-in's day was over",
        )
    previous_day = previous_checkin_day(plan, due.local_date)
    previous = None if previous_day is None else _previous_day_summary(pilot, previous_day)
    reply = checkin_message(plan, snapshot(plan, due.due_at), pilot_id=pilot.id, previous=previous)
    message.payload = encode_payload({"text": reply.text, "blocks": reply.blocks})
    message.next_attempt_at = now
    return message


def _previous_day_summary(pilot: Pilot, day: date) -> DaySummary:
    # Who checked in and which flags moved come with reply capture and issue flags;
    # until then the thread says that no check-ins were recorded.
    return DaySummary(day=day)


def _skipped(message: OutboxMessage, reason: str) -> OutboxMessage:
    message.status = SKIPPED
    message.skipped_reason = reason
    message.next_attempt_at = None
    return message


def _local(instant: datetime, plan: Plan) -> str:
    local = instant.astimezone(plan.zone)
    return f"{local:%H:%M %Z} {local:%a %b} {local.day}"
