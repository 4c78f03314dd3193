"""A pilot by its id, for code that holds the id from a stored row (a check-in reply's)."""

from __future__ import annotations

from sqlmodel import Session

from storage.models import Pilot


def pilot_by_id(*, session: Session, pilot_id: int) -> Pilot | None:
    return session.get(Pilot, pilot_id)
