"""Pilot rows: small keyword-only queries; the caller's unit of work commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from storage.models import Pilot
from storage.scope import Workspace


def add_pilot(*, session: Session, pilot: Pilot) -> Pilot:
    session.add(pilot)
    session.flush()
    return pilot


def pilot_for_channel(*, session: Session, workspace: Workspace, channel_id: str) -> Pilot | None:
    """The channel's pilot; an ended one only if no other has replaced it."""
    rows = session.exec(
        select(Pilot)
        .where(
            Pilot.team_id == workspace.team_id,
            Pilot.enterprise_id == workspace.enterprise_id,
            Pilot.channel_id == channel_id,
        )
        .order_by(col(Pilot.id).desc())
    ).all()
    live = [row for row in rows if row.state != "ended"]
    return live[0] if live else (rows[0] if rows else None)


def pilots_in_workspace(*, session: Session, workspace: Workspace) -> Sequence[Pilot]:
    return session.exec(
        select(Pilot)
        .where(Pilot.team_id == workspace.team_id, Pilot.enterprise_id == workspace.enterprise_id)
        .order_by(col(Pilot.start_date), col(Pilot.id))
    ).all()
