"""Check-in threads and the replies in them; Events API deliveries already acted on.

Keyword-only functions that take the session; the caller's unit of work commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from bot.core.cadence import DueKind, checkin_days
from bot.core.localtime import local_date
from bot.core.plan import Plan
from bot.core.reviews import Participation
from storage.models import CheckinReply, OutboxMessage, ProcessedEvent
from storage.outbox import SENT
from storage.outbox_key import OutboxKey
from storage.team import team_of


@dataclass(frozen=True)
class CheckinThread:
    """A check-in message the bot posted: the thread its replies go to."""

    pilot_id: int
    day: date
    team_id: str
    channel_id: str
    ts: str


def checkin_key(day: date) -> OutboxKey:
    """The key of the day's check-in: checkin:2026-12-08 (the cadence's ``Due.key``)."""
    return OutboxKey.of(DueKind.CHECKIN.value, day.isoformat())


def checkin_thread(
    *, session: Session, team_id: str, channel_id: str, thread_ts: str
) -> CheckinThread | None:
    """The check-in whose message is ``thread_ts`` in this channel, if it is one."""
    row = session.exec(
        select(OutboxMessage).where(
            OutboxMessage.channel_id == channel_id,
            OutboxMessage.sent_ts == thread_ts,
            OutboxMessage.team_id == team_id,
            OutboxMessage.kind == DueKind.CHECKIN.value,
            OutboxMessage.status == SENT,
        )
    ).first()
    if row is None:
        return None
    return CheckinThread(
        pilot_id=row.pilot_id,
        day=OutboxKey.parse(row.key).day(),
        team_id=row.team_id,
        channel_id=row.channel_id,
        ts=thread_ts,
    )


def checkin_thread_of_day(*, session: Session, pilot_id: int, day: date) -> CheckinThread | None:
    """The day's check-in thread, once Slack has it."""
    row = session.exec(
        select(OutboxMessage).where(
            OutboxMessage.pilot_id == pilot_id,
            OutboxMessage.key == str(checkin_key(day)),
            OutboxMessage.status == SENT,
        )
    ).first()
    if row is None or not row.sent_ts:
        return None
    return CheckinThread(pilot_id, day, row.team_id, row.channel_id, row.sent_ts)


def save_reply(
    *,
    session: Session,
    thread: CheckinThread,
    ts: str,
    user_id: str,
    text: str,
    now: datetime,
    status: str = "",
) -> CheckinReply:
    """Store a reply (or its new text, when Slack delivers it again); ``status`` is
    green, yellow or red when it came from Post status."""
    row = reply_at(session=session, team_id=thread.team_id, channel_id=thread.channel_id, ts=ts)
    if row is None:
        row = CheckinReply(
            pilot_id=thread.pilot_id,
            day=thread.day,
            team_id=thread.team_id,
            channel_id=thread.channel_id,
            thread_ts=thread.ts,
            ts=ts,
            user_id=user_id,
            text=text,
            status=status,
            created_at=now,
            updated_at=now,
        )
    else:
        row.text, row.updated_at = text, now
        row.status = status or row.status
    session.add(row)
    session.flush()
    return row


def reply_at(*, session: Session, team_id: str, channel_id: str, ts: str) -> CheckinReply | None:
    return session.exec(
        select(CheckinReply).where(
            CheckinReply.team_id == team_id,
            CheckinReply.channel_id == channel_id,
            CheckinReply.ts == ts,
        )
    ).first()


# The outbox kind of a status someone posted with Post status, and its key's shape:
# "checkin_status:<user>:<the reply's ts until Slack has the post>".
STATUS_POST_KIND = "checkin_status"


def status_post_key(user_id: str, placeholder_ts: str) -> str:
    return str(OutboxKey.of(STATUS_POST_KIND, user_id, placeholder_ts))


def record_status_post(
    session: Session, pilot_id: int, key: str, ts: str, thread_ts: str | None
) -> None:
    """Delivery's word that Slack took a posted status as ``ts``: the stored check-in
    takes the message's own ts, as a reply typed in the thread has."""
    placeholder = OutboxKey.parse(key, parts=3).part(2)  # checkin_status:<user>:<placeholder>
    row = session.exec(
        select(CheckinReply).where(
            CheckinReply.pilot_id == pilot_id, CheckinReply.ts == placeholder
        )
    ).first()
    if row is not None and ts:
        row.ts = ts
        session.add(row)


def delete_reply(*, session: Session, team_id: str, channel_id: str, ts: str) -> bool:
    row = reply_at(session=session, team_id=team_id, channel_id=channel_id, ts=ts)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def replies_of_day(*, session: Session, pilot_id: int, day: date) -> Sequence[CheckinReply]:
    """The day's replies, oldest first."""
    return session.exec(
        select(CheckinReply)
        .where(CheckinReply.pilot_id == pilot_id, CheckinReply.day == day)
        .order_by(col(CheckinReply.ts))
    ).all()


def checked_in(*, session: Session, pilot_id: int, day: date) -> tuple[str, ...]:
    """Who checked in that day, in the order of their first reply."""
    seen: dict[str, None] = {}
    for reply in replies_of_day(session=session, pilot_id=pilot_id, day=day):
        seen.setdefault(reply.user_id, None)
    return tuple(seen)


def first_delivery(*, session: Session, team_id: str, event_id: str, now: datetime) -> bool:
    """Record an Events API delivery; False if this event was already acted on (a retry)."""
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(ProcessedEvent)
        .values(team_id=team_id, event_id=event_id, received_at=now)
        .on_conflict_do_nothing(index_elements=["team_id", "event_id"])
        .returning(col(ProcessedEvent.id))
    )
    return session.exec(statement).first() is not None


def participation(
    *, session: Session, pilot_id: int, plan: Plan, start: datetime, end: datetime
) -> Participation:
    """Check-in days per person over the local days [start's date, end's date), from the
    replies in the check-in threads as they stood at ``end``; team members first."""
    first, last = local_date(start, plan.zone), local_date(end, plan.zone)
    days = [d for d in checkin_days(plan) if first <= d < last]
    rows = session.exec(
        select(col(CheckinReply.user_id), col(CheckinReply.day))
        .where(
            CheckinReply.pilot_id == pilot_id,
            col(CheckinReply.day) >= first,
            col(CheckinReply.day) < last,
            col(CheckinReply.created_at) <= end,
        )
        .distinct()
    ).all()
    counts = dict.fromkeys((m.user_id for m in team_of(session=session, pilot_id=pilot_id)), 0)
    for user_id, _ in rows:
        counts[user_id] = counts.get(user_id, 0) + 1
    return Participation(checkin_days=len(days), by_member=tuple(counts.items()))
