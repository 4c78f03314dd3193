"""What every owed outbox row starts from, and how one is recorded as skipped."""

from __future__ import annotations

from datetime import datetime

from bot.core.cadence import Due
from bot.core.plan import Plan
from storage.models import OutboxMessage, Pilot
from storage.outbox import SKIPPED


def new_message(pilot: Pilot, due: Due, now: datetime, *, useful_until: datetime) -> OutboxMessage:
    """A row for ``due`` in the pilot's channel, without its payload yet."""
    assert pilot.id is not None
    return OutboxMessage(
        pilot_id=pilot.id,
        key=due.key,
        kind=due.kind.value,
        team_id=pilot.team_id,
        enterprise_id=pilot.enterprise_id,
        channel_id=pilot.channel_id,
        due_at=due.due_at_utc,
        useful_until=useful_until,
        created_at=now,
    )


def skipped(message: OutboxMessage, reason: str) -> OutboxMessage:
    message.status = SKIPPED
    message.skipped_reason = reason
    message.next_attempt_at = None
    return message


def local_label(instant: datetime, plan: Plan) -> str:
    """ "09:30 EST Tue Dec 15", in the pilot's zone."""
    local = instant.astimezone(plan.zone)
    return f"{local:%H:%M %Z} {local:%a %b} {local.day}"


def downtime_reason(due: Due, now: datetime, plan: Plan, what: str) -> str:
    return (
        f"the bot was down from {local_label(due.due_at, plan)} until {local_label(now, plan)};"
        f" the {what}'s day was over"
    )
