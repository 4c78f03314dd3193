"""`/pilot criteria`, `/pilot criteria add "<name>" target="..."`, `/pilot criteria remove C-2`
(bot/features/criteria.py does the work)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.blocks import Reply
from bot.core.errors import DomainError
from bot.core.inputs import parse_page
from bot.core.refs import CRITERION, parse_ref
from bot.features import criteria
from handlers.answers import work
from storage.db import unit_of_work

if TYPE_CHECKING:
    from handlers.commands import CommandRequest

MAX_NAME_LENGTH = 200
MAX_TARGET_LENGTH = 200


def criteria_command(request: CommandRequest) -> Reply | None:
    page = parse_page(request.parsed.options.get("page"))
    with unit_of_work(request.services.engine) as session:
        return criteria.criteria_view(session=session, where=request.where, page=page)


def criteria_add(request: CommandRequest) -> Reply | None:
    name = " ".join(request.parsed.args["name"].split())
    target = " ".join(request.parsed.options.get("target", "").split())
    if not name:
        raise DomainError("Name the criterion.")
    if not target:
        raise DomainError("Give the criterion a target.")
    if len(name) > MAX_NAME_LENGTH or len(target) > MAX_TARGET_LENGTH:
        raise DomainError(f"Keep the name and the target under {MAX_NAME_LENGTH} characters each.")
    with work(request.services, wake=False) as session:
        return criteria.add(
            session=session,
            now=request.services.clock.now(),
            where=request.where,
            user_id=request.user_id,
            name=name,
            target=target,
        )


def criteria_remove(request: CommandRequest) -> Reply | None:
    number = parse_ref(request.parsed.args["criterion"], CRITERION)
    with work(request.services, wake=False) as session:
        return criteria.remove(
            session=session,
            now=request.services.clock.now(),
            where=request.where,
            user_id=request.user_id,
            number=number,
        )
