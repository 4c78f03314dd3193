"""Workdays: weekdays minus the pilot country's holidays and the skip dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.core.errors import PlanError
from bot.core.workdays import holiday_name, is_workday, next_workday, previous_workday
from tests.core.plans import make_plan


def test_us_holidays_and_weekends() -> None:
    plan = make_plan()
    assert not is_workday(plan, date(2026, 11, 26))  # Thanksgiving
    assert is_workday(plan, date(2026, 11, 27))
    assert not is_workday(plan, date(2026, 12, 25))
    assert not is_workday(plan, date(2026, 12, 26))  # Saturday
    assert holiday_name(plan, date(2027, 1, 18)) == "Martin Luther King Jr. Day"


def test_skip_dates() -> None:
    plan = make_plan(skip_dates=[date(2026, 12, 24)])
    assert not is_workday(plan, date(2026, 12, 24))
    assert previous_workday(plan, date(2026, 12, 28)) == date(2026, 12, 23)


def test_next_and_previous() -> None:
    plan = make_plan()
    assert next_workday(plan, date(2026, 12, 24)) == date(2026, 12, 28)
    assert next_workday(plan, date(2026, 12, 24), inclusive=True) == date(2026, 12, 24)
    assert previous_workday(plan, date(2026, 12, 28)) == date(2026, 12, 24)
    assert previous_workday(plan, date(2027, 1, 4)) == date(2026, 12, 31)
    assert next_workday(plan, date(2027, 1, 15)) == date(2027, 1, 19)  # over MLK day


def test_other_countries() -> None:
    plan = make_plan(tz="Europe/Berlin", holiday_country="DE")
    assert not is_workday(plan, date(2026, 12, 25))
    assert not is_workday(plan, date(2027, 3, 26))  # Good Friday
    assert not is_workday(plan, date(2027, 5, 17))  # Whit Monday
    assert is_workday(plan, date(2027, 1, 18))  # not a holiday outside the US


def test_a_plan_that_skips_everything_fails_cleanly() -> None:
    days = [date(2026, 12, 7) + timedelta(days=i) for i in range(400)]
    plan = make_plan(skip_dates=days)
    with pytest.raises(PlanError, match="no workday in the year after"):
        next_workday(plan, date(2026, 12, 6))
