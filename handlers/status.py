"""`/pilot status`: where the channel's pilot stands today (bot/features/status.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import blocks
from bot.blocks import Reply
from bot.features.status import asker_status, post_status
from handlers.answers import work

if TYPE_CHECKING:
    from handlers.commands import CommandRequest


def status_command(request: CommandRequest) -> Reply | None:
    services = request.services
    now = services.clock.now()
    if request.parsed.args.get("visibility", "").lower() != "public":
        reply = asker_status(
            engine=services.engine,
            workspace=request.workspace,
            channel_id=request.channel_id,
            now=now,
        )
        return reply or blocks.no_pilot_reply()
    with work(services) as session:
        post_status(session=session, where=request.where, now=now, key=request.once_key("status"))
    request.ack()  # the post in the channel is the answer
    return None
