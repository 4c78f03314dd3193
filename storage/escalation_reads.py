"""The reads `/pilot flag F-3`, `/pilot flags` and `/pilot snooze` make of flags' escalation
timers and of the escalation messages that did not get through."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlmodel import Session, col, select

from storage.models import FlagEscalation, OutboxMessage
from storage.outbox import FAILED, SKIPPED


def locked_timer(*, session: Session, flag_id: int) -> FlagEscalation | None:
    """A flag's escalation timer, locked for this unit of work (a snooze rewrites it)."""
    return session.exec(
        select(FlagEscalation).where(FlagEscalation.flag_id == flag_id).with_for_update()
    ).first()


def timers_of(*, session: Session, flag_ids: Collection[int]) -> dict[int, FlagEscalation]:
    """The escalation timers of these flags, by flag id (a flag without one is left out)."""
    rows = session.exec(
        select(FlagEscalation).where(col(FlagEscalation.flag_id).in_(list(flag_ids)))
    ).all()
    return {row.flag_id: row for row in rows}


def undelivered_with_prefix(
    *, session: Session, pilot_id: int, key_prefix: str
) -> Sequence[OutboxMessage]:
    """The pilot's owed messages under ``key_prefix`` that Slack refused or were skipped."""
    return session.exec(
        select(OutboxMessage).where(
            OutboxMessage.pilot_id == pilot_id,
            col(OutboxMessage.key).startswith(key_prefix),
            col(OutboxMessage.status).in_((FAILED, SKIPPED)),
        )
    ).all()
