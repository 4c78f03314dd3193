"""Workdays: weekdays minus the pilot country's holidays and the skip dates."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta

import holidays
import pytest

from bot.core import workdays
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


@pytest.mark.parametrize("country", ["US", "GB", "DE", "FR", "JP", "IN", "BR", "USA", "DEU"])
@pytest.mark.parametrize("year", [2026, 2027])
def test_a_countrys_calendar_is_the_librarys_without_importing_every_country(country, year):
    expected = {d: n for d, n in holidays.country_holidays(country, years=year).items()
                if d.year == year}
    assert workdays._holiday_names(country, year) == expected


def test_looking_up_a_holiday_loads_one_country_not_all_of_them():
    code = (
        "import sys; from datetime import date; from bot.core.workdays import _holiday_names;"
        " _holiday_names('US', 2026); sys.exit('holidays.countries' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
