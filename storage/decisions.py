"""Ramp steps confirmed applied, review checklists as last ticked, and go / no-go
decisions, each made once (two clicks at once: one wins), and the hold a phase No-go puts
on the ramp (read with `/pilot status`'s record, storage/status.py).

Keyword-only queries that take the session; the caller's unit of work commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel, col, select

from bot.core.traffic import Confirmation, Hold
from storage.models import ChecklistTick, PilotDecision, RampConfirmation
from storage.status import record_changed
from storage.status_record import status_record


def confirm_ramp(
    *, session: Session, pilot_id: int, week: int, pct: int, user_id: str, at: datetime
) -> bool:
    """Record week ``week``'s step as applied; False if someone confirmed it first."""
    return _insert_once(
        session,
        RampConfirmation(
            pilot_id=pilot_id, week=week, pct=pct, confirmed_by=user_id, confirmed_at=at
        ),
        ["pilot_id", "week"],
    )


def confirmation_of(*, session: Session, pilot_id: int, week: int) -> RampConfirmation | None:
    return session.exec(
        select(RampConfirmation).where(
            RampConfirmation.pilot_id == pilot_id, RampConfirmation.week == week
        )
    ).first()


def confirmations_of(*, session: Session, pilot_id: int, as_of: datetime) -> list[Confirmation]:
    rows = session.exec(
        select(RampConfirmation)
        .where(RampConfirmation.pilot_id == pilot_id, col(RampConfirmation.confirmed_at) <= as_of)
        .order_by(col(RampConfirmation.week))
    ).all()
    return [Confirmation(r.week, r.pct, r.confirmed_by, r.confirmed_at) for r in rows]


# ----- checklists -------------------------------------------------------------------------


def checklist_of(*, session: Session, pilot_id: int, checklist: str) -> dict[str, ChecklistTick]:
    rows = session.exec(
        select(ChecklistTick).where(
            ChecklistTick.pilot_id == pilot_id, ChecklistTick.checklist == checklist
        )
    ).all()
    return {row.item: row for row in rows}


def tick_checklist(
    *,
    session: Session,
    pilot_id: int,
    checklist: str,
    items: Sequence[str],
    checked: Iterable[str],
    user_id: str,
    at: datetime,
) -> list[str]:
    """Set ``items`` ticked (those in ``checked``) or not; returns the items that changed."""
    ticked = set(checked)
    current = checklist_of(session=session, pilot_id=pilot_id, checklist=checklist)
    changed = []
    for item in items:
        row = current.get(item)
        wanted = item in ticked
        if row is None:
            row = ChecklistTick(pilot_id=pilot_id, checklist=checklist, item=item, user_id=user_id)
        elif row.checked == wanted:
            continue
        row.checked, row.user_id, row.at = wanted, user_id, at
        session.add(row)
        changed.append(item)
    session.flush()
    return changed


# ----- go / no-go decisions -----------------------------------------------------------------


def decision_of(*, session: Session, pilot_id: int, subject: str) -> PilotDecision | None:
    return session.exec(
        select(PilotDecision).where(
            PilotDecision.pilot_id == pilot_id, PilotDecision.subject == subject
        )
    ).first()


def record_decision(*, session: Session, decision: PilotDecision) -> bool:
    """Store a decision unless one was made on the subject already (two clicks: one wins)."""
    return _insert_once(session, decision, ["pilot_id", "subject"])


def ramp_hold(*, session: Session, pilot_id: int, as_of: datetime) -> Hold | None:
    """The hold a phase No-go put on the ramp, unless a change was approved since."""
    return status_record(connection=session.connection(), pilot_id=pilot_id, as_of=as_of).hold


def _insert_once(session: Session, row: SQLModel, unique: list[str]) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING on ``unique``: True if this call inserted the row."""
    table: Any = type(row)
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(**row.model_dump(exclude={"id"}))
        .on_conflict_do_nothing(index_elements=unique)
        .returning(table.id)
    )
    if session.exec(statement).first() is None:
        return False
    record_changed(session, row.pilot_id)  # type: ignore[attr-defined]
    return True
