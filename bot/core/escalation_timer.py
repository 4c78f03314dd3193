"""A flag's escalation as a timer: where it stands (the last step done, snoozes, an
acknowledgement), which steps are due at ``now`` and when the next one is. A snooze
delays every remaining step by its length, on the policy's clock.

Pure: the caller says what ``now`` is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from bot.core.errors import DomainError
from bot.core.escalation import LAST_STEP, EscalationStep
from bot.core.escalation_policy import MIN_DELAY, EscalationPolicy, advance
from bot.core.localtime import require_aware
from bot.core.plan import Plan
from bot.core.spans import describe_span

MAX_SNOOZE = timedelta(days=14)
# A step sent later than this after its deadline says so (the tick runs every 20 s,
# so only downtime, a Slack outage or a busy process makes one this late).
LATE_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class EscalationState:
    """Where one flag's escalation stands (stored on the flag)."""

    last_step: EscalationStep | None = None  # the last step done; None before the first
    snoozed: timedelta = timedelta(0)  # every snooze so far, on the policy's clock
    acknowledged: bool = False
    resolved: bool = False
    pilot_ended: bool = False

    def halted(self, policy: EscalationPolicy) -> str | None:
        """Why no further step will go out, or None while the path runs."""
        if self.resolved:
            return "resolved"
        if self.pilot_ended:
            return "the pilot ended"
        if self.acknowledged and policy.ack_pauses:
            return "paused by the acknowledgement (ack_pauses_escalation=yes)"
        if self.last_step is LAST_STEP:
            return "every step is done"
        return None

    @property
    def remaining(self) -> tuple[EscalationStep, ...]:
        if self.last_step is None:
            return tuple(EscalationStep)
        return self.last_step.later

    def done(self, step: EscalationStep) -> EscalationState:
        return replace(self, last_step=step)

    def snooze(self, span: timedelta) -> EscalationState:
        if not MIN_DELAY <= span <= MAX_SNOOZE:
            raise DomainError(
                f"Snooze for 1 minute to {MAX_SNOOZE.days} days, not {describe_span(span)}."
            )
        return replace(self, snoozed=self.snoozed + span)


@dataclass(frozen=True)
class DueStep:
    step: EscalationStep
    due_at: datetime  # UTC

    def late_by(self, now: datetime) -> timedelta:
        return max(timedelta(0), now - self.due_at)

    def is_late(self, now: datetime) -> bool:
        return self.late_by(now) > LATE_AFTER


def deadline(
    policy: EscalationPolicy,
    step: EscalationStep,
    raised_at: datetime,
    state: EscalationState,
    plan: Plan,
) -> datetime:
    """When ``step`` is due (UTC). The technical team is told at once, whatever the hours."""
    require_aware(raised_at, "raised_at")
    if step is EscalationStep.TECHNICAL_TEAM:
        return raised_at.astimezone(UTC)
    return advance(raised_at, policy.due_after(step) + state.snoozed, policy, plan)


def upcoming(
    policy: EscalationPolicy, raised_at: datetime, state: EscalationState, plan: Plan
) -> list[DueStep]:
    """Every step still to come, with its due time; [] once the path is halted."""
    if state.halted(policy) is not None:
        return []
    return [
        DueStep(step, deadline(policy, step, raised_at, state, plan)) for step in state.remaining
    ]


def due_steps(
    policy: EscalationPolicy,
    raised_at: datetime,
    state: EscalationState,
    now: datetime,
    plan: Plan,
) -> list[DueStep]:
    """The steps due at ``now`` (inclusive), in order: overdue ones too, each once."""
    require_aware(now, "now")
    return [due for due in upcoming(policy, raised_at, state, plan) if due.due_at <= now]


def next_deadline(
    policy: EscalationPolicy, raised_at: datetime, state: EscalationState, plan: Plan
) -> DueStep | None:
    """The next step to go out, or None when none will (resolved, paused, all done)."""
    steps = upcoming(policy, raised_at, state, plan)
    return steps[0] if steps else None
