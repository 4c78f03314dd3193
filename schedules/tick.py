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

Then it sweeps the flags whose next escalation step has come (`schedules.escalation`).

Messages are built by kind (``BUILDERS``: check-ins here, their reminders in
`schedules.reminders`, reviews and ramp posts in `schedules.reviews`); kinds without a
builder are passed over.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.blocks.checkin import checkin_message
from bot.core.cadence import Due, DueKind, cadence_between, next_due
from bot.core.calendar import snapshot
from bot.core.checkins import DaySummary, checkin_day_end, previous_checkin_day
from bot.core.flags import issue_period
from bot.core.lifecycle import PilotState
from bot.core.localtime import local_instant, require_aware
from bot.core.plan import Plan
from schedules.batches import in_batches
from schedules.escalation import sweep
from schedules.owed import downtime_reason, new_message
from schedules.owed import skipped as _skipped
from schedules.reminders import build_reminder
from schedules.review_files import owe_review_files
from schedules.reviews import REVIEW_BUILDERS, Builder
from storage.checkins import checked_in
from storage.db import unit_of_work, write_now
from storage.flags import flags_touched, record_of
from storage.models import OutboxMessage, Pilot
from storage.outbox import PENDING, encode_payload, enqueue_many
from storage.pilots import (
    NOTHING_OWED,
    SCHEDULED_STATES,
    due_pilot_ids,
    lock_pilots,
    plan_of,
    set_next_due,
)

log = logging.getLogger(__name__)

_INSTANT = timedelta(microseconds=1)
BATCH = 100  # pilots per transaction (a failing batch is redone pilot by pilot)


@dataclass
class TickReport:
    now: datetime
    looked_at: int = 0  # pilots whose next_due_at had come
    enqueued: list[str] = field(default_factory=list)  # "<pilot id>/<key>"
    skipped: list[str] = field(default_factory=list)  # recorded as skipped, with a reason
    failed: list[int] = field(default_factory=list)  # pilot ids whose tick raised
    escalation_failed: list[int] = field(default_factory=list)  # flag ids whose sweep raised

    def merge(self, other: TickReport) -> None:
        self.enqueued += other.enqueued
        self.skipped += other.skipped
        self.failed += other.failed


def tick(*, engine: Engine, now: datetime, batch: int = BATCH) -> TickReport:
    """Record in the outbox everything owed up to ``now``; see the module docstring."""
    require_aware(now, "now")
    report = TickReport(now=now)
    with unit_of_work(engine) as session:
        pilot_ids = due_pilot_ids(session=session, now=now)
    report.looked_at = len(pilot_ids)
    in_batches(
        pilot_ids,
        engine=engine,
        batch=batch,
        work=lambda session, chunk: _tick_pilots(session, chunk, now),
        merge=report.merge,
        failed=report.failed,
        label="tick",
        noun="pilot",
    )
    # Flags escalate on their own clock, paused pilots' included (schedules.escalation).
    escalated = sweep(engine=engine, now=now)
    report.enqueued += escalated.enqueued
    report.escalation_failed += escalated.failed
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


def _tick_pilots(session: Session, pilot_ids: list[int], now: datetime) -> TickReport:
    """A batch of pilots' owed messages and new next_due_at, in the caller's transaction.

    Returns what it staged; it stands once the caller's unit of work commits.
    """
    pilots = lock_pilots(session=session, pilot_ids=pilot_ids)
    messages: list[OutboxMessage] = []
    failed: list[int] = []
    for pilot in pilots:
        if pilot.state not in SCHEDULED_STATES:
            continue
        if pilot.next_due_at is not None and pilot.next_due_at > now:
            continue  # another scheduler got here first
        assert pilot.id is not None
        try:
            owed, next_due_at = _owed_by(session, pilot, now)
        except Exception:
            # A stored plan that no longer loads, say: the others go on.
            log.exception("tick: pilot %s failed; the other pilots go on", pilot.id)
            failed.append(pilot.id)
            continue
        messages += owed
        set_next_due(session=session, pilot=pilot, at=next_due_at)
    inserted = enqueue_many(session=session, messages=messages)
    by_id = {pilot.id: pilot for pilot in pilots}
    for message in messages:
        # A weekly review's thread gets the past week's chart and report with it.
        if (
            message.kind == DueKind.WEEKLY_REVIEW.value
            and message.status == PENDING
            and (message.pilot_id, message.key) in inserted
        ):
            owe_review_files(session, by_id[message.pilot_id], message.key, now)
    write_now(session)  # an error here is this batch's (schedules/batches.py)
    staged = TickReport(now=now, failed=failed)
    for message in messages:
        if (message.pilot_id, message.key) in inserted:
            target = staged.enqueued if message.status == PENDING else staged.skipped
            target.append(f"{message.pilot_id}/{message.key}")
    return staged


def _owed_by(
    session: Session, pilot: Pilot, now: datetime
) -> tuple[list[OutboxMessage], datetime]:
    """The messages ``pilot`` owes up to ``now`` (inclusive), and its next due instant."""
    plan = plan_of(pilot)
    # NULL: never scheduled (refresh_next_due was not called): owed from its last change.
    since = pilot.next_due_at if pilot.next_due_at is not None else min(pilot.updated_at, now)
    # Inclusive of `now`: a message due at 09:30:00 is owed by a tick at 09:30:00.
    horizon = now + _INSTANT
    owed = [
        BUILDERS[due.kind](pilot, plan, due, now, session)
        for due in cadence_between(plan, since, horizon)
        if due.kind in SENT_KINDS
    ]
    upcoming = next_due(plan, horizon)
    return owed, upcoming.due_at_utc if upcoming is not None else NOTHING_OWED


def _checkin(
    pilot: Pilot, plan: Plan, due: Due, now: datetime, session: Session
) -> OutboxMessage:
    assert pilot.id is not None
    day_end = checkin_day_end(plan, due.local_date)
    message = new_message(pilot, due, now, useful_until=day_end)
    if pilot.state == PilotState.PAUSED:
        return _skipped(message, "the pilot was paused: check-ins are not sent while paused")
    if now >= day_end:
        return _skipped(message, downtime_reason(due, now, plan, "check-in"))
    previous_day = previous_checkin_day(plan, due.local_date)
    previous = (
        None
        if previous_day is None
        else _previous_day_summary(session, pilot, plan, previous_day)
    )
    reply = checkin_message(plan, snapshot(plan, due.due_at), pilot_id=pilot.id, previous=previous)
    message.payload = encode_payload(reply.message())
    message.next_attempt_at = now
    return message


def _previous_day_summary(session: Session, pilot: Pilot, plan: Plan, day: date) -> DaySummary:
    assert pilot.id is not None
    start, end = local_instant(day, time(0, 0), plan.zone), checkin_day_end(plan, day)
    touched = flags_touched(session=session, pilot_id=pilot.id, start=start, end=end)
    issues = issue_period((record_of(flag) for flag in touched), start, end)
    return DaySummary(
        day=day,
        checked_in=checked_in(session=session, pilot_id=pilot.id, day=day),
        flags_raised=issues.raised,
        flags_resolved=issues.resolved,
    )


# Message building, by kind: the tick owes the kinds found here and passes over the
# others. A builder returns the row: pending with its payload, or skipped with the reason.
BUILDERS: dict[DueKind, Builder] = {
    DueKind.CHECKIN: _checkin,
    DueKind.REMINDER: build_reminder,
    **REVIEW_BUILDERS,
}
SENT_KINDS = frozenset(BUILDERS)
