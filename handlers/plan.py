"""`/pilot plan`, `/pilot settings` and `/pilot set key=value ...`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.blocks import Reply, usage_reply
from bot.blocks.plan import plan_reply, refusal_for_ended, settings_changed_reply, settings_reply
from bot.core.calendar import snapshot, weeks
from bot.core.errors import DomainError
from bot.core.grammar import UsageError
from bot.core.settings_table import SETTINGS, apply_settings, parse_assignments
from bot.features.access import require_editor
from handlers.editing import channel_pilot
from storage.db import unit_of_work
from storage.pilots import plan_of, refresh_next_due
from storage.settings import settings_of, write_settings
from storage.team import log_change

if TYPE_CHECKING:
    from handlers.commands import CommandRequest


def plan_command(request: CommandRequest) -> Reply | None:
    with unit_of_work(request.services.engine) as session:
        pilot = channel_pilot(session, request)
        plan, state = plan_of(pilot), pilot.state
    now = request.services.clock.now()
    return plan_reply(plan, weeks(plan), snapshot(plan, now), state=state)


def settings_command(request: CommandRequest) -> Reply | None:
    with unit_of_work(request.services.engine) as session:
        pilot = channel_pilot(session, request)
        return settings_reply(pilot.name, settings_of(pilot), SETTINGS)


def set_command(request: CommandRequest) -> Reply | None:
    services = request.services
    try:
        assignments = parse_assignments(request.parsed.rest)
        with unit_of_work(services.engine) as session:
            pilot = channel_pilot(session, request)
            require_editor(
                session=session,
                pilot=pilot,
                user_id=request.user_id,
                action="change this pilot's settings",
            )
            if pilot.state == "ended":
                raise DomainError(refusal_for_ended(pilot.name, pilot.state_reason))
            new, changes = apply_settings(settings_of(pilot), assignments)
            if not changes:
                return settings_changed_reply(changes)
            now = services.clock.now()
            write_settings(pilot=pilot, settings=new)
            pilot.updated_at = now
            assert pilot.id is not None
            for change in changes:
                log_change(
                    session=session,
                    pilot_id=pilot.id,
                    user_id=request.user_id,
                    kind="setting",
                    summary=change.summary,
                    at=now,
                )
            refresh_next_due(session, pilot, now)
            return settings_changed_reply(changes)
    except UsageError as error:
        # Answered with the form of the one bad key, not the whole command's usage.
        return usage_reply(error.message, error.usage)
