"""Workdays: Monday to Friday, minus the pilot country's public holidays and skip dates."""

from __future__ import annotations

import importlib.util
from datetime import date, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import holidays
from holidays.registry import COUNTRIES

from bot.core.errors import PlanError
from bot.core.plan import Plan

# No real plan goes a year without a workday; the bound keeps a plan that
# skips everything from looping forever.
_SEARCH_DAYS = 366
_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=1024)
def _holiday_names(country: str, year: int) -> dict[date, str]:
    # Cached per (country, year): this runs in the scheduler's hot path and
    # building a holidays calendar is comparatively slow.
    found = _calendar_class(country)(years=year)
    return {d: name for d, name in found.items() if d.year == year}


@cache
def _calendar_class(country: str) -> Any:
    """One country's holidays class, loaded from its own module.

    `holidays.country_holidays` imports the package `holidays.countries`, whose
    `__init__` imports all 250 countries (about 8 MB, held for the life of the process)
    when a pilot needs its own country's only. The library's registry names each
    country's module and class; tests/core/test_workdays.py checks the calendars match."""
    module, name = _COUNTRY_MODULES[country]
    path = Path(holidays.__file__).parent / "countries" / f"{module}.py"
    spec = importlib.util.spec_from_file_location(f"pilot_bot.holidays.{module}", path)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return getattr(loaded, name)


# Each country code (alpha-2 and alpha-3) -> (its module in holidays.countries, its class).
_COUNTRY_MODULES = {
    code: (module, names[0])
    for module, names in COUNTRIES.items()
    for code in names[1:]
    if code.isupper() and len(code) in (2, 3)
}


def holiday_name(plan: Plan, day: date) -> str | None:
    """The public holiday on `day` in the pilot's country, if any."""
    if plan.holiday_country is None:
        return None
    return _holiday_names(plan.holiday_country, day.year).get(day)


def is_workday(plan: Plan, day: date) -> bool:
    return day.weekday() < 5 and day not in plan.skip_dates and holiday_name(plan, day) is None


def next_workday(plan: Plan, day: date, *, inclusive: bool = False) -> date:
    """The first workday after `day` (or on it, with inclusive=True)."""
    candidate = day if inclusive else day + _ONE_DAY
    for _ in range(_SEARCH_DAYS):
        if is_workday(plan, candidate):
            return candidate
        candidate += _ONE_DAY
    raise PlanError(f"There is no workday in the year after {day}; check the skip dates.")


def previous_workday(plan: Plan, day: date, *, inclusive: bool = False) -> date:
    """The last workday before `day` (or on it, with inclusive=True)."""
    candidate = day if inclusive else day - _ONE_DAY
    for _ in range(_SEARCH_DAYS):
        if is_workday(plan, candidate):
            return candidate
        candidate -= _ONE_DAY
    raise PlanError(f"There is no workday in the year before {day}; check the skip dates.")


def workdays_between(plan: Plan, first: date, last: date) -> list[date]:
    """Workdays in [first, last], both inclusive."""
    days = (first + timedelta(days=i) for i in range((last - first).days + 1))
    return [d for d in days if is_workday(plan, d)]


def first_workday_between(plan: Plan, first: date, last: date) -> date | None:
    day = first
    while day <= last:
        if is_workday(plan, day):
            return day
        day += _ONE_DAY
    return None


def last_workday_between(plan: Plan, first: date, last: date) -> date | None:
    day = last
    while day >= first:
        if is_workday(plan, day):
            return day
        day -= _ONE_DAY
    return None
