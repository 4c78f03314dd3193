"""The pilot's canvas as delivery writes it: the whole document, built just before each
``canvases.edit`` from the record as it then is (``prepare_canvas``), so a burst of
changes (storage.canvas coalesces what is owed) makes one edit with the latest state."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.documents.canvas import canvas_md
from schedules.documents import pilot_record
from storage.canvas import KIND as KIND
from storage.canvas import canvas_of
from storage.models import OutboxMessage, Pilot
from storage.outbox import encode_payload, rebuild
from storage.pilots import pilot_by_id


def canvas_markdown(session: Session, pilot: Pilot, now: datetime) -> str:
    """The canvas's whole document, with the record as of ``now``."""
    return canvas_md(pilot_record(session, pilot, now))


def prepare_canvas(session: Session, row: OutboxMessage, now: datetime) -> str | None:
    """Delivery's last look: the document as of ``now``, or why there is nothing to edit."""
    pilot = pilot_by_id(session=session, pilot_id=row.pilot_id)
    if pilot is None or pilot.id is None:
        return "the pilot no longer exists"
    canvas = canvas_of(session=session, pilot_id=pilot.id)
    if canvas is None:
        return "the pilot has no canvas"
    if canvas.canvas_id != row.target_ts:
        return f"the pilot's canvas is {canvas.canvas_id} now"
    payload = encode_payload({"markdown": canvas_markdown(session, pilot, now)})
    rebuild(session=session, message=row, payload=payload, thread_ts=row.thread_ts)
    return None
