"""`/pilot team`, `/pilot team add @user role`, `/pilot team remove @user role`
(bot/features/team.py does the work; this module asks Slack who a person is)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.blocks import Reply
from bot.core.errors import DomainError, Refusal
from bot.core.grammar import parse_user_id
from bot.core.roles import Role
from bot.features import team
from handlers.answers import slack_error_code, work
from storage.db import unit_of_work

if TYPE_CHECKING:
    from handlers.commands import CommandRequest

log = logging.getLogger(__name__)

# users.info answers these for an id that is not (or no longer) a person in the workspace.
_NOT_A_USER = frozenset({"user_not_found", "user_not_visible", "invalid_user"})


def team_command(request: CommandRequest) -> Reply | None:
    with unit_of_work(request.services.engine) as session:
        return team.team_view(session=session, where=request.where)


def team_add(request: CommandRequest) -> Reply | None:
    user_id, role = _member_and_role(request)
    by = request.user_id
    with unit_of_work(request.services.engine) as session:
        team.check_add(session=session, where=request.where, by=by, user_id=user_id, role=role)
    # Checked after the cheap refusals: one Web API call, well inside the 3 s ack window.
    their_team = _check_is_person(request, user_id)
    external = their_team if their_team and their_team != request.workspace.team_id else ""
    with work(request.services, wake=False) as session:
        return team.add(
            session=session,
            now=request.services.clock.now(),
            where=request.where,
            by=by,
            user_id=user_id,
            role=role,
            external_team=external,
        )


def team_remove(request: CommandRequest) -> Reply | None:
    user_id, role = _member_and_role(request)
    with work(request.services, wake=False) as session:
        return team.remove(
            session=session,
            now=request.services.clock.now(),
            where=request.where,
            by=request.user_id,
            user_id=user_id,
            role=role,
        )


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
