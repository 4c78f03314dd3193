"""The risk register: `/pilot risks`, `/pilot risks add ...`, `/pilot risks remove R-2`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.blocks import Reply
from bot.blocks.record import (
    RiskLine,
    risk_added,
    risk_not_open,
    risk_ref,
    risk_removed,
    risks_reply,
)
from bot.core.errors import DomainError
from bot.core.inputs import parse_page
from bot.core.refs import RISK, parse_ref
from bot.core.risks import RiskCategory
from bot.features.access import require_editor
from handlers.editing import channel_pilot
from storage.db import unit_of_work
from storage.risks import add_risk, remove_risk, risk_by_number, risks_of
from storage.team import log_change

if TYPE_CHECKING:
    from handlers.commands import CommandRequest

MAX_RISK_LENGTH = 500
MAX_MITIGATION_LENGTH = 1000


def risks_command(request: CommandRequest) -> Reply | None:
    with unit_of_work(request.services.engine) as session:
        pilot = channel_pilot(session, request)
        assert pilot.id is not None
        lines = [
            RiskLine(r.number, RiskCategory(r.category), r.risk, r.mitigation)
            for r in risks_of(session=session, pilot_id=pilot.id)
        ]
        return risks_reply(pilot.name, lines, page=parse_page(request.parsed.options.get("page")))


def risks_add(request: CommandRequest) -> Reply | None:
    category = _category(request.parsed.args["category"])
    risk = " ".join(request.parsed.args["risk"].split())
    mitigation = " ".join(request.parsed.options.get("mitigation", "").split())
    if not risk:
        raise DomainError("Describe the risk.")
    if not mitigation:
        raise DomainError("Every risk on the register needs a mitigation.")
    if len(risk) > MAX_RISK_LENGTH or len(mitigation) > MAX_MITIGATION_LENGTH:
        raise DomainError(
            f"Keep the risk under {MAX_RISK_LENGTH} characters and the mitigation under"
            f" {MAX_MITIGATION_LENGTH}."
        )
    now = request.services.clock.now()
    with unit_of_work(request.services.engine) as session:
        pilot = channel_pilot(session, request)
        require_editor(
            session=session, pilot=pilot, user_id=request.user_id, action="change the risk register"
        )
        assert pilot.id is not None
        row = add_risk(
            session=session,
            pilot_id=pilot.id,
            category=category,
            risk=risk,
            mitigation=mitigation,
            added_by=request.user_id,
            at=now,
        )
        ref = risk_ref(row.number)
        log_change(
            session=session,
            pilot_id=pilot.id,
            user_id=request.user_id,
            kind="risk",
            summary=f"Added {ref} ({category.value}): {risk}. Mitigation: {mitigation}",
            at=now,
        )
    return risk_added(row.number, category, risk, mitigation)


def risks_remove(request: CommandRequest) -> Reply | None:
    number = parse_ref(request.parsed.args["risk"], RISK)
    ref = risk_ref(number)
    with unit_of_work(request.services.engine) as session:
        pilot = channel_pilot(session, request)
        require_editor(
            session=session, pilot=pilot, user_id=request.user_id, action="change the risk register"
        )
        assert pilot.id is not None
        row = risk_by_number(session=session, pilot_id=pilot.id, number=number)
        if row is None or row.removed_at is not None:
            open_numbers = [r.number for r in risks_of(session=session, pilot_id=pilot.id)]
            return risk_not_open(number, removed=row is not None, open_numbers=open_numbers)
        now = request.services.clock.now()
        remove_risk(session=session, risk=row, removed_by=request.user_id, at=now)
        log_change(
            session=session,
            pilot_id=pilot.id,
            user_id=request.user_id,
            kind="risk",
            summary=f"Removed {ref}: {row.risk}",
            at=now,
        )
        return risk_removed(number, row.risk)


def _category(text: str) -> RiskCategory:
    try:
        return RiskCategory(text.strip().lower())
    except ValueError:
        names = ", ".join(c.value for c in RiskCategory)
        raise DomainError(f"Unknown risk category '{text.strip()}'. Use one of: {names}.") from None
