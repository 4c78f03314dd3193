"""Check-in reminders: at the pilot's reminder time (default: the check-in + 4 hours),
the people in its reminder roles who have neither replied nor used Post status are
mentioned once, in the day's check-in thread.

The tick records the reminder (or, with the reason, why there is none: paused,
nobody in the roles, everyone checked in, the day over, the check-in not posted).
Delivery calls ``prepare_reminder`` just before sending it: the thread and the people
still missing are looked up again then, so a reminder held up by a Slack outage
never names someone who has checked in meanwhile, and is skipped if nobody is left.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from bot.blocks.checkin import reminder_message
from bot.core.cadence import Due
from bot.core.checkins import checkin_day_end, who_to_remind
from bot.core.lifecycle import PilotState
from bot.core.plan import Plan
from schedules.owed import downtime_reason, new_message, skipped
from storage.checkins import checked_in, checkin_key, checkin_thread_of_day
from storage.models import OutboxMessage, Pilot
from storage.outbox import OWED, encode_payload, message_for_key, rebuild
from storage.outbox_key import OutboxKey
from storage.pilots import pilot_by_id
from storage.settings import settings_of
from storage.team import holders


def build_reminder(
    pilot: Pilot, plan: Plan, due: Due, now: datetime, session: Session
) -> OutboxMessage:
    """The tick's builder for DueKind.REMINDER."""
    day_end = checkin_day_end(plan, due.local_date)
    message = new_message(pilot, due, now, useful_until=day_end)
    if pilot.state == PilotState.PAUSED:
        return skipped(message, "the pilot was paused: reminders are not sent while paused")
    if now >= day_end:
        return skipped(message, downtime_reason(due, now, plan, "reminder"))
    found = _reminder(session, pilot, due.local_date)
    if isinstance(found, str):
        return skipped(message, found)
    message.thread_ts, message.payload = found
    message.next_attempt_at = now
    return message


def prepare_reminder(session: Session, row: OutboxMessage, now: datetime) -> str | None:
    """Delivery's last look before sending: the thread and the names, or why not to send."""
    pilot = pilot_by_id(session=session, pilot_id=row.pilot_id)
    if pilot is None:
        return "the pilot no longer exists"
    found = _reminder(session, pilot, OutboxKey.parse(row.key).day())
    if isinstance(found, str):
        return found
    if found[0] is None:
        return "the day's check-in was not posted"
    thread_ts, payload = found
    rebuild(session=session, message=row, payload=payload, thread_ts=thread_ts)
    return None


def _reminder(session: Session, pilot: Pilot, day: date) -> tuple[str | None, str] | str:
    """(thread ts, payload) of the day's reminder, or the reason there is none."""
    assert pilot.id is not None
    settings = settings_of(pilot)
    team = holders(session=session, pilot_id=pilot.id)
    roles = ", ".join(role.display_name.lower() for role in settings.reminder_roles)
    if not any(role in settings.reminder_roles for _, role in team):
        return f"nobody holds the reminder roles ({roles}); add them with /pilot team add"
    missing = who_to_remind(
        team, settings.reminder_roles, checked_in(session=session, pilot_id=pilot.id, day=day)
    )
    if not missing:
        return f"everyone in the reminder roles ({roles}) had checked in"
    thread = checkin_thread_of_day(session=session, pilot_id=pilot.id, day=day)
    if thread is None:
        checkin = message_for_key(session=session, pilot_id=pilot.id, key=str(checkin_key(day)))
        # No row yet may mean the tick is owing the check-in right now, with this reminder
        # (a tick after downtime, or a 23:59 check-in whose reminder is capped at 23:59):
        # owe it without a thread, and let delivery decide once the check-in is settled.
        if checkin is not None and checkin.status not in OWED:
            why = f" ({checkin.status}: {checkin.skipped_reason or checkin.last_error})"
            return f"the day's check-in was not posted{why}"
    reply = reminder_message(pilot_id=pilot.id, day=day, user_ids=missing)
    payload = encode_payload(reply.message())
    # No thread yet: the check-in is still owed. It is earlier in the same channel, so
    # delivery sends it first, and prepares this reminder again once it is posted.
    return (thread.ts if thread is not None else None), payload
