"""`/pilot status`: where the channel's pilot stands today."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import blocks
from bot.blocks import Reply
from bot.features.status import asker_status, public_status
from handlers.editing import channel_pilot
from storage.outbox import owe

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
    with services.work() as session:
        pilot = channel_pilot(session, request)
        assert pilot.id is not None
        reply = public_status(connection=session.connection(), pilot_id=pilot.id, now=now)
        owe(
            session=session,
            pilot=pilot,
            key=request.once_key("status"),
            kind="status_public",
            message=reply.message(),
            now=now,
        )
    request.ack()
    return None
