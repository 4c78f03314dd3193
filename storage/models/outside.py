"""Outside the channel's messages: the calendar feed, metrics pushed in, the channel canvas."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.columns import instant, utcnow


class CalendarFeed(SQLModel, table=True):
    """A pilot's subscribable calendar: the secret in its URL. Kept, so team members can ask
    for it again; looked up by its hash, then compared in constant time."""

    __tablename__ = "calendar_feed"
    __table_args__ = (UniqueConstraint("token_hash", name="uq_calendar_feed_token_hash"),)

    pilot_id: int = Field(foreign_key="pilot.id", primary_key=True)
    token: str = Field(max_length=64)
    token_hash: str = Field(max_length=64)  # sha256 hex of the token
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_column=instant())


class CalendarSequence(SQLModel, table=True):
    """An event of a pilot's calendar as last served: its SEQUENCE goes up by one each time
    the event moves (or is cancelled), so calendar apps take the change."""

    __tablename__ = "calendar_sequence"

    pilot_id: int = Field(foreign_key="pilot.id", primary_key=True)
    uid: str = Field(max_length=200, primary_key=True)
    sequence: int = Field(default=0)
    fingerprint: str = Field(max_length=200)  # start, end and status as last served
    changed_at: datetime = Field(sa_column=instant())


class MetricsIntakeToken(SQLModel, table=True):
    """The bearer token monitoring pushes a pilot's metrics with, stored only as its hash:
    shown once when made, never again."""

    __tablename__ = "metrics_intake_token"
    __table_args__ = (UniqueConstraint("token_hash", name="uq_metrics_intake_token_hash"),)

    pilot_id: int = Field(foreign_key="pilot.id", primary_key=True)
    token_hash: str = Field(max_length=64)  # sha256 hex of the token
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_column=instant())


class PilotCanvas(SQLModel, table=True):
    """The channel canvas `/pilot canvas` made for a pilot: delivery keeps it current."""

    __tablename__ = "pilot_canvas"

    pilot_id: int = Field(foreign_key="pilot.id", primary_key=True)
    canvas_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_column=instant())
