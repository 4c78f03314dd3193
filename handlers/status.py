"""`/pilot status`: where the channel's pilot stands today."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import blocks
from bot.blocks import Reply
from bot.core.calendar import snapshot
from storage.db import read_only
from storage.pilots import channel_pilot_view, plan_of

if TYPE_CHECKING:
    from handlers.commands import CommandRequest


def status_command(request: CommandRequest) -> Reply | None:
    services = request.services
    # The hottest path in the bot: one indexed read, no unit of work (see the benchmark).
    with read_only(services.engine) as connection:
        row = channel_pilot_view(
            connection=connection, workspace=request.workspace, channel_id=request.channel_id
        )
    if row is None:
        return blocks.no_pilot_reply()
    plan = plan_of(row)
    reply = blocks.status_reply(plan, snapshot(plan, services.clock.now()), state=row.state)
    if request.parsed.args.get("visibility", "").lower() != "public":
        return reply
    # Ack first: posting to the channel is a Slack call that may be slow or fail.
    request.ack()
    request.client.chat_postMessage(channel=request.channel_id, **reply.message())
    return None
