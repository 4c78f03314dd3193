"""A workspace the app left (multi-workspace mode): recorded as gone, and what its pilots
owed recorded as skipped with the reason, so nothing is retried."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Session
from storage.installations import record_gone
from storage.outbox import skip_owed_of_workspace


@dataclass(frozen=True)
class Left:
    """``skipped``: how many owed messages were skipped (None: this was known already,
    Slack retrying an event it thinks was lost)."""

    skipped: int | None


def workspace_gone(
    *, session: Session, now: datetime, client_id: str, team_id: str, reason: str
) -> Left:
    if not record_gone(
        session=session, client_id=client_id, team_id=team_id, reason=reason, now=now
    ):
        return Left(None)
    return Left(skip_owed_of_workspace(session=session, team_id=team_id, now=now, reason=reason))
