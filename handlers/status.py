"""`/pilot status`: where the channel's pilot stands today."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import blocks
from bot.blocks import Reply
from bot.blocks.flags import status_flag_parts, undelivered_part
from bot.blocks.review import status_parts
from bot.core.calendar import snapshot
from bot.core.checkins import is_checkin_day
from bot.core.criteria import progress_of_all
from bot.core.localtime import local_date
from bot.core.phases import PilotStatus
from bot.core.traffic import traffic
from handlers.editing import channel_pilot
from storage.db import read_only
from storage.outbox import owe, undelivered_summary
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
        public = request.parsed.args.get("visibility", "").lower() == "public"
        refused = (
            undelivered_summary(connection=connection, pilot_id=row.id)
            if row.refused_count and not public
            else []
        )
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
    if request.parsed.args.get("visibility", "").lower() != "public":
        # Only the person asking sees what Slack refused: it is for the team to fix.
        extra += undelivered_part([(u.channel_id, u.dm_users, u.error, u.count) for u in refused])
        return blocks.status_reply(plan, snap, state=row.state, extra=extra)
    reply = blocks.status_reply(plan, snap, state=row.state, extra=extra)
    with services.work() as session:
        pilot = channel_pilot(session, request)
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
