"""The pilot calendar: where a pilot stands now, its week table, and its cadence.

Week numbers continue through evaluation (see `bot.core.timeline`); the
snapshot's `phase`/`status` say whether a week is a pilot or an evaluation week.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property, lru_cache

from bot.core.cadence import Due, DueKind, cadence_between, milestones, next_due
from bot.core.localtime import local_date, require_aware
from bot.core.phases import Phase, PilotStatus
from bot.core.plan import PLAN_CACHE, Plan, plan_warnings
from bot.core.timeline import (
    phase_of_week,
    phase_on,
    planned_traffic,
    status_on,
    traffic_in_week,
    week_number,
)
from bot.core.workdays import is_workday

__all__ = [
    "Due",
    "DueKind",
    "PlanSnapshot",
    "RampChange",
    "WeekPlan",
    "cadence_between",
    "next_due",
    "snapshot",
    "weeks",
]


@dataclass(frozen=True)
class RampChange:
    """A planned traffic step: `to_pct` applies from `on`, the first day of `week`."""

    week: int
    on: date
    from_pct: int
    to_pct: int


@dataclass(frozen=True)
class PlanSnapshot:
    now: datetime  # the instant asked about, in the plan's zone
    local_date: date
    status: PilotStatus
    phase: Phase | None  # None before the start and once complete
    week: int | None  # 1-based, continuing through evaluation; None outside
    pilot_weeks: int  # N, for "week 3 of 6"
    day: int | None  # 1-based calendar day since the start (runs on); None before it
    days_to_start: int | None  # >0 before the start, else None
    days_left: int | None  # to the hard end date: 0 on the last day, None after it
    traffic_pct: int
    next_ramp_change: RampChange | None
    is_workday: bool
    plan: Plan
    # The snapshot's instant, in UTC, for the lazily computed fields below.
    at: datetime

    @cached_property
    def next_due(self) -> Due | None:
        """The next communication owed at or after the snapshot's instant (computed on use:
        `/pilot status` does not need it, and it is the costliest part)."""
        return next_due(self.plan, self.at)

    @property
    def warnings(self) -> tuple[str, ...]:
        return _warnings(self.plan)


@dataclass(frozen=True)
class WeekPlan:
    """One row of the `/pilot plan` table (pilot weeks, then evaluation weeks)."""

    number: int
    start: date
    end: date
    phase: Phase
    traffic_pct: int
    review_at: datetime | None  # the weekly review; None in week 1 and in evaluation
    events: tuple[Due, ...]  # every non-daily message scheduled in the week


def snapshot(plan: Plan, now: datetime) -> PlanSnapshot:
    require_aware(now, "now")
    today = local_date(now, plan.zone)
    status = status_on(plan, today)
    traffic = planned_traffic(plan, today)
    ended = today > plan.hard_end_date
    return PlanSnapshot(
        now=now.astimezone(plan.zone),
        local_date=today,
        status=status,
        phase=phase_on(plan, today),
        week=week_number(plan, today),
        pilot_weeks=plan.weeks,
        day=(today - plan.start).days + 1 if today >= plan.start else None,
        days_to_start=(plan.start - today).days if today < plan.start else None,
        days_left=None if ended else (plan.hard_end_date - today).days,
        traffic_pct=traffic,
        next_ramp_change=None if ended else _next_ramp_change(plan, today, traffic),
        is_workday=is_workday(plan, today),
        plan=plan,
        at=now,
    )


@lru_cache(maxsize=PLAN_CACHE)
def _warnings(plan: Plan) -> tuple[str, ...]:
    return tuple(plan_warnings(plan))


def weeks(plan: Plan) -> list[WeekPlan]:
    """All pilot and evaluation weeks with their phase, traffic and scheduled events."""
    events = milestones(plan)
    rows = []
    for number in range(1, plan.total_weeks + 1):
        start, end = plan.week_start(number), plan.week_end(number)
        in_week = tuple(e for e in events if start <= e.local_date <= end)
        review = next((e.due_at for e in in_week if e.kind is DueKind.WEEKLY_REVIEW), None)
        rows.append(
            WeekPlan(
                number=number,
                start=start,
                end=end,
                phase=phase_of_week(plan, number),
                traffic_pct=traffic_in_week(plan, number),
                review_at=review,
                events=in_week,
            )
        )
    return rows


def _next_ramp_change(plan: Plan, today: date, current: int) -> RampChange | None:
    # The first later pilot week whose planned % differs from today's.
    week = week_number(plan, today) or 0
    for later in range(week + 1, plan.weeks + 1):
        pct = traffic_in_week(plan, later)
        if pct != current:
            return RampChange(week=later, on=plan.week_start(later), from_pct=current, to_pct=pct)
    return None
