"""A stored check-in reply edited in Slack (storage/checkins.py stores and reads them)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from storage.models import CheckinReply


def edit_reply(*, session: Session, reply: CheckinReply, text: str, at: datetime) -> None:
    reply.text, reply.updated_at = text, at
    session.add(reply)
