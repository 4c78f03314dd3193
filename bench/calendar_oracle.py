"""What a pilot's cadence must post, and when, restated from the framework in a few lines.

The oracle of the calendar property test (tests/test_calendar_property.py), its longer
run (`bench.calendar_property`) and the chaos benchmark (`bench.chaos`). It must not
share a line with the product's calendar (bot/core/cadence.py, workdays.py,
localtime.py, timeline.py): it reads the plan's fields and walks the dates itself, so a
bug there cannot hide by being copied here. It uses the same holiday data (the
`holidays` package) and time zone data (zoneinfo), which are facts, not logic.

The rules, from the framework and the README:

- A workday is Monday to Friday, not a public holiday of the pilot's country, not a
  skip date. Pilot week w runs from start + 7(w-1) for seven days, whatever the
  weekday of the start; week 1 is Setup, week 2 Soft Launch, weeks 3..N Expanded
  Pilot, then the evaluation weeks.
- Check-ins: each workday from week 2 (from the start with checkins_from=setup) to the
  last day of week N, at the check-in time. Their reminder at the reminder time
  (explicit, or the check-in + 4 h, at most 23:59), in the check-in's thread, when
  someone holds a reminder role (nobody checks in here).
- Weekly review: weeks 2..N, on the week's day with the review weekday, else the next
  workday of that week, at the review time.
- Ramp post: weeks 2..N whose planned traffic differs from the week before, on the
  week's first workday at the check-in time; its heads-up on the last workday before
  that, from the start date on.
- Phase review: the last workday of Setup, Soft Launch and Expanded Pilot (those the
  pilot has), at the review time. Final evaluation: the first workday of the
  evaluation; the recommendation reminder, by DM to the decision maker (executive
  sponsor, else project lead) if there is one, its last workday.
- A wall time is read in the pilot's zone. One that the clocks skip (spring forward)
  is sent when they jump, at the end of the gap (Cairo's 00:15 on the last Friday of
  April is 01:00); one they show twice (fall back), at its first occurrence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

from bot.core.plan import Plan

CHANNEL = "channel"  # a top-level post in the pilot's channel
THREAD = "thread"  # a reply in the day's check-in thread
DM = "dm"  # a direct message to the decision maker
ONE_DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Expected:
    """One message the cadence owes: its key (the bot's metadata names it), where it goes,
    the local day and wall time it was configured for, and the instant it is due."""

    key: str
    where: str
    day: date
    wall: time
    due: datetime  # aware, UTC
    in_gap: bool = False  # the wall time does not exist that day (moved to the jump)
    ambiguous: bool = False  # the wall time happens twice that day (the first one counts)


@cache
def _holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year))


def is_workday(plan: Plan, day: date) -> bool:
    if day.weekday() >= 5 or day in plan.skip_dates:
        return False
    return plan.holiday_country is None or day not in _holidays(plan.holiday_country, day.year)


def wall_instant(day: date, wall: time, zone: ZoneInfo) -> tuple[datetime, bool, bool]:
    """The UTC instant a wall time on ``day`` means, and whether it was in a gap or twice."""
    naive = datetime.combine(day, wall.replace(tzinfo=None, fold=0))
    readings = {naive.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)}
    real = sorted(r for r in readings if r.astimezone(zone).replace(tzinfo=None) == naive)
    if real:
        return real[0], False, len(real) > 1
    # Skipped by the clocks: walk on from the earlier reading to the minute they jump.
    instant = min(readings)
    while instant.astimezone(zone).replace(tzinfo=None) < naive:
        instant += MINUTE
    return instant, True, False


def reminder_wall(plan: Plan) -> time:
    if plan.reminder is not None:
        return plan.reminder
    later = datetime.combine(date(2000, 1, 1), plan.checkin) + timedelta(hours=4)
    return later.time() if later.day == 1 else time(23, 59)


def week_days(plan: Plan, week: int) -> list[date]:
    first = plan.start + timedelta(days=7 * (week - 1))
    return [first + timedelta(days=n) for n in range(7)]


def traffic(plan: Plan, week: int) -> int:
    steps = plan.ramp.steps
    return steps[min(week, plan.weeks, len(steps)) - 1]


def expected_posts(plan: Plan, *, reminded: bool, decider: bool) -> list[Expected]:
    """Everything ``plan`` posts, in due order. ``reminded``: someone holds a reminder role;
    ``decider``: someone holds the deciding role."""
    zone = ZoneInfo(plan.tz)
    found: list[Expected] = []

    def owe(key: str, where: str, day: date, wall: time) -> None:
        due, in_gap, ambiguous = wall_instant(day, wall, zone)
        found.append(Expected(key, where, day, wall, due, in_gap, ambiguous))

    def workdays(days: list[date]) -> list[date]:
        return [day for day in days if is_workday(plan, day)]

    weeks = range(1, plan.weeks + 1)
    pilot_days = [day for week in weeks for day in week_days(plan, week)]
    first_checkin = 1 if plan.checkins_from.value == "setup" else 2
    for day in workdays([d for w in weeks if w >= first_checkin for d in week_days(plan, w)]):
        owe(f"checkin:{day}", CHANNEL, day, plan.checkin)
        if reminded:
            owe(f"reminder:{day}", THREAD, day, reminder_wall(plan))
    for week in weeks[1:]:
        days = week_days(plan, week)
        on_weekday = days.index(next(d for d in days if d.weekday() == plan.review_weekday))
        review = workdays(days[on_weekday:])
        if review:
            owe(f"weekly_review:w{week}", CHANNEL, review[0], plan.review_time)
        if traffic(plan, week) != traffic(plan, week - 1) and workdays(days):
            step_day = workdays(days)[0]
            owe(f"ramp_change:w{week}", CHANNEL, step_day, plan.checkin)
            before = workdays([d for d in pilot_days if d < step_day])
            if before:
                owe(f"ramp_heads_up:w{week}", CHANNEL, before[-1], plan.checkin)
    phases = {"setup": [1], "soft_launch": [2], "expanded": list(range(3, plan.weeks + 1))}
    for phase, its_weeks in phases.items():
        last = workdays([d for w in its_weeks if w <= plan.weeks for d in week_days(plan, w)])
        if last:
            owe(f"phase_review:{phase}", CHANNEL, last[-1], plan.review_time)
    evaluation = workdays(
        [
            d
            for w in range(plan.weeks + 1, plan.weeks + plan.evaluation_weeks + 1)
            for d in week_days(plan, w)
        ]
    )
    if evaluation:
        owe("final_evaluation", CHANNEL, evaluation[0], plan.review_time)
        if decider:
            owe("recommendation_reminder", DM, evaluation[-1], plan.review_time)
    return sorted(found, key=lambda e: (e.due, e.key))


def local_day_end(day: date, zone: ZoneInfo) -> datetime:
    """The first instant after ``day`` in ``zone`` (UTC)."""
    return wall_instant(day + ONE_DAY, time(0, 0), zone)[0]
