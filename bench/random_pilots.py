"""Random pilots for the calendar property (`bench.calendar_property`).

Zones with DST on weekdays and on weekends and with half-hour and 45-minute offsets;
start dates on any day of the week; every pilot type, ramp (presets and custom) and
evaluation length; holidays of the zone's country or none; skip dates; check-ins from
Setup or Soft Launch; teams with and without people in the reminder and deciding roles;
check-in, reminder and review times near midnight, or in the hour the clocks skip or
show twice. Each draw is a well-formed plan (a custom ramp outside its type's band is
saved with the override, as the product asks).
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bench.calendar_oracle import Expected, expected_posts, is_workday, wall_instant
from bot.core.errors import PlanError
from bot.core.plan import Plan, plan_warnings

# Zones and their holiday countries: DST on weekdays (Cairo springs forward at midnight on
# a Friday and falls back at midnight on a Thursday; Jerusalem springs forward on a
# Friday), half-hour and 45-minute offsets with and without DST.
PLACES: tuple[tuple[str, str], ...] = (
    ("Asia/Kolkata", "IN"),
    ("America/St_Johns", "CA"),
    ("Australia/Adelaide", "AU"),
    ("Asia/Kathmandu", "NP"),
    ("Pacific/Chatham", "NZ"),
    ("Africa/Cairo", "EG"),
    ("Asia/Jerusalem", "IL"),
    ("America/New_York", "US"),
)
SHAPES = (("technical", 2, 4), ("business", 4, 8), ("full", 6, 12))
RAMPS = ("conservative", "standard", "aggressive", "custom")
# Who is on the team decides two posts: a reminder needs a holder of a reminder role
# (project lead, implementation lead), the recommendation reminder a decision maker.
TEAMS: tuple[tuple[str, ...], ...] = (
    (),
    ("project_lead",),
    ("implementation_lead",),
    ("executive_sponsor", "implementation_lead"),
)
FIRST_START, LAST_START = date(2026, 1, 1), date(2028, 6, 30)


@dataclass(frozen=True)
class RandomPilot:
    plan: Plan
    roles: tuple[str, ...]  # one team member per role
    channel: str

    @property
    def reminded(self) -> bool:
        return any(role in ("project_lead", "implementation_lead") for role in self.roles)

    @property
    def deciders(self) -> tuple[str, ...]:
        for role in ("executive_sponsor", "project_lead"):  # the deciding role, in order
            if role in self.roles:
                return (self.user(role),)
        return ()

    def user(self, role: str) -> str:
        return f"U{self.channel[1:]}{self.roles.index(role)}"

    def expected(self) -> list[Expected]:
        return expected_posts(self.plan, reminded=self.reminded, decider=bool(self.deciders))


# ----- random pilots ---------------------------------------------------------------------------


def clock_changes(zone: ZoneInfo, year: int) -> list[tuple[date, list[time], bool]]:
    """The days of ``year`` the clocks change in ``zone``: the wall times (whole minutes)
    they skip or show twice, and True for a gap."""
    found = []
    day = date(year, 1, 1)
    while day.year == year:
        before = datetime.combine(day, time(0, 0), tzinfo=zone).utcoffset()
        after = datetime.combine(day, time(23, 59), tzinfo=zone).utcoffset()
        nxt = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone).utcoffset()
        if before != after or after != nxt:
            odd = []
            for minute in range(24 * 60):
                wall = time(minute // 60, minute % 60)
                _, in_gap, twice = wall_instant(day, wall, zone)
                if in_gap or twice:
                    odd.append((wall, in_gap))
            if odd:
                found.append((day, [w for w, _ in odd], odd[0][1]))
        day += timedelta(days=1)
    return found


def random_pilot(rng: random.Random, index: int) -> RandomPilot:
    """A well-formed random plan; about half aim their times at a clock change. The first
    two of a run always do, on a workday of their check-ins: a wall time the clocks skip,
    then one they show twice (so even a short run covers both)."""
    while True:
        try:
            return _draw(rng, index, CORNERS[index] if index < len(CORNERS) else None)
        except PlanError:
            continue  # a reminder not later than the check-in, say: draw again


CORNERS = (True, False)  # the clock change the first pilots aim at: a gap, a repeated hour


def _draw(rng: random.Random, index: int, corner: bool | None) -> RandomPilot:
    places = PLACES
    if corner is not None:  # zones whose clocks change that way on a workday
        places = tuple(p for p in PLACES if _weekday_changes(ZoneInfo(p[0]), gap=corner))
    tz, country = rng.choice(places)
    zone = ZoneInfo(tz)
    kind, shortest, longest = rng.choice(SHAPES)
    weeks = rng.randint(shortest, longest)
    evaluation_weeks = rng.choice((1, 1, 2))
    checkin = _odd_time(rng)
    review = _odd_time(rng)
    # Clock changes on a workday (Cairo's, Jerusalem's spring) matter most: on a weekend
    # nothing is posted anyway.
    changes = _weekday_changes(zone, gap=corner) or _weekday_changes(zone, gap=None)
    reminder, aimed_at = None, None
    if changes and (corner is not None or rng.random() < 0.5):
        # Aim at a clock change: the day inside the pilot, a time in its odd hour.
        aimed_at, walls, _ = rng.choice(changes)
        if corner is None:
            start = aimed_at - timedelta(days=rng.randint(0, 7 * (weeks + evaluation_weeks) - 1))
        else:  # in weeks 2..N, where every workday has a check-in
            start = aimed_at - timedelta(days=rng.randint(7, 7 * weeks - 1))
        checkin = rng.choice(walls) if corner is not None or rng.random() < 0.7 else checkin
        review = rng.choice(walls) if rng.random() < 0.7 else review
        later = [w for w in walls if w > checkin]
        if later and rng.random() < 0.3:
            reminder = rng.choice(later)  # check-in and reminder in the same odd hour
    else:
        start = FIRST_START + timedelta(days=rng.randint(0, (LAST_START - FIRST_START).days))
    ramp = rng.choice(RAMPS)
    if ramp == "custom":
        steps = sorted(rng.sample(range(0, 101, 5), rng.randint(1, 6)))
        ramp = ",".join(str(pct) for pct in steps)
    days = [start + timedelta(days=n) for n in range(7 * (weeks + evaluation_weeks))]
    days = [day for day in days if day != aimed_at]  # a corner's day stays a workday
    if reminder is None and rng.random() < 0.3 and checkin < time(23, 0):
        minute = min(checkin.hour * 60 + checkin.minute + rng.randint(1, 23 * 60), 24 * 60 - 1)
        reminder = time(minute // 60, minute % 60)
    plan = Plan.create(
        name=f"Property {index}",
        customer="Random",
        pilot_type=kind,
        start=start,
        weeks=weeks,
        ramp=ramp,
        tz=tz,
        checkin=checkin,
        review_weekday=rng.randint(0, 6),
        review_time=review,
        holiday_country=country if rng.random() < 0.7 else None,
        skip_dates=rng.sample(days, rng.randint(0, 3)),
        checkins_from=rng.choice(("soft_launch", "setup")),
        reminder=reminder,
        evaluation_weeks=evaluation_weeks,
    )
    if plan_warnings(plan):  # a custom ramp outside the type's band: saved with override
        plan = dataclasses.replace(plan, override=True)
    if corner is not None and (aimed_at is None or not is_workday(plan, aimed_at)):
        raise PlanError("the corner's day is a holiday: draw again")
    return RandomPilot(plan=plan, roles=rng.choice(TEAMS), channel=f"CPROP{index:05d}")


_CHANGES: dict[tuple[str, int], list[tuple[date, list[time], bool]]] = {}


def _weekday_changes(zone: ZoneInfo, *, gap: bool | None) -> list[tuple[date, list[time], bool]]:
    """The zone's clock changes of 2026-2028 on a weekday (``gap``: only those kinds)."""
    found = []
    for year in (2026, 2027, 2028):
        if (zone.key, year) not in _CHANGES:
            _CHANGES[(zone.key, year)] = clock_changes(zone, year)
        found += _CHANGES[(zone.key, year)]
    return [c for c in found if c[0].weekday() < 5 and gap in (None, c[2])]


def _odd_time(rng: random.Random) -> time:
    """Near midnight on either side, or any minute of the day."""
    minute = rng.choice(
        (rng.randint(0, 45), rng.randint(23 * 60 + 15, 23 * 60 + 59), rng.randint(0, 24 * 60 - 1))
    )
    return time(minute // 60, minute % 60)


def describe(drawn: RandomPilot) -> str:
    plan = drawn.plan
    return (
        f"{plan.pilot_type} {plan.weeks}w+{plan.evaluation_weeks} {plan.ramp.name} from "
        f"{plan.start:%a %Y-%m-%d} in {plan.tz}, check-in {plan.checkin:%H:%M}, review "
        f"{plan.review_weekday_name[:3]} {plan.review_time:%H:%M}, holidays "
        f"{plan.holiday_country or 'none'}, skip {sorted(map(str, plan.skip_dates))}, "
        f"check-ins from {plan.checkins_from}, team {list(drawn.roles)}"
    )
