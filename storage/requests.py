"""Requests already acted on: replayed signatures and Slack's retried events.

Keyword-only functions that take the session; the caller's unit of work commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from storage.models import ProcessedEvent, SeenRequest

# Slack signs with a timestamp that must be within 5 minutes of now: a signature older
# than that can no longer pass verification, so it need not be remembered longer.
SIGNATURE_WINDOW = timedelta(minutes=5)
EVENT_RETENTION = timedelta(days=2)  # Slack retries an event for minutes, not days


def first_sighting(*, session: Session, signature: str, at: datetime) -> bool:
    """Record ``signature`` as seen at ``at``; False if it was seen already (a replay)."""
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(SeenRequest)
        .values(signature=signature[:80], seen_at=at)
        .on_conflict_do_nothing(index_elements=["signature"])
        .returning(col(SeenRequest.signature))
    )
    return session.connection().execute(statement).first() is not None


def prune(*, session: Session, now: datetime) -> tuple[int, int]:
    """Forget signatures past the window and events past the retention; (signatures,
    events) deleted."""
    signatures = session.connection().execute(
        delete(SeenRequest).where(col(SeenRequest.seen_at) < now - 2 * SIGNATURE_WINDOW)
    )
    events = session.connection().execute(
        delete(ProcessedEvent).where(col(ProcessedEvent.received_at) < now - EVENT_RETENTION)
    )
    return int(signatures.rowcount or 0), int(events.rowcount or 0)
