"""Daily check-ins (framework, Communication Cadence, "Daily (During Launch)").

Which days get a check-in is the cadence's business (`bot.core.cadence`); this
module holds what a check-in thread says about its day and the one before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.core.cadence import first_checkin_date
from bot.core.localtime import local_instant
from bot.core.plan import Plan
from bot.core.roles import Role
from bot.core.workdays import is_workday

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class DaySummary:
    """One check-in day, as the next day's thread recalls it."""

    day: date
    checked_in: tuple[str, ...] = ()  # user ids, in the order they checked in
    flags_raised: tuple[str, ...] = ()  # flag ids such as "F-3"
    flags_resolved: tuple[str, ...] = ()


def previous_checkin_day(plan: Plan, day: date) -> date | None:
    """The check-in day before ``day``; None for the pilot's first check-in."""
    first = first_checkin_date(plan)
    candidate = day - _ONE_DAY
    while candidate >= first:
        if is_workday(plan, candidate):
            return candidate
        candidate -= _ONE_DAY
    return None


def is_checkin_day(plan: Plan, day: date) -> bool:
    """Whether ``day`` gets a check-in thread (a workday of the check-in period)."""
    return first_checkin_date(plan) <= day <= plan.hard_end_date and is_workday(plan, day)


def checkin_day_end(plan: Plan, day: date) -> datetime:
    """The instant ``day`` ends in the pilot's zone: after it, that day's check-in is pointless."""
    return local_instant(day + _ONE_DAY, time(0, 0), plan.zone)


def who_to_remind(
    holders: Iterable[tuple[str, Role]], roles: Iterable[Role], checked_in: Iterable[str]
) -> tuple[str, ...]:
    """Holders of the reminder roles who have not checked in, each once, in team order."""
    wanted, done = set(roles), set(checked_in)
    found: dict[str, None] = {}
    for user_id, role in holders:
        if role in wanted and user_id not in done:
            found.setdefault(user_id, None)
    return tuple(found)
