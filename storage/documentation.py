"""What the documentation checklists read besides the plan's record: meeting notes, the
review posts they belong to, and the documents delivery shared. Keyword-only queries;
the caller's unit of work commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import MeetingNote, OutboxMessage
from storage.outbox import OWED, SENT
from storage.outbox_key import OutboxKey

# The outbox kinds of the documents delivery shares: a weekly review's chart and report,
# and a document someone asked for with `/pilot report` (its key: "report:<kind>:...").
REVIEW_FILES_KIND = "review_files"
REPORT_ASKED_KIND = "report_asked"


def add_meeting_note(
    *, session: Session, pilot_id: int, review_key: str, text: str, user_id: str, at: datetime
) -> MeetingNote:
    note = MeetingNote(
        pilot_id=pilot_id, review_key=review_key[:100], text=text, user_id=user_id, at=at
    )
    session.add(note)
    session.flush()
    return note


def meeting_notes_of(*, session: Session, pilot_id: int, as_of: datetime) -> list[MeetingNote]:
    """Every meeting note written up to ``as_of``, oldest first."""
    return list(
        session.exec(
            select(MeetingNote)
            .where(MeetingNote.pilot_id == pilot_id, col(MeetingNote.at) <= as_of)
            .order_by(col(MeetingNote.at), col(MeetingNote.id))
        ).all()
    )


def latest_review_post(
    *, session: Session, pilot_id: int, kinds: Sequence[str]
) -> OutboxMessage | None:
    """The pilot's latest review post (of ``kinds``): sent, or still owed (notes owed in its
    thread then wait for it); never one skipped or refused."""
    return session.exec(
        select(OutboxMessage)
        .where(
            OutboxMessage.pilot_id == pilot_id,
            col(OutboxMessage.kind).in_(kinds),
            col(OutboxMessage.status).in_((SENT, *OWED)),
        )
        .order_by(col(OutboxMessage.due_at).desc(), col(OutboxMessage.id).desc())
        .limit(1)
    ).first()


def review_post_at(
    *, session: Session, pilot_id: int, channel_id: str, ts: str, kinds: Sequence[str]
) -> OutboxMessage | None:
    """The review post (of ``kinds``) Slack shows as ``ts`` in ``channel_id``."""
    return session.exec(
        select(OutboxMessage).where(
            OutboxMessage.channel_id == channel_id,
            OutboxMessage.sent_ts == ts,
            OutboxMessage.pilot_id == pilot_id,
            col(OutboxMessage.kind).in_(kinds),
        )
    ).first()


def reports_shared(*, session: Session, pilot_id: int) -> tuple[list[datetime], list[datetime]]:
    """When each weekly report (a weekly review's files, or `/pilot report weekly`) and
    each final report Slack took was owed (asked for), oldest first."""
    rows = session.exec(
        select(OutboxMessage.kind, OutboxMessage.key, OutboxMessage.due_at)
        .where(
            OutboxMessage.pilot_id == pilot_id,
            col(OutboxMessage.kind).in_((REVIEW_FILES_KIND, REPORT_ASKED_KIND)),
            OutboxMessage.status == SENT,
        )
        .order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))
    ).all()
    weekly, final = [], []
    for kind, key, at in rows:
        named = OutboxKey.parse(key)
        if kind == REVIEW_FILES_KIND or named.under("report", "weekly"):
            weekly.append(at)
        elif named.under("report", "final"):
            final.append(at)
    return weekly, final
