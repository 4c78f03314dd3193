"""`/pilot plan`, `/pilot settings` and `/pilot set key=value ...` (bot/features/plan.py
does the work)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.blocks import Reply
from bot.features import plan
from handlers.answers import work
from storage.db import unit_of_work

if TYPE_CHECKING:
    from handlers.commands import CommandRequest


def plan_command(request: CommandRequest) -> Reply | None:
    with unit_of_work(request.services.engine) as session:
        return plan.plan_view(
            session=session, now=request.services.clock.now(), where=request.where
        )


def settings_command(request: CommandRequest) -> Reply | None:
    with unit_of_work(request.services.engine) as session:
        return plan.settings_view(session=session, where=request.where)


def set_command(request: CommandRequest) -> Reply | None:
    with work(request.services, wake=False) as session:
        return plan.set_settings(
            session=session,
            now=request.services.clock.now(),
            where=request.where,
            user_id=request.user_id,
            assignments=request.parsed.rest,
        )
