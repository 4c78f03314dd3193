"""The pilot's canvas, its living document in the channel: what goes in it when an editor
asks for one, and the record that the bot keeps it current (delivery rewrites it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.documents.canvas import canvas_title
from bot.features.access import Where, editable_pilot
from schedules.canvas import canvas_markdown
from storage.canvas import canvas_of, owe_canvas_update, record_canvas
from storage.db import Session


@dataclass(frozen=True)
class CanvasDraft:
    """The canvas to create, and whether this pilot has one already (``ours``)."""

    pilot_id: int
    channel_id: str
    name: str
    title: str
    markdown: str
    ours: bool


def draft(*, session: Session, now: datetime, where: Where, user_id: str) -> CanvasDraft:
    pilot = editable_pilot(
        session=session, where=where, user_id=user_id, action="create the pilot's canvas"
    )
    assert pilot.id is not None
    return CanvasDraft(
        pilot_id=pilot.id,
        channel_id=pilot.channel_id,
        name=pilot.name,
        title=canvas_title(pilot.name),
        markdown=canvas_markdown(session, pilot, now),
        ours=canvas_of(session=session, pilot_id=pilot.id) is not None,
    )


def rewrite(*, session: Session, now: datetime, pilot_id: int) -> None:
    """The pilot's own canvas, rewritten now (asked for again)."""
    owe_canvas_update(session=session, pilot_id=pilot_id, now=now)


def created(
    *, session: Session, now: datetime, draft: CanvasDraft, canvas_id: str, user_id: str
) -> None:
    """Slack created the canvas: from now on delivery keeps it current."""
    record_canvas(
        session=session,
        pilot_id=draft.pilot_id,
        canvas_id=canvas_id,
        channel_id=draft.channel_id,
        user_id=user_id,
        at=now,
    )
