"""The pilot's channel canvas: which canvas it is, and the edit delivery owes it.

One owed edit per pilot at a time: each change owes a new one (``outbox.CANVAS``) and
supersedes the older ones Slack has not taken, and delivery builds its document just
before sending (schedules/canvas.py), so a burst of changes makes one ``canvases.edit``
with the record as it then is. Keyword-only functions; the caller's unit of work commits.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import OutboxMessage, Pilot, PilotCanvas
from storage.outbox import CANVAS, FAILED, owe
from storage.outbox_key import OutboxKey

KIND = "canvas_update"  # the outbox kind of a canvas edit
GONE = "canvas_not_found"  # Slack no longer has the canvas: edits stop until a new one
_OWED_HERE = "pilot_bot.canvas_owed"  # session.info: pilots owed an edit by this unit of work


def canvas_of(*, session: Session, pilot_id: int) -> PilotCanvas | None:
    return session.get(PilotCanvas, pilot_id)


def record_canvas(
    *, session: Session, pilot_id: int, canvas_id: str, channel_id: str, user_id: str, at: datetime
) -> PilotCanvas:
    """The pilot's canvas from now on (a new one replaces one Slack lost)."""
    row = session.get(PilotCanvas, pilot_id) or PilotCanvas(
        pilot_id=pilot_id, canvas_id=canvas_id, channel_id=channel_id, created_by=user_id,
        created_at=at,
    )
    row.canvas_id, row.channel_id, row.created_by, row.created_at = (
        canvas_id, channel_id, user_id, at,
    )
    session.add(row)
    session.flush()
    return row


def owe_canvas_update(*, session: Session, pilot_id: int, now: datetime) -> bool:
    """Owe the pilot's canvas a rewrite, if it has a canvas (once per unit of work; older
    edits not sent yet are superseded). False when there is nothing to edit."""
    owed_here: set[int] = session.info.setdefault(_OWED_HERE, set())
    if pilot_id in owed_here:
        return False
    canvas = session.get(PilotCanvas, pilot_id)
    pilot = session.get(Pilot, pilot_id)
    if canvas is None or pilot is None or _gone(session, pilot_id, canvas.canvas_id):
        return False
    owed_here.add(pilot_id)
    return owe(
        session=session,
        pilot=pilot,
        key=str(OutboxKey.of("canvas", uuid.uuid4().hex)),
        kind=KIND,
        message={},  # built just before it is sent
        now=now,
        method=CANVAS,
        channel_id=canvas.channel_id,
        target_ts=canvas.canvas_id,
    )


def _gone(session: Session, pilot_id: int, canvas_id: str) -> bool:
    """Slack refused the last edit of this canvas because it no longer has it."""
    last = session.exec(
        select(OutboxMessage.status, OutboxMessage.last_error, OutboxMessage.target_ts)
        .where(OutboxMessage.pilot_id == pilot_id, OutboxMessage.method == CANVAS)
        .order_by(col(OutboxMessage.id).desc())
        .limit(1)
    ).first()
    return (
        last is not None
        and last[0] == FAILED
        and last[1].startswith(GONE)
        and last[2] == canvas_id
    )
