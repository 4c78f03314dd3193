"""What a unit of work did, for the one error path (handlers/answers.py): whether it wrote
anything, and whether it owed messages. An answer that fails after the commit must not
tell the user "nothing was changed"."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState
from sqlmodel import Session

from storage.outbox import OWED_CONVERSATIONS

__all__ = ["Session", "owes_messages", "wrote"]

_WROTE = "pilot_bot.wrote"


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: Any) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    # Bulk UPDATE and DELETE statements change rows without any flush.
    if state.is_update or state.is_delete or state.is_insert:
        state.session.info[_WROTE] = True


def wrote(session: Session) -> bool:
    """Whether this unit of work changed a row (so far: its commit makes that lasting)."""
    return bool(session.info.get(_WROTE) or session.new or session.dirty or session.deleted)


def owes_messages(session: Session) -> bool:
    """Whether this unit of work owed messages that delivery will send once it commits."""
    return bool(session.info.get(OWED_CONVERSATIONS))
