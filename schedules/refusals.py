"""What the bot does when Slack refuses a message for good: tell someone who can fix it.

A pilot's channel post refused (the bot is not in the channel, the channel is gone or
archived) leaves the team unaware of the event it announced; the pilot's owner gets a
DM saying what was done and how to let the bot post (through the outbox, like every
message). Every refusal also shows in `/pilot status` and `pilot-bot agenda`.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.blocks.lifecycle import not_posted_reply
from storage.outbox import owe
from storage.outbox_key import OutboxKey
from storage.pilots import pilot_by_id

# The announcements whose refusal the owner hears about, and what each one said was done.
_DONE = {
    "created": "Created *{name}*",
    "paused_notice": "Paused *{name}*",
    "active_notice": "Resumed *{name}*",
    "ended_notice": "Ended *{name}*",
}


def tell_owner(
    session: Session, pilot_id: int, key: str, kind: str, channel_id: str, error: str, now: datetime
) -> None:
    """Owe the owner a DM about the refused announcement ``key``; other kinds, nothing."""
    done = _DONE.get(kind)
    pilot = None if done is None else pilot_by_id(session=session, pilot_id=pilot_id)
    if done is None or pilot is None:
        return
    reply = not_posted_reply(done.format(name=pilot.name), channel_id, error)
    owe(
        session=session,
        pilot=pilot,
        key=OutboxKey.parse(key).then("refused").clipped(),
        kind="refused_notice",
        message=reply.message(),
        now=now,
        dm_user=pilot.owner_id,
    )
