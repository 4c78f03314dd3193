"""`/pilot escalation`: the escalation path for unresolved flags, as this pilot runs it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.blocks import Reply
from bot.blocks.escalation import policy_reply
from bot.core import commands as catalog
from handlers.editing import answers_with_usage, channel_pilot
from storage.db import unit_of_work
from storage.settings import settings_of
from storage.team import holders

if TYPE_CHECKING:
    from handlers.commands import CommandRequest


@answers_with_usage(catalog.ESCALATION)
def escalation_command(request: CommandRequest) -> Reply | None:
    with unit_of_work(request.services.engine) as session:
        pilot = channel_pilot(session, request)
        assert pilot.id is not None
        team = holders(session=session, pilot_id=pilot.id)
        settings = settings_of(pilot)
        return policy_reply(
            pilot_name=pilot.name,
            tz=pilot.tz,
            settings=settings.escalation,
            team=team,
            owner_id=pilot.owner_id,
        )
