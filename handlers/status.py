"""`/pilot status`: where the channel's pilot stands today."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import blocks
from bot.blocks import Reply
from bot.core.calendar import snapshot
from storage.db import unit_of_work
from storage.pilots import pilot_for_channel, plan_of

if TYPE_CHECKING:
    from handlers.commands import CommandRequest


def status_command(request: CommandRequest) -> Reply | None:
    services = request.services
    with unit_of_work(services.engine) as session:
        pilot = pilot_for_channel(
            session=session, workspace=request.workspace, channel_id=request.channel_id
        )
        if pilot is None:
            return blocks.no_pilot_reply()
        plan, state = plan_of(pilot), pilot.state
    reply = blocks.status_reply(plan, snapshot(plan, services.clock.now()), state=state)
    if request.parsed.args.get("visibility", "").lower() != "public":
        return reply
    # Ack first: posting to the channel is a Slack call that may be slow or fail.
    request.ack()
    request.client.chat_postMessage(channel=request.channel_id, **reply.message())
    return None
