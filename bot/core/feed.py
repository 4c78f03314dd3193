"""The pilot's dates as calendar events: what its subscribable calendar holds and what the
Home tab lists as coming up.

Built from the cadence's own milestones (`bot.core.cadence.milestones`), never from a
second calendar, so holidays, skip dates and a review moved to the next workday fall
exactly as the bot posts them. The framework's weekly metrics review call lasts 30
minutes; the end-of-phase and end-of-pilot reviews (formal meetings) get an hour; ramp
steps and the end dates are all-day events on their day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache

from bot.core.cadence import DueKind, milestones
from bot.core.localtime import local_instant, require_aware
from bot.core.phases import Phase
from bot.core.plan import Plan
from bot.core.timeline import traffic_in_week

WEEKLY_REVIEW_MINUTES = 30
FORMAL_REVIEW_MINUTES = 60


class EventKind(StrEnum):
    WEEKLY_REVIEW = "weekly_review"
    PHASE_REVIEW = "phase_review"
    FINAL_EVALUATION = "final_evaluation"
    RAMP_STEP = "ramp_step"
    HARD_END = "hard_end"
    EVALUATION_END = "evaluation_end"


@dataclass(frozen=True)
class PlanEvent:
    """One event of the pilot's calendar. ``key`` names it for good (a review moved to
    another day keeps its key), so a calendar app updates it rather than adding another."""

    key: str  # "weekly_review:w3", "phase_review:setup", "ramp_step:w3", "hard_end", ...
    kind: EventKind
    title: str
    day: date  # the local date it falls on
    start: datetime | None  # aware, in the plan's zone; None: an all-day event
    minutes: int = 0

    @property
    def all_day(self) -> bool:
        return self.start is None

    @property
    def end(self) -> datetime | None:
        return None if self.start is None else self.start + timedelta(minutes=self.minutes)

    def begins(self, plan: Plan) -> datetime:
        """The instant it begins: its start, or the local midnight of its day."""
        return self.start if self.start is not None else local_instant(self.day, time(), plan.zone)


_TIMED = {
    DueKind.WEEKLY_REVIEW: (EventKind.WEEKLY_REVIEW, WEEKLY_REVIEW_MINUTES),
    DueKind.PHASE_REVIEW: (EventKind.PHASE_REVIEW, FORMAL_REVIEW_MINUTES),
    DueKind.FINAL_EVALUATION: (EventKind.FINAL_EVALUATION, FORMAL_REVIEW_MINUTES),
}


@lru_cache(maxsize=1024)
def plan_events(plan: Plan) -> tuple[PlanEvent, ...]:
    """Every event of the pilot, in order: reviews at their times, ramp steps on the day
    they are announced, the hard end date and the end of evaluation."""
    found: list[PlanEvent] = []
    for due in milestones(plan):
        if due.kind in _TIMED:
            kind, minutes = _TIMED[due.kind]
            found.append(
                PlanEvent(due.key, kind, _title(plan, due.kind, due.period), due.local_date,
                          due.due_at, minutes)
            )
        elif due.kind is DueKind.RAMP_CHANGE:
            week = int(due.period.removeprefix("w"))
            before, after = traffic_in_week(plan, week - 1), traffic_in_week(plan, week)
            title = f"Traffic {before}% → {after}% (week {week})"
            found.append(
                PlanEvent(f"ramp_step:{due.period}", EventKind.RAMP_STEP, title, due.local_date,
                          None)
            )
    found.append(
        PlanEvent("hard_end", EventKind.HARD_END, "Hard end date", plan.hard_end_date, None)
    )
    found.append(
        PlanEvent("evaluation_end", EventKind.EVALUATION_END, "End of evaluation",
                  plan.evaluation_end_date, None)
    )
    return tuple(sorted(found, key=lambda e: (e.day, e.start is not None, e.begins(plan))))


def events_between(plan: Plan, start: datetime, end: datetime) -> list[PlanEvent]:
    """The events that begin in [start, end)."""
    require_aware(start, "start")
    require_aware(end, "end")
    return [e for e in plan_events(plan) if start <= e.begins(plan) < end]


def _title(plan: Plan, kind: DueKind, period: str) -> str:
    if kind is DueKind.WEEKLY_REVIEW:
        return f"Weekly metrics review (week {period.removeprefix('w')} of {plan.weeks})"
    if kind is DueKind.PHASE_REVIEW:
        return f"End of {Phase(period).display_name} review (go / no-go)"
    return "Final evaluation (end of pilot)"
