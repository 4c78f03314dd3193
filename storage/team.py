"""Team members and the change log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from bot.core.roles import Role
from storage.canvas import owe_canvas_update
from storage.db import touched
from storage.models import ChangeLogEntry, TeamMember, utcnow


def team_of(*, session: Session, pilot_id: int) -> Sequence[TeamMember]:
    return session.exec(
        select(TeamMember).where(TeamMember.pilot_id == pilot_id).order_by(col(TeamMember.id))
    ).all()


def roles_of(*, session: Session, pilot_id: int, user_id: str) -> set[Role]:
    rows = session.exec(
        select(TeamMember.role).where(
            TeamMember.pilot_id == pilot_id, TeamMember.user_id == user_id
        )
    ).all()
    return {Role(role) for role in rows}


def holders(*, session: Session, pilot_id: int) -> list[tuple[str, Role]]:
    return [(m.user_id, Role(m.role)) for m in team_of(session=session, pilot_id=pilot_id)]


def organisations_of(*, session: Session, pilot_id: int) -> dict[str, str]:
    """The members from another Slack organisation, with its team id."""
    return {
        m.user_id: m.user_team_id
        for m in team_of(session=session, pilot_id=pilot_id)
        if m.user_team_id
    }


def log_change(
    *,
    session: Session,
    pilot_id: int,
    user_id: str,
    kind: str,
    summary: str,
    reason: str = "",
    at: datetime | None = None,
) -> ChangeLogEntry:
    """Append to the change log; ``at`` is the service clock's now (default: the wall clock).
    Whatever changed, the pilot's canvas (if it has one) is owed a rewrite."""
    entry = ChangeLogEntry(
        pilot_id=pilot_id, user_id=user_id, kind=kind, summary=summary, reason=reason
    )
    if at is not None:
        entry.at = at
    session.add(entry)
    owe_canvas_update(session=session, pilot_id=pilot_id, now=at or utcnow())
    touched(session, pilot_id)  # what its people's Home tabs show may have changed
    return entry


def change_log(*, session: Session, pilot_id: int) -> Sequence[ChangeLogEntry]:
    return session.exec(
        select(ChangeLogEntry)
        .where(ChangeLogEntry.pilot_id == pilot_id)
        .order_by(col(ChangeLogEntry.at), col(ChangeLogEntry.id))
    ).all()
