"""A pilot moved to another state (paused, active, ended); storage/pilots.py reschedules it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from storage.models import Pilot


def move_pilot(
    *, session: Session, pilot: Pilot, state: str, reason: str, at: datetime, from_now: bool
) -> None:
    """``from_now``: forget the next due time, so nothing that fell due meanwhile is owed."""
    if from_now:
        pilot.next_due_at = None
    pilot.state, pilot.state_reason, pilot.updated_at = state, reason, at
    session.add(pilot)
