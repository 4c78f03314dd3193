"""Traffic, in the words of the framework's Traffic Ramping: the steps the plan
announces, the ones someone confirmed applied, and a hold after a No-go."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.core.cadence import ramp_change_days
from bot.core.errors import DomainError
from bot.core.localtime import local_date
from bot.core.phases import Phase
from bot.core.plan import Plan
from bot.core.ramps import Ramp
from bot.core.timeline import planned_traffic, traffic_in_week


@dataclass(frozen=True)
class RampStep:
    """A planned traffic step: week ``week`` goes from ``from_pct`` to ``to_pct``,
    announced on ``on`` (the first workday of that week)."""

    week: int
    from_pct: int
    to_pct: int
    on: date


@dataclass(frozen=True)
class Confirmation:
    week: int
    pct: int
    by: str
    at: datetime


@dataclass(frozen=True)
class Hold:
    """The ramp held after a No-go: no further steps until a change is approved."""

    phase: Phase
    pct: int
    since: datetime
    by: str


@dataclass(frozen=True)
class Traffic:
    planned: int
    confirmed: Confirmation | None  # the latest step someone confirmed applied
    unconfirmed: RampStep | None  # the latest announced step nobody confirmed yet
    next_step: RampStep | None
    hold: Hold | None


def ramp_steps(plan: Plan) -> list[RampStep]:
    """The steps the cadence announces (weeks whose planned % changes), in order."""
    return [
        RampStep(
            week=week,
            from_pct=traffic_in_week(plan, week - 1),
            to_pct=traffic_in_week(plan, week),
            on=day,
        )
        for week, day in ramp_change_days(plan)
    ]


def ramp_step(plan: Plan, week: int) -> RampStep | None:
    return next((s for s in ramp_steps(plan) if s.week == week), None)


def traffic(
    plan: Plan, now: datetime, confirmations: Sequence[Confirmation], hold: Hold | None
) -> Traffic:
    today = local_date(now, plan.zone)
    steps = ramp_steps(plan)
    announced = [s for s in steps if s.on <= today]
    if hold is not None:
        held_on = local_date(hold.since, plan.zone)
        announced = [s for s in announced if s.on <= held_on]
    latest = announced[-1] if announced else None
    confirmed_weeks = {c.week for c in confirmations}
    unconfirmed = latest if latest is not None and latest.week not in confirmed_weeks else None
    upcoming = None if hold is not None else next((s for s in steps if s.on > today), None)
    return Traffic(
        planned=planned_traffic(plan, today),
        confirmed=max(confirmations, key=lambda c: (c.week, c.at), default=None),
        unconfirmed=unconfirmed,
        next_step=upcoming,
        hold=hold,
    )


def held_ramp(plan: Plan, week: int) -> Ramp:
    """The ramp with week ``week``'s step put off by a week: what Hold proposes."""
    steps = list(plan.ramp.weekly(plan.weeks))
    if not 2 <= week <= plan.weeks:
        raise DomainError(f"Week {week} is not a ramp step of this {plan.weeks}-week pilot.")
    held = [*steps[: week - 1], steps[week - 2], *steps[week - 1 :]][: plan.weeks]
    return Ramp.custom(held)
