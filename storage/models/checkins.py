"""Replies in the daily check-in threads."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.columns import instant, utcnow


class CheckinReply(SQLModel, table=True):
    """A reply in a daily check-in thread: that person's status for that day.

    One row per Slack message (team, channel, ts): an edit updates it, a deletion
    removes it; a person's latest reply is their check-in for the day.
    """

    __tablename__ = "checkin_reply"
    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "ts", name="uq_checkin_reply_message"),
        Index("ix_checkin_reply_pilot_day", "pilot_id", "day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    pilot_id: int = Field(foreign_key="pilot.id")
    day: date  # the check-in's day (the pilot's local date), not the reply's
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    thread_ts: str = Field(max_length=32)  # the check-in message
    ts: str = Field(max_length=32)  # the reply
    user_id: str = Field(max_length=32)
    text: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(default="", max_length=8)  # green, yellow, red from Post status
    created_at: datetime = Field(default_factory=utcnow, sa_column=instant())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=instant())
