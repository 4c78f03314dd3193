"""A flag's escalation in the database: its timer row, the steps taken, the snoozes.

Keyword-only functions that take the session; the caller's unit of work commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.core.escalation import EscalationStep, Recipients, Severity
from bot.core.escalation_policy import EscalationPolicy
from bot.core.escalation_timer import EscalationState, next_deadline
from bot.core.flags import FlagState, flag_ref, parse_flag_ref
from bot.core.lifecycle import PilotState
from bot.core.roles import Role
from storage.models import EscalationSnooze, EscalationStepTaken, Flag, FlagEscalation, Pilot
from storage.outbox_key import OutboxKey
from storage.pilots import plan_of
from storage.settings import settings_of

ESCALATION_KIND = "escalation"  # the outbox kind of every escalation message


@dataclass(frozen=True)
class StepKey:
    """An escalation message's outbox key: "escalation:F-3:s2" (the line in the flag's
    thread), "escalation:F-3:s2:U123" (the DM to U123)."""

    flag_number: int
    step: EscalationStep
    user_id: str = ""  # a DM's recipient

    @classmethod
    def parse(cls, key: str) -> StepKey:
        parts = OutboxKey.parse(key)
        return cls(
            flag_number=parse_flag_ref(parts.part(1)),
            step=EscalationStep(int(parts.part(2).removeprefix("s"))),
            user_id=parts.part(3),
        )

    def __str__(self) -> str:
        key = OutboxKey.of(ESCALATION_KIND, flag_ref(self.flag_number), f"s{int(self.step)}")
        return str(key.then(self.user_id) if self.user_id else key)


def start_escalation(*, session: Session, flag: Flag, pilot: Pilot) -> FlagEscalation:
    """Start ``flag``'s timer under the pilot's current policy for its severity (frozen
    on the flag from now on); its first step is due at once."""
    assert flag.id is not None and pilot.id is not None
    policy = settings_of(pilot).escalation.policy_for(Severity.parse(flag.severity))
    row = FlagEscalation(
        flag_id=flag.id,
        pilot_id=pilot.id,
        policy=policy.encode(),
        next_escalation_at=flag.raised_at,
    )
    session.add(row)
    return row


def escalation_of(*, session: Session, flag_id: int) -> FlagEscalation | None:
    return session.get(FlagEscalation, flag_id)


def due_flag_ids(*, session: Session, now: datetime, limit: int = 1000) -> list[int]:
    """Flags whose next escalation step is due at ``now`` (indexed), earliest first."""
    rows = session.exec(
        select(FlagEscalation.flag_id)
        .where(col(FlagEscalation.next_escalation_at) <= now)
        .order_by(col(FlagEscalation.next_escalation_at), col(FlagEscalation.flag_id))
        .limit(limit)
    ).all()
    return list(rows)


def lock_due(*, session: Session, flag_ids: Sequence[int], now: datetime) -> list[FlagEscalation]:
    """The rows among ``flag_ids`` still due at ``now``, locked for this transaction.

    SKIP LOCKED (PostgreSQL): a second scheduler sweeping the same flags right now
    leaves them to the first. SQLite has one writer at a time, and the unique keys of
    the steps and the outbox make a second sweep's inserts no-ops anyway.
    """
    rows = session.exec(
        select(FlagEscalation)
        .where(col(FlagEscalation.flag_id).in_(flag_ids))
        .order_by(col(FlagEscalation.flag_id))
        .with_for_update(skip_locked=True)
    ).all()
    return [
        row for row in rows if row.next_escalation_at is not None and row.next_escalation_at <= now
    ]


def policy_of(row: FlagEscalation) -> EscalationPolicy:
    return EscalationPolicy.decode(row.policy)


def state_of(row: FlagEscalation, flag: Flag, pilot: Pilot) -> EscalationState:
    return EscalationState(
        last_step=None if row.last_step is None else EscalationStep(row.last_step),
        snoozed=timedelta(minutes=row.snoozed_minutes),
        acknowledged=bool(flag.acknowledged_by),
        resolved=flag.state == FlagState.RESOLVED,
        pilot_ended=pilot.state == PilotState.ENDED,
    )


def refresh_next(*, row: FlagEscalation, flag: Flag, pilot: Pilot) -> None:
    """Set ``next_escalation_at`` (and why nothing more goes out) from the row's state."""
    policy, state = policy_of(row), state_of(row, flag, pilot)
    upcoming = next_deadline(policy, flag.raised_at, state, plan_of(pilot))
    row.next_escalation_at = upcoming.due_at if upcoming is not None else None
    row.stopped = state.halted(policy) or ""


