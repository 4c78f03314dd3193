"""The chaos benchmark's pilots, and what they must post, counted from their plans and
escalation policies (never from the outbox).

Each pilot has its own channel, a team holding every framework role (one person each),
a check-in, a reminder and a review slot inside the run (in a zone where the run falls on
a workday, so today's cadence is owed), and short escalation policies, so that the
flags raised during the run climb all four steps before it ends.

What the cadence owes is `bench.calendar_oracle`'s, for the instants inside the run.
What a flag owes is the framework's Escalation Path, restated here: its announcement
when raised; at once a line in its thread for the technical team; then at each delay a
line and a DM to each holder of the step's roles (project lead and implementation lead;
the account owner; the executive sponsor and the vendor executive).
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine

from bench.calendar_oracle import expected_posts
from bot.core.plan import Plan, plan_warnings
from storage.db import unit_of_work
from storage.models import TeamMember
from storage.pilots import add_pilot, pilot_from_plan, refresh_next_due
from storage.scope import Workspace

WORKSPACE = Workspace(team_id="T0001")  # the emulator's team
ROLES = (
    "executive_sponsor",
    "project_lead",
    "technical_lead",
    "business_lead",
    "end_user",
    "account_owner",
    "implementation_lead",
    "technical_support",
    "product_support",
    "executive",
)
# The Escalation Path after its first step (the technical team, in the thread only): who
# gets a DM at each later step.
STEP_DMS = (
    (),
    ("project_lead", "implementation_lead"),
    ("account_owner",),
    ("executive_sponsor", "executive"),
)
# Short policies, so a flag reaches its executives within minutes: (severity, delays).
POLICIES = {"critical": (1, 2, 3), "major": (1, 3, 5)}
# Zones of every kind of offset; each pilot gets one where the whole run is a workday.
ZONES = (
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Adelaide",
    "America/St_Johns",
    "Pacific/Chatham",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Pacific/Auckland",
    "Pacific/Honolulu",
    "Pacific/Kiritimati",
)
SHAPES = (("technical", 2, 4), ("business", 4, 8), ("full", 6, 12))
RAMPS = ("conservative", "standard", "aggressive")


@dataclass(frozen=True)
class ChaosPilot:
    index: int
    plan: Plan
    pilot_id: int = 0

    @property
    def channel(self) -> str:
        return f"CCHAOS{self.index:04d}"

    def user(self, role: str) -> str:
        return f"UC{self.index:04d}{ROLES.index(role):02d}"


@dataclass(frozen=True)
class Owed:
    """A message the bench expects: whose, its key, and when it is due."""

    pilot_id: int
    key: str
    due: datetime
    what: str  # checkin, reminder, weekly_review, ..., flag, escalation


def workday_zones(start: datetime, end: datetime) -> list[str]:
    """Zones where [start, end] lies within one local workday (no holidays here)."""
    found = []
    for tz in ZONES:
        zone = ZoneInfo(tz)
        first, last = start.astimezone(zone), end.astimezone(zone)
        if first.date() == last.date() and first.weekday() < 5:
            found.append(tz)
    return found


def draw_pilots(
    rng: random.Random, *, count: int, first_due: datetime, last_due: datetime
) -> list[ChaosPilot]:
    """``count`` pilots whose check-in, review and reminder times fall in
    [first_due, last_due] (whole minutes, local), in a zone where that is a workday."""
    zones = workday_zones(first_due, last_due + timedelta(minutes=5)) or ["UTC"]
    span = max(int((last_due - first_due).total_seconds() // 60) - 3, 0)
    pilots = []
    for index in range(count):
        zone = ZoneInfo(zones[index % len(zones)])
        checkin_at = first_due + timedelta(minutes=rng.randint(0, span))
        local = (checkin_at + timedelta(minutes=1)).astimezone(zone)
        checkin = time(local.hour, local.minute)
        review = _plus(checkin, rng.randint(0, 1))
        kind, shortest, longest = rng.choice(SHAPES)
        weeks = rng.randint(shortest, longest)
        # Today is in week 2 .. N+1 (Soft Launch to the first evaluation week).
        start = local.date() - timedelta(days=rng.randint(7, 7 * (weeks + 1) - 1))
        plan = Plan.create(
            name=f"Chaos {index:04d}",
            customer="Chaos",
            pilot_type=kind,
            start=start,
            weeks=weeks,
            ramp=rng.choice(RAMPS),
            tz=zone.key,
            checkin=checkin,
            review_weekday=local.weekday(),
            review_time=review,
            reminder=_plus(checkin, 2),
        )
        if plan_warnings(plan):
            plan = dataclasses.replace(plan, override=True)  # as the product saves it
        pilots.append(ChaosPilot(index=index, plan=plan))
    return pilots


def _plus(wall: time, minutes: int) -> time:
    moved = datetime.combine(date(2000, 1, 1), wall) + timedelta(minutes=minutes)
    return moved.time()


def store_pilots(engine: Engine, pilots: list[ChaosPilot], now: datetime) -> list[ChaosPilot]:
    """Each pilot with its team and escalation policies, scheduled as of ``now``."""
    stored = []
    with unit_of_work(engine) as session:
        for pilot in pilots:
            row = pilot_from_plan(
                pilot.plan,
                workspace=WORKSPACE,
                channel_id=pilot.channel,
                owner_id=pilot.user("account_owner"),
            )
            row.escalation_critical = " ".join(f"{m}m" for m in POLICIES["critical"])
            row.escalation_major = " ".join(f"{m}m" for m in POLICIES["major"])
            row = add_pilot(session=session, pilot=row)
            assert row.id is not None
            for role in ROLES:
                session.add(
                    TeamMember(
                        pilot_id=row.id, user_id=pilot.user(role), role=role, added_by="UCHAOS"
                    )
                )
            refresh_next_due(session, row, now)
            stored.append(ChaosPilot(index=pilot.index, plan=pilot.plan, pilot_id=row.id))
    return stored


def cadence_owed(pilots: list[ChaosPilot], start: datetime, end: datetime) -> list[Owed]:
    """What the pilots' cadences owe with a due time in [start, end)."""
    found = []
    for pilot in pilots:
        for expected in expected_posts(pilot.plan, reminded=True, decider=True):
            if start <= expected.due < end:
                what = expected.key.split(":", 1)[0]
                found.append(Owed(pilot.pilot_id, expected.key, expected.due, what))
    return found


def flag_owed(pilot: ChaosPilot, number: int, severity: str, raised: datetime) -> list[Owed]:
    """A flag's announcement and every step of its escalation path, with due times."""
    ref = f"F-{number}"
    found = [Owed(pilot.pilot_id, f"flag:{ref}", raised, "flag")]
    delays = (0, *POLICIES[severity])
    for step, (minutes, dm_roles) in enumerate(zip(delays, STEP_DMS, strict=True)):
        due = raised + timedelta(minutes=minutes)
        found.append(Owed(pilot.pilot_id, f"escalation:{ref}:s{step}", due, "escalation"))
        found += [
            Owed(pilot.pilot_id, f"escalation:{ref}:s{step}:{pilot.user(role)}", due, "escalation")
            for role in dm_roles
        ]
    return found
