"""The escalation sweep: every unresolved flag's due steps, recorded in the outbox.

The tick calls ``sweep`` after the pilots' cadence. It reads only the flags whose
``next_escalation_at`` has come (an indexed column), locks each one's timer row,
asks the core which steps are due (overdue ones too, in order, after downtime), and
in that same transaction records each step once (``escalation_step``'s unique key)
and owes its messages under unique outbox keys: one line in the flag's thread
(``escalation:F-3:s2``) and, from the project leads on, one DM per person
(``escalation:F-3:s2:U123``). A second scheduler, a retried tick or a restart
cannot owe any of them twice. One flag failing does not stop the others.

Delivery takes a last look just before sending each one (``prepare_escalation``):
a flag resolved meanwhile, a pilot ended, or an acknowledgement that pauses the path
(``ack_pauses_escalation=yes``) gets the row skipped with the reason; otherwise the
message is built again as of then (who acknowledged it, how late it is).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.blocks import ids
from bot.blocks.escalation import FlagFacts, StepDone, escalation_dm, step_line
from bot.blocks.forms import button
from bot.blocks.ids import button_value
from bot.core.escalation import EscalationStep, Recipients, recipients
from bot.core.escalation_timer import DueStep, EscalationState, due_steps, next_deadline
from bot.core.flags import FlagState
from bot.core.flags import flag_ref as ref_of
from bot.core.lifecycle import PilotState
from bot.core.localtime import require_aware
from schedules.batches import in_batches
from schedules.owed import local_label
from storage.db import unit_of_work, write_now
from storage.escalation import ESCALATION_KIND as KIND
from storage.escalation import (
    StepKey,
    advance_timer,
    due_flag_ids,
    escalation_of,
    lock_due,
    policy_of,
    recipients_of,
    record_step,
    state_of,
    steps_taken,
)
from storage.flags import flag_by_id, flag_by_number
from storage.models import Flag, FlagEscalation, OutboxMessage, Pilot
from storage.outbox import PENDING, encode_payload, enqueue_many, rebuild
from storage.pilots import pilot_by_id, plan_of
from storage.team import holders

log = logging.getLogger(__name__)

BATCH = 100  # flags per transaction (a failing batch is redone flag by flag)


@dataclass
class SweepReport:
    looked_at: int = 0  # flags whose next step had come
    enqueued: list[str] = field(default_factory=list)  # "<pilot id>/<key>"
    stopped: list[str] = field(default_factory=list)  # "F-3: resolved", ...
    failed: list[int] = field(default_factory=list)  # flag ids whose sweep raised

    def merge(self, other: SweepReport) -> None:
        self.enqueued += other.enqueued
        self.stopped += other.stopped
        self.failed += other.failed


def sweep(*, engine: Engine, now: datetime, batch: int = BATCH) -> SweepReport:
    """Owe every escalation step due at ``now``; see the module docstring."""
    require_aware(now, "now")
    report = SweepReport()
    with unit_of_work(engine) as session:
        flag_ids = due_flag_ids(session=session, now=now)
    report.looked_at = len(flag_ids)
    in_batches(
        flag_ids,
        engine=engine,
        batch=batch,
        work=lambda session, chunk: _sweep_flags(session, chunk, now),
        merge=report.merge,
        failed=report.failed,
        label="escalation",
        noun="flag",
    )
    if report.enqueued or report.stopped or report.failed:
        log.info(
            "escalation sweep at %s: %d flag(s) due, %d message(s) owed, %d stopped, %d failed",
            now.isoformat(),
            report.looked_at,
            len(report.enqueued),
            len(report.stopped),
            len(report.failed),
        )
    return report


def _sweep_flags(session: Session, flag_ids: list[int], now: datetime) -> SweepReport:
    report = SweepReport()
    messages: list[OutboxMessage] = []
    for row in lock_due(session=session, flag_ids=flag_ids, now=now):
        flag = flag_by_id(session=session, flag_id=row.flag_id)
        pilot = pilot_by_id(session=session, pilot_id=row.pilot_id)
        assert flag is not None and pilot is not None and pilot.id is not None
        policy, state = policy_of(row), state_of(row, flag, pilot)
        halted = state.halted(policy)
        if halted is None:
            team = holders(session=session, pilot_id=pilot.id)
            for due in due_steps(policy, flag.raised_at, state, now, plan_of(pilot)):
                found = recipients(due.step, team, pilot.owner_id)
                assert flag.id is not None
                if record_step(
                    session=session, flag_id=flag.id, found=found, due_at=due.due_at, now=now
                ):
                    messages += _step_messages(session, flag, pilot, row, found, due.due_at, now)
                state = state.done(due.step)
        advance_timer(session=session, row=row, flag=flag, pilot=pilot, last_step=state.last_step)
        if row.next_escalation_at is None and row.stopped:
            report.stopped.append(f"{flag_ref(flag)}: {row.stopped}")
    inserted = enqueue_many(session=session, messages=messages)
    report.enqueued += [
        f"{m.pilot_id}/{m.key}" for m in messages if (m.pilot_id, m.key) in inserted
    ]
    write_now(session)  # an error here is this batch's (schedules/batches.py)
    return report


def flag_ref(flag: Flag) -> str:
    return ref_of(flag.number)


def step_key(flag: Flag, step: EscalationStep, user_id: str | None = None) -> str:
    return str(StepKey(flag.number, step, user_id or ""))


def _step_messages(
    session: Session,
    flag: Flag,
    pilot: Pilot,
    row: FlagEscalation,
    found: Recipients,
    due_at: datetime,
    now: datetime,
) -> list[OutboxMessage]:
    """A step's line in the flag's thread, then (after the first step) a DM per person."""
    assert pilot.id is not None
    pilot_id = pilot.id

    def owed(
        key: str, payload: str, *, thread_ts: str | None = None, dm: str = ""
    ) -> OutboxMessage:
        return OutboxMessage(
            pilot_id=pilot_id,
            key=key,
            kind=KIND,
            team_id=pilot.team_id,
            enterprise_id=pilot.enterprise_id,
            channel_id=pilot.channel_id,
            thread_ts=thread_ts,
            dm_users=dm,
            payload=payload,
            due_at=due_at,
            next_attempt_at=now,
            created_at=now,
            status=PENDING,
        )

    line = _line_payload(flag, pilot, row, found, due_at, now)
    messages = [owed(step_key(flag, found.step), line, thread_ts=flag.thread_ts)]
    if found.step.in_thread:
        return messages
    dm = _dm_payload(session, flag, pilot, row, found, due_at, now)
    messages += [owed(step_key(flag, found.step, user), dm, dm=user) for user in found.users]
    return messages


def facts_of(flag: Flag, pilot: Pilot) -> FlagFacts:
    return FlagFacts(
        ref=flag_ref(flag),
        severity=flag.severity,
        category=flag.category,
        description=flag.description,
        raised_by=flag.raised_by,
        raised_at=flag.raised_at,
        acknowledged_by=flag.acknowledged_by or None,
        acknowledged_at=flag.acknowledged_at,
        pilot_name=pilot.name,
        customer=pilot.customer,
        channel_id=flag.channel_id,
        thread_ts=flag.thread_ts,
        link_ts=flag.announcement_ts or flag.thread_ts,
        zone=plan_of(pilot).zone,
    )


def _next_after(
    flag: Flag, pilot: Pilot, row: FlagEscalation, step: EscalationStep
) -> DueStep | None:
    state: EscalationState = state_of(row, flag, pilot).done(step)
    return next_deadline(policy_of(row), flag.raised_at, state, plan_of(pilot))


def _line_payload(
    flag: Flag,
    pilot: Pilot,
    row: FlagEscalation,
    found: Recipients,
    due_at: datetime,
    now: datetime,
) -> str:
    done = StepDone(found, due_at, now)
    reply = step_line(facts_of(flag, pilot), done, _next_after(flag, pilot, row, found.step))
    return encode_payload(reply.message())


def _dm_payload(
    session: Session,
    flag: Flag,
    pilot: Pilot,
    row: FlagEscalation,
    found: Recipients,
    due_at: datetime,
    now: datetime,
) -> str:
    assert flag.id is not None
    told = [
        StepDone(recipients_of(taken), taken.due_at, taken.taken_at)
        for taken in steps_taken(session=session, flag_id=flag.id)
        if taken.step < found.step
    ]
    body = escalation_dm(
        facts_of(flag, pilot),
        StepDone(found, due_at, now),
        told=told,
        next_due=_next_after(flag, pilot, row, found.step),
        buttons=flag_buttons(flag),
    )
    return encode_payload(body)


def flag_buttons(flag: Flag) -> list[dict[str, Any]]:
    """The flag's own Acknowledge and Resolve buttons (its announcement's action ids and
    values), so they work from the DM; Acknowledge only while nobody has."""
    value = button_value(flag.pilot_id, flag.number)
    buttons = (
        []
        if flag.acknowledged_by
        else [button("Acknowledge", ids.FLAG_ACKNOWLEDGE, value, style="primary")]
    )
    return [*buttons, button("Resolve", ids.FLAG_RESOLVE, value)]


def thread_of_step(session: Session, pilot_id: int, key: str) -> str | None:
    """The thread of the flag an escalation message (``key``) is about: where a DM Slack
    refused goes instead."""
    number = StepKey.parse(key).flag_number
    flag = flag_by_number(session=session, pilot_id=pilot_id, number=number)
    return None if flag is None else flag.thread_ts


# ----- delivery's last look ----------------------------------------------------------------


def prepare_escalation(session: Session, row: OutboxMessage, now: datetime) -> str | None:
    """Why not to send ``row`` any more, or None once its payload is built as of ``now``."""
    key = StepKey.parse(row.key)
    flag = flag_by_number(session=session, pilot_id=row.pilot_id, number=key.flag_number)
    pilot = pilot_by_id(session=session, pilot_id=row.pilot_id)
    if flag is None or pilot is None or flag.id is None:
        return "the flag no longer exists"
    name = flag_ref(flag)
    plan = plan_of(pilot)
    if flag.state == FlagState.RESOLVED:
        at = f" at {local_label(flag.resolved_at, plan)}" if flag.resolved_at else ""
        return f"{name} was resolved by {flag.resolved_by or 'someone'}{at} before this went out"
    if pilot.state == PilotState.ENDED:
        return "the pilot ended before this went out"
    timer = escalation_of(session=session, flag_id=flag.id)
    if timer is None:
        return f"{name} has no escalation timer"
    if flag.acknowledged_by and policy_of(timer).ack_pauses:
        return (
            f"{name} was acknowledged by {flag.acknowledged_by}, which pauses its escalation"
            " (ack_pauses_escalation=yes)"
        )
    step = key.step
    taken = next((t for t in steps_taken(session=session, flag_id=flag.id) if t.step == step), None)
    if taken is None:
        return f"{name}'s step {step.number} was not recorded"
    found = recipients_of(taken)
    if key.user_id:
        payload = _dm_payload(session, flag, pilot, timer, found, taken.due_at, now)
        rebuild(session=session, message=row, payload=payload, thread_ts=row.thread_ts)
    else:
        payload = _line_payload(flag, pilot, timer, found, taken.due_at, now)
        rebuild(session=session, message=row, payload=payload, thread_ts=flag.thread_ts)
    return None
