"""The benchmark's database: many pilots with a year of activity behind them.

`seed` is the one entry point. Each kind of data has its own `_seed_*` step, all in
one unit of work; later features add a step here so the benchmark measures
`/pilot status` against a database shaped like a busy workspace (a year of check-in
replies and issue flags included).
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from bot.core.cadence import checkin_days
from bot.core.localtime import local_instant
from bot.core.plan import Plan, plan_warnings
from bot.core.roles import Role
from storage.db import unit_of_work
from storage.models import ChangeLogEntry, CheckinReply, Flag, Pilot, TeamMember
from storage.pilots import add_pilot, pilot_from_plan, plan_of
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
_CHECKIN_TEXTS = (
    "All green: integration stable, no tickets overnight",
    "Yellow: latency up after the ramp, watching it",
    "Trained the second group of agents; feedback positive",
    "Blocked on the customer's SSO change, chasing it today",
)
_SEVERITIES = ("critical", "major", "minor")
_CATEGORIES = ("technical", "technical", "business", "timeline", "scope")
_SOURCES = ("command", "button", "reply", "reaction")
_ISSUES = (
    "API timeouts above 2 s for EU users",
    "containment rate dropped after the ramp step",
    "customer IT postponed the SSO change",
    "request to add a second use case",
)


@dataclass(frozen=True)
class Seeded:
    workspace: Workspace
    channels: list[str]  # one per pilot, in seeding order
    pilots: int
    team_members: int
    change_log_rows: int
    checkin_replies: int = 0
    flags: int = 0


def channel_id(index: int) -> str:
    return f"CBENCH{index:05d}"


def seed(engine: Engine, *, pilots: int, today: date, rng: random.Random) -> Seeded:
    """Store `pilots` pilots, one per channel, with their teams and a year of history."""
    with unit_of_work(engine) as session:
        rows = _seed_pilots(session, pilots=pilots, today=today, rng=rng)
        members = _seed_team(session, rows, rng=rng)
        changes = _seed_change_log(session, rows, today=today, rng=rng)
        replies = _seed_checkins(session, rows, today=today, rng=rng)
        flags = _seed_flags(session, rows, today=today, rng=rng)
    return Seeded(
        workspace=WORKSPACE,
        channels=[row.channel_id for row in rows],
        pilots=len(rows),
        team_members=members,
        change_log_rows=changes,
        checkin_replies=replies,
        flags=flags,
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


def _checkin_days(pilot: Pilot, today: date) -> list[tuple[date, datetime]]:
    """The pilot's check-in days up to today, each with its check-in instant."""
    plan = plan_of(pilot)
    return [
        (day, local_instant(day, plan.checkin, plan.zone))
        for day in checkin_days(plan)
        if day <= today
    ]


def _ts(instant: datetime, sequence: int) -> str:
    return f"{int(instant.timestamp())}.{sequence:06d}"


def _seed_checkins(
    session: Session, rows: list[Pilot], *, today: date, rng: random.Random
) -> int:
    """Each check-in day of each pilot (up to a year back): replies from most of its team."""
    replies = []
    for pilot in rows:
        team = [f"U{pilot.id:05d}{number}" for number in range(4)]
        for day, posted in _checkin_days(pilot, today):
            thread_ts = _ts(posted, 0)
            for number, user_id in enumerate(rng.sample(team, rng.randint(1, 4)), 1):
                at = posted + timedelta(minutes=rng.randint(1, 240))
                replies.append(
                    {
                        "pilot_id": pilot.id,
                        "day": day,
                        "team_id": pilot.team_id,
                        "channel_id": pilot.channel_id,
                        "thread_ts": thread_ts,
                        "ts": _ts(at, number),
                        "user_id": user_id,
                        "text": rng.choice(_CHECKIN_TEXTS),
                        "status": "",
                        "created_at": at,
                        "updated_at": at,
                    }
                )
    return _insert_many(session, CheckinReply, replies)


def _seed_flags(session: Session, rows: list[Pilot], *, today: date, rng: random.Random) -> int:
    """A few flags a week over each pilot's check-in days, most resolved within a few days
    (those of the last days may still be open), numbered F-1, F-2, ... per pilot."""
    now = datetime.combine(today, time(12, 0), tzinfo=UTC)
    flags, counts = [], []
    for pilot in rows:
        team = [f"U{pilot.id:05d}{number}" for number in range(4)]
        number = 0
        for _day, posted in _checkin_days(pilot, today):
            for _ in range(rng.choices((0, 1, 2), weights=(50, 40, 10))[0]):
                number += 1
                raised = posted + timedelta(minutes=rng.randint(0, 8 * 60))
                resolved = raised + timedelta(hours=rng.randint(1, 96))
                acknowledged = raised + timedelta(minutes=rng.randint(5, 240))
                done = resolved <= now
                flags.append(
                    {
                        "pilot_id": pilot.id,
                        "team_id": pilot.team_id,
                        "enterprise_id": pilot.enterprise_id,
                        "number": number,
                        "severity": rng.choices(_SEVERITIES, weights=(10, 40, 50))[0],
                        "category": rng.choice(_CATEGORIES),
                        "description": f"Issue {number} of {pilot.name}: {rng.choice(_ISSUES)}",
                        "raised_by": rng.choice(team),
                        "raised_at": raised,
                        "source": rng.choice(_SOURCES),
                        "channel_id": pilot.channel_id,
                        "thread_ts": _ts(posted, 0),
                        "announcement_ts": _ts(raised, 900_000 + number % 100_000),
                        "message_ts": None,
                        "acknowledged_by": rng.choice(team) if acknowledged <= now else "",
                        "acknowledged_at": acknowledged if acknowledged <= now else None,
                        "resolved_by": rng.choice(team) if done else "",
                        "resolved_at": resolved if done else None,
                        "resolution": "Fixed and verified with the customer" if done else "",
                        "state": "resolved" if done else "open",
                    }
                )
        if number:
            counts.append({"id": pilot.id, "flag_count": number})
    if counts:
        session.execute(update(Pilot), counts)  # bulk UPDATE by primary key
    return _insert_many(session, Flag, flags)


def _insert_many(session: Session, table: type[SQLModel], rows: list[dict[str, Any]]) -> int:
    # History rows go in as one bulk INSERT (executemany): building 50,000 SQLModel
    # objects one by one would make seeding, not serving, the slow part of the run.
    if rows:
        session.execute(insert(table), rows)
    return len(rows)
