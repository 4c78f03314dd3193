"""Meeting notes (framework, Documentation Requirements: "Meeting notes"), kept with who and
when on a weekly or phase review, and owed in that review's thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.blocks.docs import MAX_NOTES, notes_in_thread, notes_modal
from bot.core.documentation import NOTED_KINDS, review_label
from bot.core.errors import DomainError, Refusal
from bot.features.access import Where, pilot_at, require_record_keeper
from storage.db import Session
from storage.documentation import add_meeting_note, latest_review_post, review_post_at
from storage.models import OutboxMessage, Pilot
from storage.outbox import message_for_key, owe
from storage.pilots import plan_of

THREAD_KIND = "meeting_notes"
_ACTION = "add meeting notes"


@dataclass(frozen=True)
class NotesKept:
    """Notes stored: the review they went with (its name) and the pilot's channel."""

    label: str
    channel_id: str


def check_notes(text: str) -> None:
    if not text:
        raise DomainError("Write the notes.")
    if len(text) > MAX_NOTES:
        raise DomainError(f"Keep the notes under {MAX_NOTES} characters.")


def add_to_latest(
    *, session: Session, now: datetime, where: Where, user_id: str, text: str
) -> NotesKept:
    """`/pilot notes <text>`: the notes go with the latest review posted."""
    pilot = _keeper(session, where, user_id)
    assert pilot.id is not None
    review = latest_review_post(session=session, pilot_id=pilot.id, kinds=NOTED_KINDS)
    if review is None:
        raise Refusal(
            "No weekly or phase review has been posted yet, and notes go with a review:"
            " `/pilot review` posts the weekly review now."
        )
    return _keep(session, pilot, review, text, user_id, now)


def notes_form(
    *, session: Session, where: Where, user_id: str, channel_id: str, message_ts: str
) -> dict[str, Any]:
    """Add notes, on a weekly or phase review: the form, for the review it was pressed on."""
    pilot = _keeper(session, where, user_id)
    assert pilot.id is not None
    review = review_post_at(
        session=session, pilot_id=pilot.id, channel_id=channel_id, ts=message_ts, kinds=NOTED_KINDS
    )
    if review is None:
        raise Refusal("This review is not one the bot knows; use `/pilot notes <text>`.")
    return notes_modal(
        pilot_id=pilot.id,
        review_key=review.key,
        plan=plan_of(pilot),
        review=review_label(review.key),
    )


def add_to_review(
    *, session: Session, now: datetime, where: Where, user_id: str, review_key: str, text: str
) -> NotesKept:
    """The notes form submitted: the notes go with the review it was opened on."""
    pilot = _keeper(session, where, user_id)
    assert pilot.id is not None
    review = message_for_key(session=session, pilot_id=pilot.id, key=review_key)
    if review is None or review.kind not in NOTED_KINDS:
        raise Refusal("That review is gone.")
    return _keep(session, pilot, review, text, user_id, now)


def _keeper(session: Session, where: Where, user_id: str) -> Pilot:
    pilot = pilot_at(session=session, where=where)
    require_record_keeper(session=session, pilot=pilot, user_id=user_id, action=_ACTION)
    return pilot


def _keep(
    session: Session, pilot: Pilot, review: OutboxMessage, text: str, user_id: str, now: datetime
) -> NotesKept:
    """Store the notes with ``review`` and owe them in its thread."""
    assert pilot.id is not None
    note = add_meeting_note(
        session=session,
        pilot_id=pilot.id,
        review_key=review.key,
        text=text,
        user_id=user_id,
        at=now,
    )
    label = review_label(review.key)
    owe(
        session=session,
        pilot=pilot,
        key=f"notes:{note.id}",
        kind=THREAD_KIND,
        message=notes_in_thread(label, user_id, text).message(),
        now=now,
        after_key=review.key,  # in the review's thread, once the review is in Slack
    )
    return NotesKept(label, pilot.channel_id)
