"""The benchmark's database: many pilots with a year of activity behind them.

`seed` is the one entry point. Each kind of data has its own `_seed_*` step, all in
one unit of work; later features (check-ins, flags, ...) add a step here so the
benchmark measures `/pilot status` against a database shaped like a busy workspace.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from bot.core.plan import Plan, plan_warnings
from bot.core.roles import Role
from storage.db import unit_of_work
from storage.models import ChangeLogEntry, Pilot, TeamMember
from storage.pilots import add_pilot, pilot_from_plan
from storage.scope import Workspace

WORKSPACE = Workspace(team_id="T0001")  # the emulator's default team
CHANGES_PER_PILOT = 50  # about one a week over a year
HISTORY_DAYS = 365

# (type, weeks range, ramps that fit its traffic band)
_SHAPES = (
    ("technical", (2, 4), ("conservative", "5,10,15,20")),
    ("business", (4, 8), ("standard", "10,20,30,40")),
    ("full", (6, 12), ("aggressive", "standard", "25,50,75,90")),
)
_PLACES = (
    ("America/New_York", "US"),
    ("America/Los_Angeles", "US"),
    ("Europe/London", "GB"),
    ("Europe/Berlin", "DE"),
    ("Europe/Paris", "FR"),
    ("Asia/Tokyo", "JP"),
    ("Australia/Sydney", None),
)
_CUSTOMER_ROLES = (Role.EXECUTIVE_SPONSOR, Role.PROJECT_LEAD, Role.TECHNICAL_LEAD, Role.END_USER)
_VENDOR_ROLES = (Role.ACCOUNT_OWNER, Role.IMPLEMENTATION_LEAD, Role.TECHNICAL_SUPPORT)
_CHANGE_KINDS = ("setting", "team", "scope", "change", "decision", "pause", "resume")


@dataclass(frozen=True)
class Seeded:
    workspace: Workspace
    channels: list[str]  # one per pilot, in seeding order
    pilots: int
    team_members: int
    change_log_rows: int


def channel_id(index: int) -> str:
    return f"CBENCH{index:05d}"


def seed(engine: Engine, *, pilots: int, today: date, rng: random.Random) -> Seeded:
    """Store `pilots` pilots, one per channel, with their teams and a year of history."""
    with unit_of_work(engine) as session:
        rows = _seed_pilots(session, pilots=pilots, today=today, rng=rng)
        members = _seed_team(session, rows, rng=rng)
        changes = _seed_change_log(session, rows, today=today, rng=rng)
        # Later issues: _seed_checkins(session, rows, ...), _seed_flags(session, rows, ...).
    return Seeded(
        workspace=WORKSPACE,
        channels=[row.channel_id for row in rows],
        pilots=len(rows),
        team_members=members,
        change_log_rows=changes,
    )


def bench_plan(index: int, *, today: date, rng: random.Random) -> Plan:
    """A plausible plan whose start lies from a year ago to a month ahead, so every phase
    (not started, Setup, Soft Launch, ..., evaluation, over) is represented."""
    kind, (shortest, longest), ramps = rng.choice(_SHAPES)
    tz, country = rng.choice(_PLACES)
    plan = Plan.create(
        name=f"Pilot {index:04d}",
        customer=f"Customer {index:04d}",
        pilot_type=kind,
        start=today + timedelta(days=rng.randint(-HISTORY_DAYS, 30)),
        weeks=rng.randint(shortest, longest),
        ramp=rng.choice(ramps),
        tz=tz,
        holiday_country=country,
        checkin=time(rng.choice((8, 9, 10)), rng.choice((0, 15, 30))),
        review_weekday=rng.randint(0, 4),
        skip_dates=[today + timedelta(days=rng.randint(-60, 60)) for _ in range(rng.randint(0, 3))],
        evaluation_weeks=rng.choice((1, 1, 2)),
    )
    # A custom ramp can leave the band for a short pilot: the product saves such plans
    # only with an override, and so do we.
    return dataclasses.replace(plan, override=True) if plan_warnings(plan) else plan


def _seed_pilots(session: Session, *, pilots: int, today: date, rng: random.Random) -> list[Pilot]:
    rows = []
    for index in range(pilots):
        pilot = pilot_from_plan(
            bench_plan(index, today=today, rng=rng),
            workspace=WORKSPACE,
            channel_id=channel_id(index),
            owner_id=f"UOWNER{index % 50:03d}",
        )
        # Most pilots run; some are paused; a few ended (status still answers for them).
        pilot.state = rng.choices(("active", "paused", "ended"), weights=(85, 10, 5))[0]
        rows.append(add_pilot(session=session, pilot=pilot))
    return rows


def _seed_team(session: Session, rows: list[Pilot], *, rng: random.Random) -> int:
    members = []
    for pilot in rows:
        roles = [*rng.sample(_CUSTOMER_ROLES, 2), *rng.sample(_VENDOR_ROLES, 2)]
        members += [
            {
                "pilot_id": pilot.id,
                "user_id": f"U{pilot.id:05d}{number}",
                "role": str(role),
                "added_by": pilot.owner_id,
                "added_at": pilot.created_at,
            }
            for number, role in enumerate(roles)
        ]
    return _insert_many(session, TeamMember, members)


def _seed_change_log(
    session: Session, rows: list[Pilot], *, today: date, rng: random.Random
) -> int:
    midnight = datetime.combine(today, time(0), tzinfo=UTC)
    entries = [
        {
            "pilot_id": pilot.id,
            "at": midnight - timedelta(minutes=rng.randint(0, HISTORY_DAYS * 24 * 60)),
            "user_id": pilot.owner_id,
            "kind": rng.choice(_CHANGE_KINDS),
            "summary": f"Change {number} to {pilot.name}: check-in moved to 09:{number % 60:02d}",
            "reason": "Asked for by the customer's project lead" if number % 3 == 0 else "",
        }
        for pilot in rows
        for number in range(CHANGES_PER_PILOT)
    ]
    return _insert_many(session, ChangeLogEntry, entries)


def _insert_many(session: Session, table: type[SQLModel], rows: list[dict[str, Any]]) -> int:
    # History rows go in as one bulk INSERT (executemany): building 50,000 SQLModel
    # objects one by one would make seeding, not serving, the slow part of the run.
    if rows:
        session.execute(insert(table), rows)
    return len(rows)
