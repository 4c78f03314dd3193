"""The issue log read back: `/pilot flags` (the open ones, with each escalation timer's
word) and `/pilot flag F-3` (one flag's history and its escalation)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.blocks import Reply
from bot.blocks.flags import flag_history_reply, flags_reply, unknown_flag
from bot.core.errors import Refusal
from bot.features.access import Where, pilot_at
from bot.features.escalation import levels_of, timeline_of
from storage.db import Session
from storage.flags import flag_by_number, flag_numbers, open_flags_of, record_of


def open_flags(*, session: Session, now: datetime, where: Where, page: int) -> Reply:
    """`/pilot flags`: the open ones, each with the escalation timer's word on it."""
    pilot = pilot_at(session=session, where=where)
    assert pilot.id is not None
    flags = list(open_flags_of(session=session, pilot_id=pilot.id))
    levels = levels_of(session=session, pilot=pilot, flags=flags)
    records = [record_of(flag) for flag in flags]
    return flags_reply(pilot.name, records, now=now, levels=levels, page=page)


def flag_history(*, session: Session, now: datetime, where: Where, number: int) -> Reply:
    """`/pilot flag F-3`: one flag's history and its escalation."""
    pilot = pilot_at(session=session, where=where)
    assert pilot.id is not None
    flag = flag_by_number(session=session, pilot_id=pilot.id, number=number)
    if flag is None:
        raise Refusal(unknown_flag(number, flag_numbers(session=session, pilot_id=pilot.id)))
    return flag_history_reply(
        record_of(flag),
        zone=ZoneInfo(pilot.tz),
        now=now,
        timeline=timeline_of(session=session, flag=flag, pilot=pilot),
    )
