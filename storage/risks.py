"""The risk register: R-1, R-2, ... per pilot, numbers never reused."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from bot.core.risks import STARTER_RISKS, RiskCategory
from storage.models import PilotRisk
from storage.record import next_number

STARTER_AUTHOR = "framework"  # added_by of the seeded risks: no Slack user added them


def add_starter_risks(*, session: Session, pilot_id: int, at: datetime | None = None) -> None:
    """Seed a new pilot's register with the framework's four example risks (R-1..R-4)."""
    for risk in STARTER_RISKS:
        add_risk(
            session=session,
            pilot_id=pilot_id,
            category=risk.category,
            risk=risk.risk,
            mitigation=risk.mitigation,
            added_by=STARTER_AUTHOR,
            at=at,
        )


def add_risk(
    *,
    session: Session,
    pilot_id: int,
    category: RiskCategory,
    risk: str,
    mitigation: str,
    added_by: str,
    at: datetime | None = None,
) -> PilotRisk:
    row = PilotRisk(
        pilot_id=pilot_id,
        number=next_number(session, PilotRisk, pilot_id),
        category=str(category),
        risk=risk,
        mitigation=mitigation,
        added_by=added_by,
    )
    if at is not None:
        row.added_at = at
    session.add(row)
    session.flush()
    return row


def risks_of(*, session: Session, pilot_id: int) -> Sequence[PilotRisk]:
    """The open risks, in number order."""
    return session.exec(
        select(PilotRisk)
        .where(PilotRisk.pilot_id == pilot_id, col(PilotRisk.removed_at).is_(None))
        .order_by(col(PilotRisk.number))
    ).all()


def risk_by_number(*, session: Session, pilot_id: int, number: int) -> PilotRisk | None:
    """The risk R-<number>, removed or not."""
    return session.exec(
        select(PilotRisk).where(PilotRisk.pilot_id == pilot_id, PilotRisk.number == number)
    ).first()


def remove_risk(*, session: Session, risk: PilotRisk, removed_by: str, at: datetime) -> None:
    risk.removed_by = removed_by
    risk.removed_at = at
    session.add(risk)
    session.flush()


def register_of(*, session: Session, pilot_id: int) -> Sequence[PilotRisk]:
    """The whole register, removed risks included (with when), in number order."""
    return session.exec(
        select(PilotRisk).where(PilotRisk.pilot_id == pilot_id).order_by(col(PilotRisk.number))
    ).all()
