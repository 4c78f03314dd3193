"""A flag's escalation as people see and steer it: the path this pilot runs
(`/pilot escalation`), a snooze (`/pilot snooze F-3 4h reason="..."`), and what
`/pilot flag F-3` and `/pilot flags` show of each flag's timer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.blocks import Reply
from bot.blocks.escalation import (
    SnoozeFacts,
    StepDone,
    policy_reply,
    snoozed_reply,
    timeline_lines,
    when,
)
from bot.core.errors import Refusal
from bot.core.escalation import EscalationStep
from bot.core.escalation_timer import next_deadline, upcoming
from bot.core.flags import flag_ref
from bot.features.access import Where, editable_pilot, pilot_at
from schedules.escalation import KIND, facts_of
from storage.db import Session
from storage.escalation import (
    add_snooze,
    escalation_of,
    policy_of,
    recipients_of,
    refresh_next,
    snoozes_of,
    state_of,
    steps_taken,
)
from storage.escalation_reads import locked_timer, timers_of, undelivered_with_prefix
from storage.flags import flag_by_number, owe_flag_line
from storage.models import Flag, Pilot
from storage.outbox import FAILED
from storage.pilots import plan_of
from storage.settings import settings_of
from storage.team import holders, log_change


def escalation_path(*, session: Session, where: Where) -> Reply:
    """`/pilot escalation`: who hears of a flag, and when, as this pilot runs it."""
    pilot = pilot_at(session=session, where=where)
    assert pilot.id is not None
    return policy_reply(
        pilot_name=pilot.name,
        tz=pilot.tz,
        settings=settings_of(pilot).escalation,
        team=holders(session=session, pilot_id=pilot.id),
        owner_id=pilot.owner_id,
    )


def snooze(
    *,
    session: Session,
    now: datetime,
    where: Where,
    user_id: str,
    number: int,
    span: timedelta,
    reason: str,
) -> Reply:
    """Push F-<number>'s next escalation step back by ``span``; the change log and the
    flag's thread say so. Returns the answer to the person who snoozed it."""
    pilot = editable_pilot(
        session=session, where=where, user_id=user_id, action="snooze a flag's escalation"
    )
    assert pilot.id is not None
    flag = flag_by_number(session=session, pilot_id=pilot.id, number=number, lock=True)
    timer = (
        None if flag is None or flag.id is None else locked_timer(session=session, flag_id=flag.id)
    )
    if flag is None or timer is None:
        raise Refusal(f"There is no {flag_ref(number)} in this pilot's issue log.")
    policy, state = policy_of(timer), state_of(timer, flag, pilot)
    halted = state.halted(policy)
    if halted is not None:
        raise Refusal(f"{flag_ref(number)}'s escalation is over ({halted}): nothing to snooze.")
    state.snooze(span)  # checks the length
    snoozed = add_snooze(
        session=session, row=timer, span=span, user_id=user_id, reason=reason, at=now
    )
    refresh_next(row=timer, flag=flag, pilot=pilot)
    log_change(
        session=session,
        pilot_id=pilot.id,
        user_id=user_id,
        kind="snooze",
        summary=f"Snoozed {flag_ref(number)}'s escalation by {snoozed.minutes} min.",
        reason=reason,
        at=now,
    )
    next_due = next_deadline(policy, flag.raised_at, state_of(timer, flag, pilot), plan_of(pilot))
    answer, line = snoozed_reply(
        facts_of(flag, pilot), SnoozeFacts(user_id, span, reason, now), next_due
    )
    owe_flag_line(
        session=session,
        pilot=pilot,
        flag=flag,
        step=f"snoozed:{snoozed.id}",
        message=line.message(),
        now=now,
    )
    return answer


def timeline_of(*, session: Session, flag: Flag, pilot: Pilot) -> list[str]:
    """The lines `/pilot flag F-3` shows of the flag's escalation ([] without a timer)."""
    assert flag.id is not None
    timer = escalation_of(session=session, flag_id=flag.id)
    if timer is None:
        return []
    policy, state = policy_of(timer), state_of(timer, flag, pilot)
    done = [
        StepDone(recipients_of(taken), taken.due_at, taken.taken_at)
        for taken in steps_taken(session=session, flag_id=flag.id)
    ]
    snoozes = [
        SnoozeFacts(s.user_id, timedelta(minutes=s.minutes), s.reason, s.at)
        for s in snoozes_of(session=session, flag_id=flag.id)
    ]
    return timeline_lines(
        facts_of(flag, pilot),
        policy,
        done=done,
        to_come=upcoming(policy, flag.raised_at, state, plan_of(pilot)),
        halted=state.halted(policy),
        snoozes=snoozes,
        notes=_undelivered(session, flag),
    )


def levels_of(*, session: Session, pilot: Pilot, flags: Sequence[Flag]) -> dict[int, str]:
    """`/pilot flags`' escalation level of each flag, by number: the last step taken
    and when the next one is due."""
    timers = timers_of(session=session, flag_ids=[f.id for f in flags if f.id is not None])
    zone = plan_of(pilot).zone
    levels = {}
    for flag in flags:
        timer = timers.get(flag.id or 0)
        if timer is None:
            continue
        state = state_of(timer, flag, pilot)
        policy = policy_of(timer)
        reached = (
            "not started"
            if state.last_step is None
            else f"{state.last_step.number}/4 ({state.last_step.audience})"
        )
        halted = state.halted(policy)
        upcoming_step = next_deadline(policy, flag.raised_at, state, plan_of(pilot))
        if upcoming_step is not None:
            reached += f", next {when(upcoming_step.due_at, zone)}"
        elif halted and state.last_step is not EscalationStep.EXECUTIVES:
            reached += f", {halted}"
        levels[flag.number] = reached
    return levels


def _undelivered(session: Session, flag: Flag) -> dict[EscalationStep, str]:
    """Per step, the messages Slack refused or that were skipped, and why."""
    prefix = f"{KIND}:{flag_ref(flag.number)}:"
    rows = undelivered_with_prefix(session=session, pilot_id=flag.pilot_id, key_prefix=prefix)
    notes: dict[EscalationStep, list[str]] = {}
    for row in rows:
        parts = row.key.split(":")
        step = EscalationStep(int(parts[2].removeprefix("s")))
        what = f"DM to <@{parts[3]}>" if len(parts) > 3 else "thread line"
        why = row.last_error if row.status == FAILED else row.skipped_reason
        notes.setdefault(step, []).append(f"{what} {row.status}: {why}")
    return {step: "; ".join(found) for step, found in notes.items()}
