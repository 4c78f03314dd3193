"""The success criteria: read, a criterion added with its target, one removed; each change
in the change log."""

from __future__ import annotations

from datetime import datetime

from bot.blocks import Reply
from bot.blocks.record import (
    CriterionLine,
    criteria_reply,
    criterion_added,
    criterion_not_current,
    criterion_ref,
    criterion_removed,
)
from bot.core.errors import DomainError
from bot.features.access import Where, editable_pilot, pilot_at
from storage.db import Session
from storage.record import add_criterion, criteria_of, criterion_by_number, remove_criterion
from storage.team import log_change


def criteria_view(*, session: Session, where: Where, page: int) -> Reply:
    pilot = pilot_at(session=session, where=where)
    assert pilot.id is not None
    lines = [
        CriterionLine(c.number, c.name, c.target)
        for c in criteria_of(session=session, pilot_id=pilot.id)
    ]
    return criteria_reply(pilot.name, lines, page=page)


def add(
    *, session: Session, now: datetime, where: Where, user_id: str, name: str, target: str
) -> Reply:
    pilot = editable_pilot(
        session=session, where=where, user_id=user_id, action="change the success criteria"
    )
    assert pilot.id is not None
    if any(
        c.name.casefold() == name.casefold()
        for c in criteria_of(session=session, pilot_id=pilot.id)
    ):
        raise DomainError(f"There is already a criterion named {name}.")
    row = add_criterion(
        session=session, pilot_id=pilot.id, name=name, target=target, user_id=user_id, at=now
    )
    log_change(
        session=session,
        pilot_id=pilot.id,
        user_id=user_id,
        kind="criteria",
        summary=f"Added {criterion_ref(row.number)}: {name}, target {target}",
        at=now,
    )
    return criterion_added(row.number, name, target)


def remove(*, session: Session, now: datetime, where: Where, user_id: str, number: int) -> Reply:
    pilot = editable_pilot(
        session=session, where=where, user_id=user_id, action="change the success criteria"
    )
    assert pilot.id is not None
    row = criterion_by_number(session=session, pilot_id=pilot.id, number=number)
    if row is None or row.removed_at is not None:
        current = [c.number for c in criteria_of(session=session, pilot_id=pilot.id)]
        return criterion_not_current(number, removed=row is not None, current=current)
    remove_criterion(session=session, criterion=row, user_id=user_id, at=now)
    log_change(
        session=session,
        pilot_id=pilot.id,
        user_id=user_id,
        kind="criteria",
        summary=f"Removed {criterion_ref(number)}: {row.name}",
        at=now,
    )
    return criterion_removed(number, row.name)