def advance_timer(
    *,
    session: Session,
    row: FlagEscalation,
    flag: Flag,
    pilot: Pilot,
    last_step: EscalationStep | None,
) -> None:
    """The sweep's word on a flag's timer: the last step taken, and when the next is due."""
    row.last_step = None if last_step is None else int(last_step)
    refresh_next(row=row, flag=flag, pilot=pilot)
    session.add(row)


def record_step(
    *, session: Session, flag_id: int, found: Recipients, due_at: datetime, now: datetime
) -> bool:
    """Record that ``found.step`` was taken; False if it already was (a racing sweep)."""
    values: dict[str, Any] = {
        "flag_id": flag_id,
        "step": int(found.step),
        "goes_to": None if found.goes_to is None else int(found.goes_to),
        "users": ",".join(found.users),
        "unassigned": ",".join(role.value for role in found.unassigned),
        "due_at": due_at,
        "taken_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(EscalationStepTaken)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["flag_id", "step"])
        .returning(col(EscalationStepTaken.id))
    )
    return session.exec(statement).first() is not None


def steps_taken(*, session: Session, flag_id: int) -> list[EscalationStepTaken]:
    return list(
        session.exec(
            select(EscalationStepTaken)
            .where(EscalationStepTaken.flag_id == flag_id)
            .order_by(col(EscalationStepTaken.step))
        ).all()
    )


def recipients_of(taken: EscalationStepTaken) -> Recipients:
    return Recipients(
        step=EscalationStep(taken.step),
        goes_to=None if taken.goes_to is None else EscalationStep(taken.goes_to),
        users=tuple(user for user in taken.users.split(",") if user),
        unassigned=tuple(Role(role) for role in taken.unassigned.split(",") if role),
    )


def add_snooze(
    *,
    session: Session,
    row: FlagEscalation,
    span: timedelta,
    user_id: str,
    reason: str,
    at: datetime,
) -> EscalationSnooze:
    snooze = EscalationSnooze(
        flag_id=row.flag_id,
        minutes=int(span.total_seconds() // 60),
        user_id=user_id,
        reason=reason,
        at=at,
    )
    row.snoozed_minutes += snooze.minutes
    session.add(snooze)
    session.add(row)
    return snooze


def snoozes_of(*, session: Session, flag_id: int) -> list[EscalationSnooze]:
    return list(
        session.exec(
            select(EscalationSnooze)
            .where(EscalationSnooze.flag_id == flag_id)
            .order_by(col(EscalationSnooze.at), col(EscalationSnooze.id))
        ).all()
    )


def steps_of_pilot(
    *, session: Session, pilot_id: int, as_of: datetime
) -> list[tuple[int, EscalationStepTaken]]:
    """Every escalation step taken for ``pilot_id``'s flags up to ``as_of``, as
    (flag number, step), in the order they were taken: the issue log's column."""
    rows = session.exec(
        select(col(Flag.number), EscalationStepTaken)
        .join(Flag, col(Flag.id) == col(EscalationStepTaken.flag_id))
        .where(Flag.pilot_id == pilot_id, col(EscalationStepTaken.taken_at) <= as_of)
        .order_by(col(EscalationStepTaken.taken_at), col(EscalationStepTaken.id))
    ).all()
    return [(number, step) for number, step in rows]
