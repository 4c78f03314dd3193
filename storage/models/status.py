"""`/pilot status`'s stored answers, one a pilot (storage/status.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel

from storage.models.columns import instant


class StatusSnapshot(SQLModel, table=True):
    """A pilot's `/pilot status` answer as last built (storage/status.py): read with the
    pilot in one indexed query instead of reading and rendering the record each time.

    ``revision`` goes up in every transaction that changes the pilot's record, which also
    empties ``valid_until``; a reader stores what it built only if the revision is still
    the one it read first, so an answer built from older rows never lands."""

    __tablename__ = "status_snapshot"
    __table_args__ = (Index("ix_status_snapshot_valid_until", "valid_until"),)

    pilot_id: int = Field(foreign_key="pilot.id", primary_key=True)
    revision: int = Field(default=0)
    # NULL: to be built. Else the answer stands from built_at until valid_until, the
    # pilot's next local midnight or the first value dated after built_at.
    built_at: datetime | None = Field(default=None, sa_column=instant(nullable=True))
    valid_until: datetime | None = Field(default=None, sa_column=instant(nullable=True))
    body: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
