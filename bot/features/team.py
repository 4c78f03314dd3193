"""The pilot's team: read (`/pilot team`), a role added or removed by an editor, each
change in the change log."""

from __future__ import annotations

from datetime import datetime

from bot.blocks import Reply
from bot.blocks.team import member_added_reply, member_removed_reply, team_reply
from bot.core.errors import Refusal
from bot.core.roles import Role
from bot.features.access import Where, editable_pilot, pilot_at
from storage.db import Session
from storage.team import holders, log_change, organisations_of, team_of
from storage.team_members import AlreadyHeld, add_member, remove_member


def team_view(*, session: Session, where: Where) -> Reply:
    pilot = pilot_at(session=session, where=where)
    assert pilot.id is not None
    return team_reply(
        pilot.name,
        holders(session=session, pilot_id=pilot.id),
        owner_id=pilot.owner_id,
        organisations=organisations_of(session=session, pilot_id=pilot.id),
    )


def _already(user_id: str, role: Role) -> Refusal:
    return Refusal(f"<@{user_id}> is already {role.display_name.lower()}.")


def check_add(*, session: Session, where: Where, by: str, user_id: str, role: Role) -> None:
    """The cheap refusals of an addition, before Slack is asked who ``user_id`` is."""
    pilot = editable_pilot(session=session, where=where, user_id=by, action="change the team")
    assert pilot.id is not None
    if (user_id, role) in holders(session=session, pilot_id=pilot.id):
        raise _already(user_id, role)


def add(
    *,
    session: Session,
    now: datetime,
    where: Where,
    by: str,
    user_id: str,
    role: Role,
    external_team: str,
) -> Reply:
    """``user_id`` gets ``role`` (``external_team``: their organisation, if another)."""
    pilot = pilot_at(session=session, where=where)
    assert pilot.id is not None
    try:
        add_member(
            session=session,
            pilot_id=pilot.id,
            user_id=user_id,
            role=role,
            added_by=by,
            at=now,
            user_team_id=external_team,
        )
    except AlreadyHeld:  # someone added the same person and role a moment earlier
        raise _already(user_id, role) from None
    log_change(
        session=session,
        pilot_id=pilot.id,
        user_id=by,
        kind="team",
        summary=f"Added <@{user_id}> as {role.display_name.lower()}.",
        at=now,
    )
    return member_added_reply(user_id, role, holders(session=session, pilot_id=pilot.id))


def remove(
    *, session: Session, now: datetime, where: Where, by: str, user_id: str, role: Role
) -> Reply:
    pilot = editable_pilot(session=session, where=where, user_id=by, action="change the team")
    assert pilot.id is not None
    members = team_of(session=session, pilot_id=pilot.id)
    row = next((m for m in members if m.user_id == user_id and m.role == role.value), None)
    if row is None:
        held = [Role(m.role).value for m in members if m.user_id == user_id]
        has = f"They hold: {', '.join(held)}." if held else "They are not on the team."
        raise Refusal(f"<@{user_id}> is not {role.display_name.lower()}. {has}")
    remove_member(session=session, member=row)
    log_change(
        session=session,
        pilot_id=pilot.id,
        user_id=by,
        kind="team",
        summary=f"Removed <@{user_id}> as {role.display_name.lower()}.",
        at=now,
    )
    return member_removed_reply(user_id, role, holders(session=session, pilot_id=pilot.id))
