"""What the team, scope, risks, criteria and change routes share: finding the channel's
pilot, the editing rule, and answering a bad input with the command's usage."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlmodel import Session

from bot import blocks
from bot.blocks import Reply
from bot.core.authority import PLAN_EDITORS, may_change_plan
from bot.core.errors import DomainError
from bot.core.grammar import CommandSpec
from storage.models import Pilot
from storage.pilots import pilot_for_channel
from storage.team import roles_of

if TYPE_CHECKING:
    from handlers.commands import CommandRequest

Route = Callable[["CommandRequest"], Reply | None]


class Refusal(DomainError):
    """Well-formed input that is refused: answered without the command's usage."""


class NoPilot(Refusal):
    """The channel has no pilot: answered with how to create one."""

    def __init__(self) -> None:
        super().__init__(blocks.no_pilot_reply().text)


class NotAllowed(Refusal):
    """The user may read but not change this pilot's plan."""

    def __init__(self, action: str) -> None:
        super().__init__(
            f"Only {PLAN_EDITORS} may {action}. Ask one of them, or ask them to add you"
            " to the team with `/pilot team add`."
        )


def channel_pilot(session: Session, request: CommandRequest) -> Pilot:
    pilot = pilot_for_channel(
        session=session, workspace=request.workspace, channel_id=request.channel_id
    )
    if pilot is None:
        raise NoPilot()
    return pilot


def require_editor(session: Session, pilot: Pilot, user_id: str, action: str) -> None:
    assert pilot.id is not None
    roles = roles_of(session=session, pilot_id=pilot.id, user_id=user_id)
    if not may_change_plan(user_id=user_id, owner_id=pilot.owner_id, roles=roles):
        raise NotAllowed(action)


def answers_with_usage(spec: CommandSpec) -> Callable[[Route], Route]:
    """Turn a DomainError raised before the route answers into one ephemeral line plus the
    command's usage; refusals and "no pilot here" are answered without it."""

    def wrap(route: Route) -> Route:
        @functools.wraps(route)
        def answer(request: CommandRequest) -> Reply | None:
            try:
                return route(request)
            except Refusal as error:
                return Reply(error.message, [blocks.section(error.message)])
            except DomainError as error:
                return blocks.usage_reply(error.message, spec.usage)

        return answer

    return wrap
