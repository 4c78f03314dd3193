"""Shared test data: plans stored straight into the database."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine

from bot.core.plan import Plan
from storage.db import unit_of_work
from storage.models import Pilot, TeamMember
from storage.pilots import add_pilot, pilot_from_plan
from storage.scope import Workspace

TEAM = Workspace(team_id="T0001")
CHANNEL = "C0001"


def acme_plan(**changes: object) -> Plan:
    """A 6-week business pilot on the standard ramp, starting Monday 2026-12-07."""
    values: dict[str, object] = {
        "name": "Acme POC",
        "customer": "Acme",
        "pilot_type": "business",
        "start": date(2026, 12, 7),
        "weeks": 6,
        "ramp": "standard",
        "tz": "America/New_York",
        "holiday_country": "US",
    }
    values.update(changes)
    return Plan.create(**values)  # type: ignore[arg-type]


def store_pilot(
    engine: Engine,
    plan: Plan | None = None,
    *,
    workspace: Workspace = TEAM,
    channel_id: str = CHANNEL,
    owner_id: str = "U0001",
) -> Pilot:
    with unit_of_work(engine) as session:
        pilot = pilot_from_plan(
            plan or acme_plan(), workspace=workspace, channel_id=channel_id, owner_id=owner_id
        )
        return add_pilot(session=session, pilot=pilot)


def store_member(engine: Engine, pilot: Pilot, user_id: str, role: str) -> None:
    """Put someone on a pilot's team straight into the database."""
    with unit_of_work(engine) as session:
        assert pilot.id is not None
        session.add(TeamMember(pilot_id=pilot.id, user_id=user_id, role=role, added_by="U0001"))
