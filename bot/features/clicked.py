"""The message a button was clicked in, as feature functions need it: to rewrite it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from bot.blocks import Reply
from storage.db import Session
from storage.models import Pilot
from storage.outbox import UPDATE, owe


@dataclass(frozen=True)
class Clicked:
    """Where a click happened: the message's channel and ts ("" in a modal or the Home
    tab) and the click's trigger, which tells one click's retry from the next click."""

    channel_id: str = ""
    message_ts: str = ""
    trigger_id: str = ""


def owe_update(
    *, session: Session, pilot: Pilot, clicked: Clicked, reply: Reply, kind: str, now: datetime
) -> None:
    """The message clicked in, rewritten to ``reply`` (through delivery: a later click's
    update supersedes this one if it has not gone out yet)."""
    if not (clicked.channel_id and clicked.message_ts):
        return
    owe(
        session=session,
        pilot=pilot,
        key=f"{kind}:{clicked.message_ts}:{clicked.trigger_id or uuid.uuid4().hex}"[:100],
        kind=kind,
        message=reply.message(),
        now=now,
        method=UPDATE,
        channel_id=clicked.channel_id,
        target_ts=clicked.message_ts,
    )
