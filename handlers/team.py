"""`/pilot team`, `/pilot team add @user role`, `/pilot team remove @user role`."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import IntegrityError

from bot.blocks import Reply
from bot.blocks.team import member_added_reply, member_removed_reply, team_reply
from bot.core.errors import DomainError, Refusal
from bot.core.grammar import parse_user_id
from bot.core.roles import Role
from bot.features.access import require_editor
from handlers.answers import slack_error_code
from handlers.editing import channel_pilot
from storage.db import unit_of_work
from storage.models import TeamMember
from storage.team import holders, log_change, organisations_of, team_of

if TYPE_CHECKING:
    from handlers.commands import CommandRequest

log = logging.getLogger(__name__)

# users.info answers these for an id that is not (or no longer) a person in the workspace.
_NOT_A_USER = frozenset({"user_not_found", "user_not_visible", "invalid_user"})


def team_command(request: CommandRequest) -> Reply | None:
    with unit_of_work(request.services.engine) as session:
        pilot = channel_pilot(session, request)
        assert pilot.id is not None
        return team_reply(
            pilot.name,
            holders(session=session, pilot_id=pilot.id),
            owner_id=pilot.owner_id,
            organisations=organisations_of(session=session, pilot_id=pilot.id),
        )


def team_add(request: CommandRequest) -> Reply | None:
    user_id, role = _member_and_role(request)
    with unit_of_work(request.services.engine) as session:
        pilot = channel_pilot(session, request)
        require_editor(
            session=session, pilot=pilot, user_id=request.user_id, action="change the team"
        )
        assert pilot.id is not None
        if (user_id, role) in holders(session=session, pilot_id=pilot.id):
            raise Refusal(f"<@{user_id}> is already {role.display_name.lower()}.")
    # Checked after the cheap refusals: one Web API call, well inside the 3 s ack window.
    their_team = _check_is_person(request, user_id)
    external = their_team if their_team and their_team != request.workspace.team_id else ""
    now = request.services.clock.now()
    try:
        with unit_of_work(request.services.engine) as session:
            pilot = channel_pilot(session, request)
            assert pilot.id is not None
            session.add(
                TeamMember(
                    pilot_id=pilot.id,
                    user_id=user_id,
                    role=role.value,
                    added_by=request.user_id,
                    added_at=now,
                    user_team_id=external,
                )
            )
            log_change(
                session=session,
                pilot_id=pilot.id,
                user_id=request.user_id,
                kind="team",
                summary=f"Added <@{user_id}> as {role.display_name.lower()}.",
                at=now,
            )
            session.flush()
            return member_added_reply(user_id, role, holders(session=session, pilot_id=pilot.id))
    except IntegrityError:
        # Someone added the same person and role a moment earlier.
        raise Refusal(f"<@{user_id}> is already {role.display_name.lower()}.") from None


def team_remove(request: CommandRequest) -> Reply | None:
    user_id, role = _member_and_role(request)
    with unit_of_work(request.services.engine) as session:
        pilot = channel_pilot(session, request)
        require_editor(
            session=session, pilot=pilot, user_id=request.user_id, action="change the team"
        )
        assert pilot.id is not None
        members = team_of(session=session, pilot_id=pilot.id)
        row = next((m for m in members if m.user_id == user_id and m.role == role.value), None)
        if row is None:
            held = [Role(m.role).value for m in members if m.user_id == user_id]
            has = f"They hold: {', '.join(held)}." if held else "They are not on the team."
            raise Refusal(f"<@{user_id}> is not {role.display_name.lower()}. {has}")
        session.delete(row)
        log_change(
            session=session,
            pilot_id=pilot.id,
            user_id=request.user_id,
            kind="team",
            summary=f"Removed <@{user_id}> as {role.display_name.lower()}.",
            at=request.services.clock.now(),
        )
        session.flush()
        return member_removed_reply(user_id, role, holders(session=session, pilot_id=pilot.id))


def _member_and_role(request: CommandRequest) -> tuple[str, Role]:
    mention = request.parsed.args["user"]
    user_id = parse_user_id(mention)
    if user_id is None:
        raise DomainError(f"Name the person with an @-mention; `{mention}` is not one.")
    return user_id, Role.parse(request.parsed.rest)


def _check_is_person(request: CommandRequest, user_id: str) -> str:
    """The person's own organisation (team id), once ``users.info`` says they are a person."""
    try:
        answer = request.client.users_info(user=user_id)
    except SlackApiError as error:
        code = slack_error_code(error)
        if code in _NOT_A_USER:
            raise DomainError(f"{user_id} is not a user in this workspace.") from None
        raise
    user = answer.get("user") or {}
    if user.get("deleted"):
        raise Refusal(f"<@{user_id}> is deactivated; add someone active.")
    if user.get("is_bot"):
        raise Refusal(f"<@{user_id}> is a bot; pilot roles are for people.")
    return str(user.get("team_id") or "")
