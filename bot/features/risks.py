"""The risk register: read, a risk added with its mitigation, a risk removed; each change
in the change log."""

from __future__ import annotations

from datetime import datetime

from bot.blocks import Reply
from bot.blocks.record import (
    RiskLine,
    risk_added,
    risk_not_open,
    risk_ref,
    risk_removed,
    risks_reply,
)
from bot.core.risks import RiskCategory
from bot.features.access import Where, editable_pilot, pilot_at
from storage.db import Session
from storage.risks import add_risk, remove_risk, risk_by_number, risks_of
from storage.team import log_change


def register_view(*, session: Session, where: Where, page: int) -> Reply:
    pilot = pilot_at(session=session, where=where)
    assert pilot.id is not None
    lines = [
        RiskLine(r.number, RiskCategory(r.category), r.risk, r.mitigation)
        for r in risks_of(session=session, pilot_id=pilot.id)
    ]
    return risks_reply(pilot.name, lines, page=page)


def add(
    *,
    session: Session,
    now: datetime,
    where: Where,
    user_id: str,
    category: RiskCategory,
    risk: str,
    mitigation: str,
) -> Reply:
    pilot = editable_pilot(
        session=session, where=where, user_id=user_id, action="change the risk register"
    )
    assert pilot.id is not None
    row = add_risk(
        session=session,
        pilot_id=pilot.id,
        category=category,
        risk=risk,
        mitigation=mitigation,
        added_by=user_id,
        at=now,
    )
    log_change(
        session=session,
        pilot_id=pilot.id,
        user_id=user_id,
        kind="risk",
        summary=(
            f"Added {risk_ref(row.number)} ({category.value}): {risk}. Mitigation: {mitigation}"
        ),
        at=now,
    )
    return risk_added(row.number, category, risk, mitigation)


def remove(*, session: Session, now: datetime, where: Where, user_id: str, number: int) -> Reply:
    pilot = editable_pilot(
        session=session, where=where, user_id=user_id, action="change the risk register"
    )
    assert pilot.id is not None
    row = risk_by_number(session=session, pilot_id=pilot.id, number=number)
    if row is None or row.removed_at is not None:
        open_numbers = [r.number for r in risks_of(session=session, pilot_id=pilot.id)]
        return risk_not_open(number, removed=row is not None, open_numbers=open_numbers)
    remove_risk(session=session, risk=row, removed_by=user_id, at=now)
    log_change(
        session=session,
        pilot_id=pilot.id,
        user_id=user_id,
        kind="risk",
        summary=f"Removed {risk_ref(number)}: {row.risk}",
        at=now,
    )
    return risk_removed(number, row.risk)
