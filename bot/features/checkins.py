"""Check-ins: each reply in a check-in thread is that person's check-in for the day (an
edit updates it, a deletion removes it), and Post status records one from the form.
A retried delivery of the same event (same ``event_id``) is acted on once."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from bot.blocks.checkin import status_posted
from bot.core.errors import Refusal
from bot.features.access import Named, pilot_at
from storage.checkin_edits import edit_reply
from storage.checkins import (
    STATUS_POST_KIND,
    CheckinThread,
    checkin_thread,
    delete_reply,
    first_delivery,
    reply_at,
    save_reply,
    status_post_key,
)
from storage.db import Session
from storage.outbox import owe

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """Where an Events API event came from, and its id (None: Slack gave none)."""

    team_id: str
    channel_id: str
    event_id: str | None


@dataclass(frozen=True)
class PersonMessage:
    """A message as the check-in log needs it."""

    ts: str
    thread_ts: str
    user_id: str
    text: str
    from_bot: bool


def new_reply(
    *, session: Session, now: datetime, delivery: Delivery, message: PersonMessage
) -> None:
    """A person's reply in a check-in thread is stored; anything else changes nothing."""
    thread = _thread_of(session, delivery, message)
    if thread is None or not _first(session, delivery, now):
        return
    save_reply(
        session=session,
        thread=thread,
        ts=message.ts,
        user_id=message.user_id,
        text=message.text,
        now=now,
    )
    log.info("check-in from %s for pilot %s on %s", message.user_id, thread.pilot_id, thread.day)


def edited(*, session: Session, now: datetime, delivery: Delivery, message: PersonMessage) -> None:
    if message.from_bot or not message.ts:
        return
    stored = reply_at(
        session=session, team_id=delivery.team_id, channel_id=delivery.channel_id, ts=message.ts
    )
    if stored is not None:
        if _first(session, delivery, now):
            edit_reply(session=session, reply=stored, text=message.text, at=now)
        return
    # An edit of a reply we never saw (its event was lost): store it now.
    new_reply(session=session, now=now, delivery=delivery, message=message)


def deleted(*, session: Session, now: datetime, delivery: Delivery, ts: str) -> None:
    where = {"team_id": delivery.team_id, "channel_id": delivery.channel_id, "ts": ts}
    if reply_at(session=session, **where) is None:
        return
    if _first(session, delivery, now):
        delete_reply(session=session, **where)


def _thread_of(
    session: Session, delivery: Delivery, message: PersonMessage
) -> CheckinThread | None:
    """The check-in thread a person's reply belongs to; None for anything else."""
    if message.from_bot or not message.user_id or not message.thread_ts:
        return None
    if message.thread_ts == message.ts:
        return None  # a top-level message (a thread's parent has ts == thread_ts)
    return checkin_thread(
        session=session,
        team_id=delivery.team_id,
        channel_id=delivery.channel_id,
        thread_ts=message.thread_ts,
    )


def _first(session: Session, delivery: Delivery, now: datetime) -> bool:
    # Only events that change something are recorded, so the table stays small.
    if not delivery.event_id:
        return True
    if first_delivery(
        session=session, team_id=delivery.team_id, event_id=delivery.event_id, now=now
    ):
        return True
    log.info("event %s was already handled: a retry from Slack, ignored", delivery.event_id)
    return False


def post_status(
    *,
    session: Session,
    now: datetime,
    where: Named,
    user_id: str,
    channel_id: str,
    thread_ts: str,
    status: str,
    note: str,
) -> None:
    """Post status: counted from now; the thread shows it once Slack takes the post (the
    bot's own post is not a reply to store, so it is kept under its own id)."""
    pilot = pilot_at(session=session, where=where)
    thread = checkin_thread(
        session=session,
        team_id=where.workspace.team_id,
        channel_id=channel_id,
        thread_ts=thread_ts,
    )
    if thread is None:
        raise Refusal("This check-in thread is not one the bot posted.")
    posted_as = f"status:{uuid.uuid4().hex[:16]}"
    save_reply(
        session=session,
        thread=thread,
        ts=posted_as,
        user_id=user_id,
        text=note,
        now=now,
        status=status,
    )
    owe(
        session=session,
        pilot=pilot,
        key=status_post_key(user_id, posted_as),
        kind=STATUS_POST_KIND,
        message=status_posted(user_id=user_id, status=status, note=note).message(),
        now=now,
        thread_ts=thread.ts,
    )
