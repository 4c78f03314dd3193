"""`/pilot escalation` (the path as this pilot runs it), `/pilot snooze F-3 4h reason="..."`,
and what `/pilot flag F-3` and `/pilot flags` show of a flag's escalation."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from bot.blocks import Reply
from bot.blocks.escalation import (
    SnoozeFacts,
    StepDone,
    policy_reply,
    snoozed_reply,
    timeline_lines,
    when,
)
from bot.core import commands as catalog
from bot.core.errors import DomainError
from bot.core.escalation import EscalationStep
from bot.core.escalation_timer import next_deadline, upcoming
from bot.core.flags import flag_ref, parse_flag_ref
from bot.core.spans import parse_span
from handlers.editing import Refusal, answers_with_usage, channel_pilot, require_editor
from schedules.escalation import KIND, facts_of
from storage.db import unit_of_work
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
from storage.flags import flag_by_number, owe_flag_line
from storage.models import Flag, FlagEscalation, OutboxMessage, Pilot
from storage.outbox import FAILED, SKIPPED
from storage.pilots import plan_of
from storage.settings import settings_of
from storage.team import holders, log_change

if TYPE_CHECKING:
    from handlers.commands import CommandRequest

log = logging.getLogger(__name__)

MAX_REASON = 2000


@answers_with_usage(catalog.ESCALATION)
def escalation_command(request: CommandRequest) -> Reply | None:
    with unit_of_work(request.services.engine) as session:
        pilot = channel_pilot(session, request)
        assert pilot.id is not None
        team = holders(session=session, pilot_id=pilot.id)
        settings = settings_of(pilot)
        return policy_reply(
            pilot_name=pilot.name,
            tz=pilot.tz,
            settings=settings.escalation,
            team=team,
            owner_id=pilot.owner_id,
        )


@answers_with_usage(catalog.SNOOZE)
def snooze_command(request: CommandRequest) -> Reply | None:
    parsed = request.parsed
    number = parse_flag_ref(parsed.args["flag"])
    span = parse_span(parsed.args["duration"])
    reason = " ".join((parsed.options.get("reason") or parsed.rest).split())
    if not reason:
        raise DomainError(
            f"Say why, for the change log: `/pilot snooze {flag_ref(number)}"
            f' {parsed.args["duration"]} reason="waiting for the customer\'s fix"`.'
        )
    if len(reason) > MAX_REASON:
        raise DomainError(f"Keep the reason under {MAX_REASON} characters.")
    now = request.services.clock.now()
    with request.services.work() as session:
        pilot = channel_pilot(session, request)
        assert pilot.id is not None
        require_editor(session, pilot, request.user_id, "snooze a flag's escalation")
        flag = flag_by_number(session=session, pilot_id=pilot.id, number=number, lock=True)
        timer = None if flag is None or flag.id is None else _locked_timer(session, flag.id)
        if flag is None or timer is None:
            raise Refusal(f"There is no {flag_ref(number)} in this pilot's issue log.")
        policy, state = policy_of(timer), state_of(timer, flag, pilot)
        halted = state.halted(policy)
        if halted is not None:
            raise Refusal(f"{flag_ref(number)}'s escalation is over ({halted}): nothing to snooze.")
        state.snooze(span)  # checks the length
        snooze = add_snooze(
            session=session, row=timer, span=span, user_id=request.user_id, reason=reason, at=now
        )
        refresh_next(row=timer, flag=flag, pilot=pilot)
        log_change(
            session=session,
            pilot_id=pilot.id,
            user_id=request.user_id,
            kind="snooze",
            summary=f"Snoozed {flag_ref(number)}'s escalation by {snooze.minutes} min.",
            reason=reason,
            at=now,
        )
        facts = facts_of(flag, pilot)
        next_due = next_deadline(
            policy, flag.raised_at, state_of(timer, flag, pilot), plan_of(pilot)
        )
        what = SnoozeFacts(request.user_id, span, reason, now)
        answer, line = snoozed_reply(facts, what, next_due)
        owe_flag_line(
            session=session,
            pilot=pilot,
            flag=flag,
            step=f"snoozed:{snooze.id}",
            message=line.message(),
            now=now,
        )
    return answer


def _locked_timer(session: Session, flag_id: int) -> FlagEscalation | None:
    return session.exec(
        select(FlagEscalation).where(FlagEscalation.flag_id == flag_id).with_for_update()
    ).first()


# ----- for /pilot flag F-3 and /pilot flags ---------------------------------------------------


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
    ids = [flag.id for flag in flags if flag.id is not None]
    timers = {
        row.flag_id: row
        for row in session.exec(
            select(FlagEscalation).where(col(FlagEscalation.flag_id).in_(ids))
        ).all()
    }
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
    rows = session.exec(
        select(OutboxMessage).where(
            OutboxMessage.pilot_id == flag.pilot_id,
            col(OutboxMessage.key).startswith(prefix),
            col(OutboxMessage.status).in_((FAILED, SKIPPED)),
        )
    ).all()
    notes: dict[EscalationStep, list[str]] = {}
    for row in rows:
        parts = row.key.split(":")
        step = EscalationStep(int(parts[2].removeprefix("s")))
        what = f"DM to <@{parts[3]}>" if len(parts) > 3 else "thread line"
        why = row.last_error if row.status == FAILED else row.skipped_reason
        notes.setdefault(step, []).append(f"{what} {row.status}: {why}")
    return {step: "; ".join(found) for step, found in notes.items()}
