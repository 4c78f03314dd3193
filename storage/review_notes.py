"""What the reviews ask the team to write: next week's priorities, a phase's lessons
learned.

Keyword-only queries that take the session; the caller's unit of work commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import ReviewNote

PRIORITIES = "priorities"
LESSONS = "lessons"


def add_note(
    *,
    session: Session,
    pilot_id: int,
    kind: str,
    period: str,
    text: str,
    user_id: str,
    at: datetime,
) -> ReviewNote:
    note = ReviewNote(
        pilot_id=pilot_id, kind=kind, period=period, text=text, user_id=user_id, at=at
    )
    session.add(note)
    session.flush()
    return note


def latest_note(
    *, session: Session, pilot_id: int, kind: str, as_of: datetime, period: str | None = None
) -> ReviewNote | None:
    """The newest note of ``kind`` (of ``period``, if given) written up to ``as_of``."""
    found = notes_of(session=session, pilot_id=pilot_id, kind=kind, as_of=as_of, period=period)
    return found[-1] if found else None


def notes_of(
    *, session: Session, pilot_id: int, kind: str, as_of: datetime, period: str | None = None
) -> list[ReviewNote]:
    """Every note of ``kind`` (of ``period``, if given) written up to ``as_of``, oldest first."""
    query = select(ReviewNote).where(
        ReviewNote.pilot_id == pilot_id, ReviewNote.kind == kind, col(ReviewNote.at) <= as_of
    )
    if period is not None:
        query = query.where(ReviewNote.period == period)
    return list(session.exec(query.order_by(col(ReviewNote.at), col(ReviewNote.id))).all())
