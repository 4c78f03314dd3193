"""What every table's instants are made of: aware, stored in UTC on every backend."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column

from storage.types import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


def instant(*, nullable: bool = False) -> Column[datetime]:
    """A column for an aware instant, stored in UTC on every backend."""
    return Column(UTCDateTime, nullable=nullable)
