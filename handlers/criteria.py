"""`/pilot criteria`, `/pilot criteria add "<name>" target="..."`, `/pilot criteria remove C-2`."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
from bot.core.inputs import parse_page
from bot.core.refs import CRITERION, parse_ref
from bot.features.access import require_editor
from handlers.editing import channel_pilot
from storage.db import unit_of_work
from storage.record import add_criterion, criteria_of, criterion_by_number, remove_criterion
from storage.team import log_change

if TYPE_CHECKING:
    from handlers.commands import CommandRequest

MAX_NAME_LENGTH = 200
MAX_TARGET_LENGTH = 200


def criteria_command(request: CommandRequest) -> Reply | None:
    with unit_of_work(request.services.engine) as session:
        pilot = channel_pilot(session, request)
        assert pilot.id is not None
        lines = [
            CriterionLine(c.number, c.name, c.target)
            for c in criteria_of(session=session, pilot_id=pilot.id)
        ]
        page = parse_page(request.parsed.options.get("page"))
        return criteria_reply(pilot.name, lines, page=page)


def criteria_add(request: CommandRequest) -> Reply | None:
    name = " ".join(request.parsed.args["name"].split())
    target = " ".join(request.parsed.options.get("target", "").split())
    if not name:
        raise DomainError("Name the criterion.")
    if not target:
        raise DomainError("Give the criterion a target.")
    if len(name) > MAX_NAME_LENGTH or len(target) > MAX_TARGET_LENGTH:
        raise DomainError(f"Keep the name and the target under {MAX_NAME_LENGTH} characters each.")
    with unit_of_work(request.services.engine) as session:
        pilot = channel_pilot(session, request)
        require_editor(
            session=session,
            pilot=pilot,
            user_id=request.user_id,
            action="change the success criteria",
        )
        assert pilot.id is not None
        if any(
            c.name.casefold() == name.casefold()
            for c in criteria_of(session=session, pilot_id=pilot.id)
        ):
            raise DomainError(f"There is already a criterion named {name}.")
        now = request.services.clock.now()
        row = add_criterion(
            session=session,
            pilot_id=pilot.id,
            name=name,
            target=target,
            user_id=request.user_id,
            at=now,
        )
        ref = criterion_ref(row.number)
        log_change(
            session=session,
            pilot_id=pilot.id,
            user_id=request.user_id,
            kind="criteria",
            summary=f"Added {ref}: {name}, target {target}",
            at=now,
        )
    return criterion_added(row.number, name, target)


def criteria_remove(request: CommandRequest) -> Reply | None:
    number = parse_ref(request.parsed.args["criterion"], CRITERION)
    ref = criterion_ref(number)
    with unit_of_work(request.services.engine) as session:
        pilot = channel_pilot(session, request)
        require_editor(
            session=session,
            pilot=pilot,
            user_id=request.user_id,
            action="change the success criteria",
        )
        assert pilot.id is not None
        row = criterion_by_number(session=session, pilot_id=pilot.id, number=number)
        if row is None or row.removed_at is not None:
            current = [c.number for c in criteria_of(session=session, pilot_id=pilot.id)]
            return criterion_not_current(number, removed=row is not None, current=current)
        now = request.services.clock.now()
        remove_criterion(session=session, criterion=row, user_id=request.user_id, at=now)
        log_change(
            session=session,
            pilot_id=pilot.id,
            user_id=request.user_id,
            kind="criteria",
            summary=f"Removed {ref}: {row.name}",
            at=now,
        )
        return criterion_removed(number, row.name)
