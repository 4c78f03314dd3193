"""Change impact sentences for the change process."""

from __future__ import annotations

import dataclasses
from datetime import date, time

from bot.core.impact import change_impact
from bot.core.ramps import Ramp
from tests.core.plans import make_plan


def test_no_change() -> None:
    assert change_impact(make_plan(), make_plan()) == []


def test_longer_technical_pilot() -> None:
    old = make_plan(pilot_type="technical", weeks=3, ramp="0,10,20")
    new = dataclasses.replace(old, weeks=5)
    assert change_impact(old, new) == [
        "The pilot runs 5 weeks instead of 3.",
        "The hard end date moves from 2026-12-27 to 2027-01-10 (2 weeks later).",
        "2 more weekly reviews.",
        # w4 12-28..01-01 loses New Year's Day; w5 01-04..01-08 is whole.
        "9 more daily check-ins.",
        "A 5-week technical pilot is longer than the technical range of 2-4 weeks.",
    ]


def test_shorter_pilot() -> None:
    old = make_plan(weeks=8)
    new = dataclasses.replace(old, weeks=7)
    assert change_impact(old, new) == [
        "The pilot runs 7 weeks instead of 8.",
        "The hard end date moves from 2027-01-31 to 2027-01-24 (1 week earlier).",
        "1 fewer weekly review.",
        "5 fewer daily check-ins.",
    ]


def test_slower_ramp_reaches_the_peak_later() -> None:
    old = make_plan()
    new = dataclasses.replace(old, ramp=Ramp.parse("10,25,40,40,50"))
    assert change_impact(old, new) == [
        "The ramp changes from the standard ramp to the custom ramp 10,25,40,40,50.",
        "The ramp reaches 50% a week later (week 5 instead of week 4).",
    ]


def test_ramp_that_no_longer_reaches_the_peak() -> None:
    old = make_plan()
    new = dataclasses.replace(old, ramp=Ramp.conservative())
    assert change_impact(old, new) == [
        "The ramp changes from the standard ramp to the conservative ramp.",
        "The ramp peaks at 30% instead of 50%.",
        "The ramp no longer reaches 50% (it did in week 4).",
    ]


def test_faster_ramp() -> None:
    old = make_plan(ramp="10,20,30,40,50", weeks=6)
    new = dataclasses.replace(old, ramp=Ramp.standard())
    assert change_impact(old, new) == [
        "The ramp changes from the custom ramp 10,20,30,40,50 to the standard ramp.",
        "The ramp reaches 50% a week earlier (week 4 instead of week 5).",
    ]


def test_start_moves_by_days() -> None:
    old = make_plan()
    new = dataclasses.replace(old, start=date(2026, 12, 10))
    impact = change_impact(old, new)
    assert impact[:2] == [
        "The start date moves from 2026-12-07 to 2026-12-10 (3 days later).",
        "The hard end date moves from 2027-01-17 to 2027-01-20 (3 days later).",
    ]


def test_slots_and_calendar() -> None:
    old = make_plan()
    new = dataclasses.replace(
        old,
        review_weekday=1,
        review_time=time(14, 0),
        checkin=time(10, 0),
        holiday_country=None,
        skip_dates=frozenset({date(2026, 12, 24)}),
    )
    assert change_impact(old, new) == [
        # Christmas and New Year's Day come back, 12-24 goes: one more check-in.
        "1 more daily check-in.",
        "Weekly reviews move from Monday 10:00 to Tuesday 14:00.",
        "Daily check-ins move from 09:30 to 10:00.",
        "Reminders move from 13:30 to 14:00.",
        "Public holidays (US) are no longer skipped.",
        "Newly skipped: 2026-12-24.",
    ]


def test_evaluation_length() -> None:
    old = make_plan()
    new = dataclasses.replace(old, evaluation_weeks=2)
    assert change_impact(old, new) == [
        "The evaluation end moves from 2027-01-24 to 2027-01-31 (1 week later)."
    ]
