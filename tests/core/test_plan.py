"""Plan defaults and well-formedness errors."""

from __future__ import annotations

import dataclasses
from datetime import date, time

import pytest

from bot.core.errors import DomainError, PlanError
from bot.core.phases import Phase
from bot.core.pilot_types import PilotType
from bot.core.ramps import Ramp
from tests.core.plans import make_plan


def test_defaults() -> None:
    plan = make_plan(weeks=None)
    assert plan.weeks == 4  # business: the shortest length
    assert (plan.checkin, plan.review_weekday, plan.review_time) == (time(9, 30), 0, time(10, 0))
    assert plan.checkins_from is Phase.SOFT_LAUNCH
    assert (plan.reminder, plan.reminder_time) == (None, time(13, 30))
    assert (plan.evaluation_weeks, plan.override, plan.skip_dates) == (1, False, frozenset())
    assert plan.zone.key == "America/New_York"
    assert plan.pilot_type is PilotType.BUSINESS and plan.ramp == Ramp.standard()


@pytest.mark.parametrize(("pilot_type", "weeks"), [("technical", 2), ("business", 4), ("full", 6)])
def test_default_length_per_type(pilot_type: str, weeks: int) -> None:
    assert make_plan(pilot_type=pilot_type, weeks=None, ramp="40").weeks == weeks


def test_default_reminder_follows_the_checkin() -> None:
    plan = dataclasses.replace(make_plan(), checkin=time(8, 0))
    assert plan.reminder_time == time(12, 0)
    assert make_plan(checkin=time(21, 0)).reminder_time == time(23, 59)
    assert make_plan(reminder=time(16, 0)).reminder_time == time(16, 0)


def test_loose_input_is_normalised() -> None:
    plan = make_plan(
        pilot_type="Technical validation",
        weeks=3,
        ramp="0,10,20",
        holiday_country="us",
        checkins_from="Setup",
        skip_dates=[date(2026, 12, 8), date(2026, 12, 8)],
    )
    assert plan.pilot_type is PilotType.TECHNICAL
    assert plan.holiday_country == "US"
    assert plan.checkins_from is Phase.SETUP
    assert plan.skip_dates == frozenset({date(2026, 12, 8)})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tz": "Mars/Olympus"}, "Unknown timezone 'Mars/Olympus'. Use an IANA name such as"
                                 " America/New_York."),
        ({"tz": "America"}, "Unknown timezone 'America'. Use an IANA name such as"
                            " America/New_York."),
        ({"holiday_country": "XX"}, "Unknown holiday country 'XX'. Use a two-letter country"
                                    " code such as US, GB or DE."),
        ({"weeks": 0}, "A pilot runs 1 to 52 weeks, e.g. 6; got 0."),
        ({"evaluation_weeks": 0}, "The evaluation lasts 1 to 8 weeks, e.g. 1; got 0."),
        ({"name": "  "}, "The pilot needs a name."),
        ({"review_weekday": 7}, "The review weekday must be 0 (Monday) to 6 (Sunday)."),
        ({"checkins_from": "expanded"}, "Daily check-ins can start in Setup or Soft Launch."),
        ({"reminder": time(9, 0)}, "The reminder (09:00) must be later than the check-in"
                                   " (09:30)."),
        ({"pilot_type": "pilotish"}, "Unknown pilot type 'pilotish'. Use technical, business"
                                     " or full."),
    ],
)  # fmt: skip
def test_malformed_plans(changes: dict[str, object], message: str) -> None:
    with pytest.raises(PlanError) as caught:
        make_plan(**changes)
    assert caught.value.message == message
    assert isinstance(caught.value, DomainError)


def test_replace_is_validated_too() -> None:
    with pytest.raises(PlanError, match="Unknown timezone 'Nowhere'"):
        dataclasses.replace(make_plan(), tz="Nowhere")


def test_plan_is_hashable_and_frozen() -> None:
    plan = make_plan()
    assert hash(plan) == hash(make_plan())
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.weeks = 8  # type: ignore[misc]
