"""Pilot rows: small keyword-only queries; the caller's unit of work commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Row, bindparam, case
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select
from sqlmodel.sql.expression import SelectOfScalar

from bot.core.cadence import next_due
from bot.core.lifecycle import PilotState
from bot.core.plan import PLAN_CACHE, Plan
from storage.models import Pilot
from storage.scope import Workspace


class ChannelHasLivePilot(Exception):
    """Another live pilot took the channel meanwhile (the database's one-per-channel rule)."""


def add_pilot(*, session: Session, pilot: Pilot) -> Pilot:
    """Insert ``pilot``; ChannelHasLivePilot if its channel has a live one already (two
    creates racing: the create's own check saw none)."""
    try:
        with session.begin_nested():
            session.add(pilot)
            session.flush()
    except IntegrityError as error:
        if "uq_pilot_live_channel" in str(error) or "pilot.team_id, pilot.channel_id" in str(error):
            raise ChannelHasLivePilot(pilot.channel_id) from error
        raise
    return pilot


def pilot_for_channel(*, session: Session, workspace: Workspace, channel_id: str) -> Pilot | None:
    """The channel's pilot; an ended one only if no other has replaced it."""
    rows = session.exec(
        select(Pilot)
        .where(
            Pilot.team_id == workspace.team_id,
            Pilot.channel_id == channel_id,
        )
        .order_by(col(Pilot.id).desc())
    ).all()
    live = [row for row in rows if row.state != PilotState.ENDED]
    return live[0] if live else (rows[0] if rows else None)


def pilot_by_id(*, session: Session, pilot_id: int) -> Pilot | None:
    """The pilot a job or an owed row names (any workspace: they carry no request's)."""
    return session.get(Pilot, pilot_id)


def pilot_in(*, session: Session, workspace: Workspace, pilot_id: int) -> Pilot | None:
    """The pilot a button or a modal names, only if it is in ``workspace``."""
    pilot = session.get(Pilot, pilot_id)
    if pilot is None or pilot.team_id != workspace.team_id:
        return None
    return pilot



def pilots_in_workspace(*, session: Session, workspace: Workspace) -> Sequence[Pilot]:
    return session.exec(
        select(Pilot)
        .where(Pilot.team_id == workspace.team_id)
        .order_by(col(Pilot.start_date), col(Pilot.id))
    ).all()


# The columns a Plan is made of, in the order _cached_plan takes them.
PLAN_COLUMNS = (
    "name",
    "customer",
    "pilot_type",
    "start_date",
    "weeks",
    "ramp",
    "tz",
    "checkin_time",
    "review_weekday",
    "review_time",
    "holiday_country",
    "skip_dates",
    "checkins_from",
    "reminder_time",
    "evaluation_weeks",
    "override",
)


def plan_of(pilot: Pilot | Row[Any]) -> Plan:
    """The domain plan a stored pilot (an ORM row or a Core row) describes."""
    return _cached_plan(*(getattr(pilot, column) for column in PLAN_COLUMNS))


@lru_cache(maxsize=PLAN_CACHE)
def _cached_plan(
    name: str,
    customer: str,
    pilot_type: str,
    start: date,
    weeks: int,
    ramp: str,
    tz: str,
    checkin: time,
    review_weekday: int,
    review_time: time,
    holiday_country: str | None,
    skip_dates: str,
    checkins_from: str,
    reminder: time | None,
    evaluation_weeks: int,
    override: bool,
) -> Plan:
    # Plans are immutable values, so one built from the same columns can be shared:
    # status, the tick and the Home tab stop re-parsing and re-validating them.
    return Plan.create(
        name=name,
        customer=customer,
        pilot_type=pilot_type,
        start=start,
        weeks=weeks,
        ramp=ramp,
        tz=tz,
        checkin=checkin,
        review_weekday=review_weekday,
        review_time=review_time,
        holiday_country=holiday_country,
        skip_dates=[date.fromisoformat(d) for d in skip_dates.split(",") if d],
        checkins_from=checkins_from,
        reminder=reminder,
        evaluation_weeks=evaluation_weeks,
        override=override,
    )


_pilot = Pilot.__table__.c  # type: ignore[attr-defined]
# Built once: the status path runs it on every `/pilot status`, so it skips the ORM
# (no session, no identity map, no commit for a read) and reuses SQLAlchemy's
# compiled-statement cache. Live pilots first, then the newest.
_CHANNEL_PILOT = (
    sa_select(
        _pilot.id,
        _pilot.state,
        _pilot.refused_count,
        *(getattr(_pilot, c) for c in PLAN_COLUMNS),
    )
    .where(
        _pilot.team_id == bindparam("team_id"),
        _pilot.channel_id == bindparam("channel_id"),
    )
    .order_by(case((_pilot.state == PilotState.ENDED, 1), else_=0), _pilot.id.desc())
    .limit(1)
)


def channel_pilot_view(
    *, connection: Connection, workspace: Workspace, channel_id: str
) -> Row[Any] | None:
    """The channel's pilot as a read-only row (id, state and the plan columns)."""
    return connection.execute(
        _CHANNEL_PILOT,
        {"team_id": workspace.team_id, "channel_id": channel_id},
    ).first()


def pilot_from_plan(plan: Plan, *, workspace: Workspace, channel_id: str, owner_id: str) -> Pilot:
    """A new row for ``plan`` in ``channel_id``, owned by ``owner_id``."""
    return Pilot(
        team_id=workspace.team_id,
        enterprise_id=workspace.enterprise_id,
        channel_id=channel_id,
        owner_id=owner_id,
        name=plan.name,
        customer=plan.customer,
        pilot_type=str(plan.pilot_type),
        start_date=plan.start,
        weeks=plan.weeks,
        ramp=plan.ramp.name,
        tz=plan.tz,
        checkin_time=plan.checkin,
        review_weekday=plan.review_weekday,
        review_time=plan.review_time,
        holiday_country=plan.holiday_country,
        skip_dates=",".join(sorted(d.isoformat() for d in plan.skip_dates)),
        checkins_from=str(plan.checkins_from),
        reminder_time=plan.reminder,
        evaluation_weeks=plan.evaluation_weeks,
        override=plan.override,
    )


# ----- the scheduler's view of pilots --------------------------------------------------------

# next_due_at of a pilot whose cadence is over: far in the future, so the tick's
# indexed query never reads it again (NULL means "not scheduled yet": see due_pilot_ids).
NOTHING_OWED = datetime(9999, 12, 31, tzinfo=UTC)
SCHEDULED_STATES = (PilotState.ACTIVE, PilotState.PAUSED)  # paused too: to record what they skip


def refresh_next_due(session: Session, pilot: Pilot, now: datetime) -> datetime | None:
    """Reschedule a pilot after it was created or changed (plan, settings, pause, resume).

    Nothing due before ``now`` is owed because of the change, but what was already
    due and not yet picked up by the tick stays owed. Call it in the same unit of
    work as the change; the tick also schedules pilots whose ``next_due_at`` is NULL.
    """
    if pilot.state not in SCHEDULED_STATES:
        pilot.next_due_at = None
    else:
        since = now if pilot.next_due_at is None else min(pilot.next_due_at, now)
        due = next_due(plan_of(pilot), since)
        pilot.next_due_at = due.due_at_utc if due is not None else NOTHING_OWED
    session.add(pilot)
    return pilot.next_due_at


def due_pilots_statement(now: datetime) -> SelectOfScalar[int] | SelectOfScalar[None]:
    """The tick's query. No ORDER BY: that would make the database walk the whole index."""
    return select(Pilot.id).where(
        or_(col(Pilot.next_due_at) <= now, col(Pilot.next_due_at).is_(None)),
        col(Pilot.state).in_(SCHEDULED_STATES),
    )


def due_pilot_ids(*, session: Session, now: datetime) -> list[int]:
    """Pilots the tick must look at: scheduled ones whose next communication is due.

    Searches the ``next_due_at`` index only (plus the few never-scheduled NULL rows),
    so a tick with nothing due costs the same at 100 pilots or 10,000.
    """
    return sorted(i for i in session.exec(due_pilots_statement(now)).all() if i is not None)


def lock_pilots(*, session: Session, pilot_ids: Sequence[int]) -> Sequence[Pilot]:
    """These pilots, locked for the tick's transaction, in id order.

    SKIP LOCKED (PostgreSQL): a second scheduler ticking the same pilots right now
    leaves them to the first. Without it (SQLite) the outbox's unique keys still
    make the second one's inserts no-ops.
    """
    return session.exec(
        select(Pilot)
        .where(col(Pilot.id).in_(pilot_ids))
        .order_by(col(Pilot.id))
        .with_for_update(skip_locked=True)
    ).all()


def set_next_due(*, session: Session, pilot: Pilot, at: datetime) -> None:
    """The tick moved the pilot on: its next communication is due ``at``."""
    pilot.next_due_at = at
    session.add(pilot)


def scheduled_pilots(*, session: Session) -> Sequence[Pilot]:
    """Every active or paused pilot, in every workspace (for `pilot-bot agenda`)."""
    return session.exec(
        select(Pilot)
        .where(col(Pilot.state).in_(SCHEDULED_STATES))
        .order_by(col(Pilot.team_id), col(Pilot.channel_id), col(Pilot.id))
    ).all()
