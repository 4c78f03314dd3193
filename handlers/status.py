"""`/pilot status`: where the channel's pilot stands today."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import blocks
from bot.blocks import Reply
from bot.blocks.flags import status_flag_parts
from bot.blocks.review import status_parts
from bot.core.calendar import snapshot
from bot.core.checkins import is_checkin_day
from bot.core.localtime import local_date
from bot.core.phases import PilotStatus
from bot.core.reviews import progress_of_all, traffic
from storage.db import read_only
from storage.pilots import channel_pilot_view, plan_of
from storage.reviews import status_record

if TYPE_CHECKING:
    from handlers.commands import CommandRequest


def status_command(request: CommandRequest) -> Reply | None:
    services = request.services
    # The hottest path in the bot: two indexed reads (the pilot, then its review record,
    # open flags and today's check-ins in one UNION ALL), no unit of work (see the benchmark).
    with read_only(services.engine) as connection:
        row = channel_pilot_view(
            connection=connection, workspace=request.workspace, channel_id=request.channel_id
        )
        if row is None:
            return blocks.no_pilot_reply()
        now = services.clock.now()
        plan = plan_of(row)
        today = local_date(now, plan.zone)
        record = status_record(connection=connection, pilot_id=row.id, as_of=now, today=today)
    snap = snapshot(plan, now)
    started = snap.status is not PilotStatus.NOT_STARTED
    extra = status_parts(
        progress_of_all(record.criteria, record.readings, now),
        traffic(plan, now, record.confirmations, record.hold) if started else None,
        plan,
    )
    extra += status_flag_parts(
        record.open_flags, record.checked_in if is_checkin_day(plan, today) else None
    )
    reply = blocks.status_reply(plan, snap, state=row.state, extra=extra)
    if request.parsed.args.get("visibility", "").lower() != "public":
        return reply
    # Ack first: posting to the channel is a Slack call that may be slow or fail.
    request.ack()
    request.client.chat_postMessage(channel=request.channel_id, **reply.message())
    return None
