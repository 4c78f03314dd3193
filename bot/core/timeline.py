"""Which week, phase and traffic a calendar date falls in.

Weeks count from the start date: week 1 is the start date and the six days
after it, whatever the weekday. The count runs on through evaluation (weeks
N+1..N+E have phase EVALUATION), so a week number alone identifies a row of
the `/pilot plan` table.

Phases by week: Setup = week 1, Soft Launch = week 2, Expanded Pilot = weeks
3..N, Evaluation = the `evaluation_weeks` after the hard end date. A short
pilot simply has no Soft Launch / Expanded Pilot. Outside all phases the
status is NOT_STARTED or COMPLETE and `phase_on` returns None.
"""

from __future__ import annotations

from datetime import date

from bot.core.phases import Phase, PilotStatus
from bot.core.plan import Plan


def week_number(plan: Plan, day: date) -> int | None:
    """1-based week of `day`, continuing through evaluation; None outside the pilot."""
    if day < plan.start or day > plan.evaluation_end_date:
        return None
    return (day - plan.start).days // 7 + 1


def phase_of_week(plan: Plan, week: int) -> Phase:
    if week > plan.weeks:
        return Phase.EVALUATION
    if week == 1:
        return Phase.SETUP
    if week == 2:
        return Phase.SOFT_LAUNCH
    return Phase.EXPANDED


def phase_on(plan: Plan, day: date) -> Phase | None:
    week = week_number(plan, day)
    return None if week is None else phase_of_week(plan, week)


def status_on(plan: Plan, day: date) -> PilotStatus:
    if day < plan.start:
        return PilotStatus.NOT_STARTED
    if day <= plan.hard_end_date:
        return PilotStatus.RUNNING
    if day <= plan.evaluation_end_date:
        return PilotStatus.EVALUATION
    return PilotStatus.COMPLETE


def phase_span(plan: Plan, phase: Phase) -> tuple[date, date] | None:
    """First and last date of `phase`, or None when the pilot is too short to have it."""
    if phase is Phase.EVALUATION:
        return plan.evaluation_start_date, plan.evaluation_end_date
    first_week, last_week = {
        Phase.SETUP: (1, 1),
        Phase.SOFT_LAUNCH: (2, 2),
        Phase.EXPANDED: (3, plan.weeks),
    }[phase]
    if first_week > plan.weeks:
        return None
    return plan.week_start(first_week), plan.week_end(last_week)


def traffic_in_week(plan: Plan, week: int) -> int:
    """Planned traffic of a week; evaluation weeks hold the last pilot week's value."""
    return plan.ramp.percent_in_week(min(week, plan.weeks))


def planned_traffic(plan: Plan, day: date) -> int:
    """Planned traffic % on `day`.

    0% before the start. After the hard end date the plan keeps the last pilot
    week's value: traffic is not switched off by the calendar, the go/no-go
    recommendation decides what happens to it.
    """
    if day < plan.start:
        return 0
    week = (day - plan.start).days // 7 + 1
    return traffic_in_week(plan, week)
