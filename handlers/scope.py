"""`/pilot scope`, `/pilot scope set key="..." ...`, `/pilot scope defer "<request>"`
(bot/features/scope.py does the work)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.blocks import Reply
from bot.core.boundaries import boundary_values
from bot.core.errors import DomainError
from bot.core.inputs import parse_page
from bot.features import scope
from handlers.answers import work
from storage.db import unit_of_work

if TYPE_CHECKING:
    from handlers.commands import CommandRequest

MAX_REQUEST_LENGTH = 2000


def scope_command(request: CommandRequest) -> Reply | None:
    page = parse_page(request.parsed.options.get("page"))
    with unit_of_work(request.services.engine) as session:
        return scope.scope_view(
            session=session, now=request.services.clock.now(), where=request.where, page=page
        )


def scope_set(request: CommandRequest) -> Reply | None:
    values = boundary_values(request.parsed.options)
    if not values:
        raise DomainError("Name at least one boundary to set.")
    with work(request.services) as session:
        return scope.set_boundaries(
            session=session,
            now=request.services.clock.now(),
            where=request.where,
            user_id=request.user_id,
            values=values,
        )


def scope_defer(request: CommandRequest) -> Reply | None:
    text = " ".join(request.parsed.rest.split())
    if len(text) > MAX_REQUEST_LENGTH:
        raise DomainError(f"Keep the request under {MAX_REQUEST_LENGTH} characters.")
    with work(request.services, wake=False) as session:
        return scope.defer(
            session=session,
            now=request.services.clock.now(),
            where=request.where,
            user_id=request.user_id,
            text=text,
        )
