"""`/pilot pause`, `/pilot resume`, `/pilot end` and `/pilot list` (bot/features/lifecycle.py
does the work)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.blocks import Reply
from bot.blocks.lifecycle import list_reply
from bot.features import lifecycle
from bot.features.lifecycle import Asked, Moved
from handlers.answers import work
from storage.db import unit_of_work

if TYPE_CHECKING:
    from handlers.commands import CommandRequest


def _asked(request: CommandRequest, state: str) -> Asked:
    parsed = request.parsed
    return Asked(
        user_id=request.user_id,
        reason=parsed.options.get("reason") or parsed.rest,
        command=parsed.spec.name,
        notice_key=request.once_key(state),
    )


def _answer(request: CommandRequest, moved: Moved) -> Reply | None:
    if moved.answer is not None:
        return moved.answer
    request.ack()  # the notice in the channel is the answer
    return None


def pause_command(request: CommandRequest) -> Reply | None:
    return _moved(request, lifecycle.pause, "paused")


def resume_command(request: CommandRequest) -> Reply | None:
    return _moved(request, lifecycle.resume, "active")


def end_command(request: CommandRequest) -> Reply | None:
    return _moved(request, lifecycle.end, "ended")


def _moved(request: CommandRequest, move: Callable[..., Moved], state: str) -> Reply | None:
    """One of the pilot's moves, in a unit of work; ``state`` names its notice's key."""
    with work(request.services) as session:
        moved = move(
            session=session,
            now=request.services.clock.now(),
            where=request.where,
            asked=_asked(request, state),
        )
    return _answer(request, moved)


def list_command(request: CommandRequest) -> Reply | None:
    with unit_of_work(request.services.engine) as session:
        listed = lifecycle.listed(
            session=session, now=request.services.clock.now(), workspace=request.workspace
        )
    return list_reply(listed)
