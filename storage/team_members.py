"""Adding and removing a team member's role (storage/team.py reads the team)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.core.roles import Role
from storage.models import TeamMember


class AlreadyHeld(Exception):
    """The person holds that role already (someone added it a moment earlier)."""


def add_member(
    *,
    session: Session,
    pilot_id: int,
    user_id: str,
    role: Role,
    added_by: str,
    at: datetime,
    user_team_id: str = "",
) -> TeamMember:
    """Give ``user_id`` ``role`` on the pilot; AlreadyHeld if they hold it (the unit of
    work is then spoilt, and rolls back as the error leaves it)."""
    row = TeamMember(
        pilot_id=pilot_id,
        user_id=user_id,
        role=role.value,
        added_by=added_by,
        added_at=at,
        user_team_id=user_team_id,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise AlreadyHeld(user_id) from None
    return row


def remove_member(*, session: Session, member: TeamMember) -> None:
    session.delete(member)
    session.flush()
