"""The pilot's written record: scope boundaries, the Phase 2 bucket, success criteria
and change requests. Keyword-only queries; the caller's unit of work commits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, SQLModel, col, select

from bot.core.boundaries import Boundary
from bot.core.changes import ChangeStatus
from storage.counters import allocate_number
from storage.models import (
    ChangeRequest,
    DeferredRequest,
    Pilot,
    ScopeBoundary,
    SuccessCriterion,
)
from storage.pilots import plan_of, refresh_next_due
from storage.scope import Workspace
from storage.status import record_changed

# ----- scope -----------------------------------------------------------------------------


def scope_of(*, session: Session, pilot_id: int) -> dict[Boundary, str]:
    rows = session.exec(select(ScopeBoundary).where(ScopeBoundary.pilot_id == pilot_id)).all()
    return {Boundary(row.key): row.value for row in rows if row.value}


def set_scope(
    *, session: Session, pilot_id: int, values: Mapping[Boundary, str], user_id: str, at: datetime
) -> None:
    """Set (or, with an empty value, clear) some boundaries."""
    rows = {
        row.key: row
        for row in session.exec(select(ScopeBoundary).where(ScopeBoundary.pilot_id == pilot_id))
    }
    for boundary, value in values.items():
        row = rows.get(boundary.value)
        if row is None:
            if not value:
                continue
            row = ScopeBoundary(pilot_id=pilot_id, key=boundary.value, value=value, set_by=user_id)
        elif not value:
            session.delete(row)
            continue
        row.value, row.set_by, row.set_at = value, user_id, at
        session.add(row)
    session.flush()


def deferred_of(*, session: Session, pilot_id: int) -> Sequence[DeferredRequest]:
    return session.exec(
        select(DeferredRequest)
        .where(DeferredRequest.pilot_id == pilot_id)
        .order_by(col(DeferredRequest.number))
    ).all()


def defer_request(
    *, session: Session, pilot_id: int, request: str, user_id: str, at: datetime
) -> DeferredRequest:
    row = DeferredRequest(
        pilot_id=pilot_id,
        number=next_number(session, DeferredRequest, pilot_id),
        request=request,
        requested_by=user_id,
        requested_at=at,
    )
    session.add(row)
    session.flush()
    return row


# ----- success criteria ------------------------------------------------------------------


def criteria_of(*, session: Session, pilot_id: int) -> Sequence[SuccessCriterion]:
    """The current criteria, in number order."""
    return session.exec(
        select(SuccessCriterion)
        .where(SuccessCriterion.pilot_id == pilot_id, col(SuccessCriterion.removed_at).is_(None))
        .order_by(col(SuccessCriterion.number))
    ).all()


def add_criterion(
    *, session: Session, pilot_id: int, name: str, target: str, user_id: str, at: datetime
) -> SuccessCriterion:
    row = SuccessCriterion(
        pilot_id=pilot_id,
        number=next_number(session, SuccessCriterion, pilot_id),
        name=name,
        target=target,
        added_by=user_id,
        added_at=at,
    )
    session.add(row)
    session.flush()
    return row


def criterion_by_number(*, session: Session, pilot_id: int, number: int) -> SuccessCriterion | None:
    """C-<number>, removed or not."""
    return session.exec(
        select(SuccessCriterion).where(
            SuccessCriterion.pilot_id == pilot_id, SuccessCriterion.number == number
        )
    ).first()


def remove_criterion(
    *, session: Session, criterion: SuccessCriterion, user_id: str, at: datetime
) -> None:
    criterion.removed_by, criterion.removed_at = user_id, at
    session.add(criterion)
    session.flush()


# ----- change requests -------------------------------------------------------------------


def add_change_request(*, session: Session, request: ChangeRequest) -> ChangeRequest:
    """Store a new request; its number (CH-n) is the pilot's next."""
    request.number = next_number(session, ChangeRequest, request.pilot_id)
    session.add(request)
    session.flush()
    return request


def change_request_by_id(*, session: Session, request_id: int) -> ChangeRequest | None:
    return session.get(ChangeRequest, request_id)


def change_request_in(
    *, session: Session, workspace: Workspace, change_id: int
) -> tuple[ChangeRequest, Pilot] | None:
    """The request with this id and its pilot, only if the pilot is in ``workspace``."""
    row = session.exec(
        select(ChangeRequest, Pilot)
        .join(Pilot, col(Pilot.id) == col(ChangeRequest.pilot_id))
        .where(
            ChangeRequest.id == change_id,
            Pilot.team_id == workspace.team_id,
        )
    ).first()
    return (row[0], row[1]) if row else None


def change_requests_of(*, session: Session, pilot_id: int) -> Sequence[ChangeRequest]:
    return session.exec(
        select(ChangeRequest)
        .where(ChangeRequest.pilot_id == pilot_id)
        .order_by(col(ChangeRequest.number))
    ).all()


def decide_change(
    *,
    session: Session,
    request: ChangeRequest,
    status: ChangeStatus,
    user_id: str,
    role: str,
    at: datetime,
) -> bool:
    """Record the decision unless someone decided first; False when the request was not
    pending any more. The conditional UPDATE makes two simultaneous clicks decide once."""
    result = session.execute(
        update(ChangeRequest)
        .where(
            col(ChangeRequest.id) == request.id,
            col(ChangeRequest.status) == ChangeStatus.PENDING.value,
        )
        .values(status=status.value, decided_by=user_id, decider_role=role, decided_at=at)
    )
    session.refresh(request)
    if getattr(result, "rowcount", 0) != 1:
        return False
    record_changed(session, request.pilot_id)  # an approval can lift the ramp's hold
    return True


# ----- numbering -------------------------------------------------------------------------


def next_number(session: Session, table: type[SQLModel], pilot_id: int) -> int:
    """The next per-pilot number (R-n, C-n, CH-n, ...) of a table with a ``number`` column.

    One upsert on the pilot's counter row: the first write of the transaction, so it
    holds the row (PostgreSQL) or the database's write lock (SQLite) until the caller
    commits, and two people adding at once never get the same number. Removed rows
    keep theirs, so a number is never handed out twice.
    """
    name = str(table.__tablename__)
    return allocate_number(session=session, pilot_id=pilot_id, name=name)


def apply_change(
    *, session: Session, pilot: Pilot, proposal: Mapping[str, Any], user_id: str, at: datetime
) -> None:
    """Make an approved (or, before the start, a direct) change: the plan columns it
    names, or the scope boundaries; then reschedule the pilot's cadence."""
    assert pilot.id is not None
    if "scope" in proposal:
        values = {Boundary(k): str(v) for k, v in proposal["scope"].items()}
        set_scope(session=session, pilot_id=pilot.id, values=values, user_id=user_id, at=at)
        return
    if "ramp" in proposal:
        pilot.ramp = str(proposal["ramp"])
    if "weeks" in proposal:
        pilot.weeks = int(proposal["weeks"])
    if "override" in proposal:
        pilot.override = bool(proposal["override"])
    pilot.updated_at = at
    plan_of(pilot)  # still a well-formed plan, or PlanError before anything is committed
    refresh_next_due(session, pilot, at)
