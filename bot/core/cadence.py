"""Communication Cadence: every message the pilot's cadence owes, and when.

Kinds, following the framework's Daily / Weekly / End of Phase / End of Pilot:

- CHECKIN, REMINDER: each workday from Soft Launch (or Setup, with
  checkins_from=SETUP) through the hard end date, at the check-in and
  reminder times.
- WEEKLY_REVIEW: weeks 2..N, on the first date of the pilot week with the
  review weekday, else the next workday within that same week (none: no
  review that week), at the review time.
- RAMP_CHANGE: weeks 2..N whose planned % differs from the week before, on
  the first workday of that week (none: no announcement), at check-in time.
  RAMP_HEADS_UP: the workday before it, if on/after the start date.
- PHASE_REVIEW: last workday of Setup, Soft Launch, Expanded Pilot, at the
  review time.
- FINAL_EVALUATION / RECOMMENDATION_REMINDER: first / last workday of
  Evaluation, at the review time.

All due_at values are aware, in the plan's zone, placed by `local_instant`
(DST gaps move forward, ambiguous times take the first occurrence). Times
are compared in UTC, never as wall clocks.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache

from bot.core.localtime import local_date, local_instant, require_aware
from bot.core.phases import Phase
from bot.core.plan import PLAN_CACHE, Plan
from bot.core.timeline import phase_span, traffic_in_week
from bot.core.workdays import first_workday_between, is_workday, last_workday_between


class DueKind(StrEnum):
    # Declaration order is the tie-break when two messages share a due_at.
    CHECKIN = "checkin"
    REMINDER = "reminder"
    WEEKLY_REVIEW = "weekly_review"
    RAMP_CHANGE = "ramp_change"
    RAMP_HEADS_UP = "ramp_heads_up"
    PHASE_REVIEW = "phase_review"
    FINAL_EVALUATION = "final_evaluation"
    RECOMMENDATION_REMINDER = "recommendation_reminder"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {kind: index for index, kind in enumerate(DueKind)}
_REVIEWED_PHASES = (Phase.SETUP, Phase.SOFT_LAUNCH, Phase.EXPANDED)
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Due:
    """One message the cadence owes. `key` is stable: use it to send each message once."""

    kind: DueKind
    period: str  # "2026-12-08", "w3", "setup", or "evaluation"
    due_at: datetime  # aware, in the plan's zone
    local_date: date  # the scheduled local date (due_at's date unless a DST gap pushed it)
    key: str  # "checkin:2026-12-08", "weekly_review:w3", "final_evaluation", ...

    @property
    def due_at_utc(self) -> datetime:
        return self.due_at.astimezone(UTC)

    @property
    def sort_key(self) -> tuple[datetime, int]:
        return self.due_at_utc, self.kind.rank


def cadence_between(plan: Plan, start: datetime, end: datetime) -> list[Due]:
    """Every message due in [start, end), sorted by due_at then kind."""
    require_aware(start, "start")
    require_aware(end, "end")
    lo, hi = start.astimezone(UTC), end.astimezone(UTC)
    if hi <= lo:
        return []
    ms = milestones(plan)
    found = list(ms[bisect_left(ms, lo, key=_utc) : bisect_left(ms, hi, key=_utc)])
    # A day's margin each side: a DST gap can push a wall time past midnight.
    first = local_date(lo, plan.zone) - _ONE_DAY
    last = local_date(hi, plan.zone) + _ONE_DAY
    found += (d for d in _daily(plan, first, last) if lo <= d.due_at_utc < hi)
    return sorted(found, key=lambda d: d.sort_key)


def next_due(plan: Plan, now: datetime) -> Due | None:
    """The first message due at or after `now` (None once the cadence is over).

    Matches cadence_between's half-open window: after sending
    cadence_between(plan, last_tick, now), store next_due(plan, now).due_at.
    Walks forward from `now` only, never the whole pilot.
    """
    require_aware(now, "now")
    at = now.astimezone(UTC)
    ms = milestones(plan)
    index = bisect_left(ms, at, key=_utc)
    best = ms[index] if index < len(ms) else None
    last = plan.hard_end_date
    if best is not None:
        # A daily message two days after the milestone's date cannot precede it.
        last = min(last, best.local_date + 2 * _ONE_DAY)
    for due in _daily(plan, local_date(at, plan.zone) - _ONE_DAY, last):
        if due.due_at_utc >= at:
            if best is None or due.sort_key < best.sort_key:
                best = due
            break  # later daily messages are later still
    return best


def checkin_days(plan: Plan) -> list[date]:
    """The workdays that get a check-in and a reminder."""
    day, days = first_checkin_date(plan), []
    while day <= plan.hard_end_date:
        if is_workday(plan, day):
            days.append(day)
        day += _ONE_DAY
    return days


def first_checkin_date(plan: Plan) -> date:
    """First calendar day of the phase daily check-ins start in (may be past a 1-week pilot)."""
    return plan.start if plan.checkins_from is Phase.SETUP else plan.week_start(2)


@lru_cache(maxsize=PLAN_CACHE)
def milestones(plan: Plan) -> tuple[Due, ...]:
    """All non-daily messages of the pilot, sorted. A few dozen at most, cached per plan."""
    found = [*_weekly_reviews(plan), *_ramp_messages(plan), *_phase_reviews(plan)]
    found += _evaluation_messages(plan)
    return tuple(sorted(found, key=lambda d: d.sort_key))


def _daily(plan: Plan, first: date, last: date) -> Iterator[Due]:
    day = max(first, first_checkin_date(plan))
    last = min(last, plan.hard_end_date)
    while day <= last:
        if is_workday(plan, day):
            period = day.isoformat()
            yield _due(plan, DueKind.CHECKIN, period, day, plan.checkin)
            yield _due(plan, DueKind.REMINDER, period, day, plan.reminder_time)
        day += _ONE_DAY


def _weekly_reviews(plan: Plan) -> Iterator[Due]:
    for week in range(2, plan.weeks + 1):
        week_start = plan.week_start(week)
        offset = (plan.review_weekday - week_start.weekday()) % 7
        day = first_workday_between(plan, week_start + timedelta(days=offset), plan.week_end(week))
        if day is not None:
            yield _due(plan, DueKind.WEEKLY_REVIEW, f"w{week}", day, plan.review_time)


@lru_cache(maxsize=PLAN_CACHE)
def ramp_change_days(plan: Plan) -> tuple[tuple[int, date], ...]:
    """(week, day announced) for each week whose planned traffic changes: the cheap part of
    the ramp messages, which `/pilot status` needs on every call."""
    found = []
    for week in range(2, plan.weeks + 1):
        if traffic_in_week(plan, week) == traffic_in_week(plan, week - 1):
            continue
        # Announced within its own week only: a ramp step never bleeds into the next week.
        day = first_workday_between(plan, plan.week_start(week), plan.week_end(week))
        if day is not None:
            found.append((week, day))
    return tuple(found)


def _ramp_messages(plan: Plan) -> Iterator[Due]:
    for week, day in ramp_change_days(plan):
        yield _due(plan, DueKind.RAMP_CHANGE, f"w{week}", day, plan.checkin)
        heads_up = last_workday_between(plan, plan.start, day - _ONE_DAY)
        if heads_up is not None:
            yield _due(plan, DueKind.RAMP_HEADS_UP, f"w{week}", heads_up, plan.checkin)


def _phase_reviews(plan: Plan) -> Iterator[Due]:
    for phase in _REVIEWED_PHASES:
        span = phase_span(plan, phase)
        day = None if span is None else last_workday_between(plan, *span)
        if day is not None:
            yield _due(plan, DueKind.PHASE_REVIEW, phase.value, day, plan.review_time)


def _evaluation_messages(plan: Plan) -> list[Due]:
    first, last = plan.evaluation_start_date, plan.evaluation_end_date
    found = []
    for kind, day in (
        (DueKind.FINAL_EVALUATION, first_workday_between(plan, first, last)),
        (DueKind.RECOMMENDATION_REMINDER, last_workday_between(plan, first, last)),
    ):
        if day is not None:
            found.append(_due(plan, kind, "evaluation", day, plan.review_time, key=kind.value))
    return found


def _due(
    plan: Plan, kind: DueKind, period: str, day: date, wall: time, *, key: str | None = None
) -> Due:
    return Due(
        kind=kind,
        period=period,
        due_at=local_instant(day, wall, plan.zone),
        local_date=day,
        key=key if key is not None else f"{kind}:{period}",
    )


def _utc(due: Due) -> datetime:
    return due.due_at_utc
