"""The calendar for each pilot type and ramp, odd start days, holidays and skip dates."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.cadence import DueKind
from bot.core.calendar import weeks
from bot.core.phases import Phase
from tests.core.plans import dates_of, make_plan, milestones_of


@pytest.mark.parametrize(
    ("ramp", "weeks_", "traffic"),
    [
        ("conservative", 4, [0, 10, 20, 30, 30]),
        ("standard", 6, [10, 25, 40, 50, 50, 50, 50]),
        ("aggressive", 6, [25, 50, 75, 100, 100, 100, 100]),
        ("5,10,20,40", 5, [5, 10, 20, 40, 40, 40]),
        ("50,20", 3, [50, 20, 20, 20]),  # a ramp may go down
    ],
)
def test_weekly_traffic_per_ramp(ramp: str, weeks_: int, traffic: list[int]) -> None:
    plan = make_plan(ramp=ramp, weeks=weeks_, override=True)
    assert [row.traffic_pct for row in weeks(plan)] == traffic  # last row: evaluation holds


def test_technical_on_wednesday_start() -> None:
    """Weeks run Wednesday to Tuesday; Presidents' Day 2027-02-15 moves the w2 review."""
    plan = make_plan(pilot_type="technical", start=date(2027, 2, 3), weeks=3, ramp="0,10,20")
    assert [(r.number, r.start, r.end, r.phase, r.traffic_pct) for r in weeks(plan)] == [
        (1, date(2027, 2, 3), date(2027, 2, 9), Phase.SETUP, 0),
        (2, date(2027, 2, 10), date(2027, 2, 16), Phase.SOFT_LAUNCH, 10),
        (3, date(2027, 2, 17), date(2027, 2, 23), Phase.EXPANDED, 20),
        (4, date(2027, 2, 24), date(2027, 3, 2), Phase.EVALUATION, 20),
    ]
    assert milestones_of(plan) == [
        ("ramp_heads_up:w2", "2027-02-09T09:30-05:00"),
        ("phase_review:setup", "2027-02-09T10:00-05:00"),
        ("ramp_change:w2", "2027-02-10T09:30-05:00"),
        ("ramp_heads_up:w3", "2027-02-16T09:30-05:00"),
        ("weekly_review:w2", "2027-02-16T10:00-05:00"),
        ("phase_review:soft_launch", "2027-02-16T10:00-05:00"),
        ("ramp_change:w3", "2027-02-17T09:30-05:00"),
        ("weekly_review:w3", "2027-02-22T10:00-05:00"),
        ("phase_review:expanded", "2027-02-23T10:00-05:00"),
        ("final_evaluation", "2027-02-24T10:00-05:00"),
        ("recommendation_reminder", "2027-03-02T10:00-05:00"),
    ]
    assert dates_of(plan, DueKind.CHECKIN) == [
        date(2027, 2, 10), date(2027, 2, 11), date(2027, 2, 12), date(2027, 2, 16),
        date(2027, 2, 17), date(2027, 2, 18), date(2027, 2, 19), date(2027, 2, 22),
        date(2027, 2, 23),
    ]  # fmt: skip


def test_full_pilot_on_aggressive_ramp() -> None:
    plan = make_plan(pilot_type="full", start=date(2027, 4, 5), ramp="aggressive")
    assert plan.weeks == 6  # the full pilot's shortest length
    assert milestones_of(plan) == [
        ("ramp_heads_up:w2", "2027-04-09T09:30-04:00"),
        ("phase_review:setup", "2027-04-09T10:00-04:00"),
        ("ramp_change:w2", "2027-04-12T09:30-04:00"),
        ("weekly_review:w2", "2027-04-12T10:00-04:00"),
        ("ramp_heads_up:w3", "2027-04-16T09:30-04:00"),
        ("phase_review:soft_launch", "2027-04-16T10:00-04:00"),
        ("ramp_change:w3", "2027-04-19T09:30-04:00"),
        ("weekly_review:w3", "2027-04-19T10:00-04:00"),
        ("ramp_heads_up:w4", "2027-04-23T09:30-04:00"),
        ("ramp_change:w4", "2027-04-26T09:30-04:00"),
        ("weekly_review:w4", "2027-04-26T10:00-04:00"),
        ("weekly_review:w5", "2027-05-03T10:00-04:00"),
        ("weekly_review:w6", "2027-05-10T10:00-04:00"),
        ("phase_review:expanded", "2027-05-14T10:00-04:00"),
        ("final_evaluation", "2027-05-17T10:00-04:00"),
        ("recommendation_reminder", "2027-05-21T10:00-04:00"),
    ]


def test_business_on_conservative_ramp_announces_every_step() -> None:
    plan = make_plan(start=date(2027, 4, 5), weeks=4, ramp="conservative")
    keys = [k for k, _ in milestones_of(plan) if k.startswith("ramp_change")]
    assert keys == ["ramp_change:w2", "ramp_change:w3", "ramp_change:w4"]
    assert [r.traffic_pct for r in weeks(plan)] == [0, 10, 20, 30, 30]


def test_a_flat_custom_ramp_has_no_ramp_messages() -> None:
    plan = make_plan(ramp="40", weeks=4)
    assert not [k for k, _ in milestones_of(plan) if k.startswith("ramp_")]


def test_thanksgiving_and_christmas() -> None:
    """Review on Thursdays: Thanksgiving moves w2's review to Friday; check-ins skip holidays."""
    plan = make_plan(start=date(2026, 11, 16), review_weekday=3)
    assert plan.hard_end_date == date(2026, 12, 27)
    assert milestones_of(plan) == [
        ("ramp_heads_up:w2", "2026-11-20T09:30-05:00"),
        ("phase_review:setup", "2026-11-20T10:00-05:00"),
        ("ramp_change:w2", "2026-11-23T09:30-05:00"),
        ("ramp_heads_up:w3", "2026-11-27T09:30-05:00"),
        ("weekly_review:w2", "2026-11-27T10:00-05:00"),
        ("phase_review:soft_launch", "2026-11-27T10:00-05:00"),
        ("ramp_change:w3", "2026-11-30T09:30-05:00"),
        ("weekly_review:w3", "2026-12-03T10:00-05:00"),
        ("ramp_heads_up:w4", "2026-12-04T09:30-05:00"),
        ("ramp_change:w4", "2026-12-07T09:30-05:00"),
        ("weekly_review:w4", "2026-12-10T10:00-05:00"),
        ("weekly_review:w5", "2026-12-17T10:00-05:00"),
        ("weekly_review:w6", "2026-12-24T10:00-05:00"),
        ("phase_review:expanded", "2026-12-24T10:00-05:00"),
        ("final_evaluation", "2026-12-28T10:00-05:00"),
        ("recommendation_reminder", "2026-12-31T10:00-05:00"),
    ]
    checkins = dates_of(plan, DueKind.CHECKIN)
    assert checkins[:4] == [date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25),
                            date(2026, 11, 27)]  # fmt: skip
    assert checkins[-4:] == [date(2026, 12, 21), date(2026, 12, 22), date(2026, 12, 23),
                             date(2026, 12, 24)]  # fmt: skip
    assert len(checkins) == 23


def test_review_week_without_a_workday_after_the_weekday_is_skipped() -> None:
    """Friday reviews: Christmas Friday has no later workday in w6 (Mon 12-21..Sun 12-27)."""
    plan = make_plan(start=date(2026, 11, 16), review_weekday=4)
    reviews = [(k, t) for k, t in milestones_of(plan) if k.startswith("weekly_review")]
    assert reviews == [
        ("weekly_review:w2", "2026-11-27T10:00-05:00"),
        ("weekly_review:w3", "2026-12-04T10:00-05:00"),
        ("weekly_review:w4", "2026-12-11T10:00-05:00"),
        ("weekly_review:w5", "2026-12-18T10:00-05:00"),
    ]


def test_skip_dates_move_reviews_ramp_changes_and_heads_ups() -> None:
    plan = make_plan(skip_dates=[date(2026, 12, 14), date(2026, 12, 23)])
    found = dict(milestones_of(plan))
    assert found["ramp_change:w2"] == "2026-12-15T09:30-05:00"
    assert found["weekly_review:w2"] == "2026-12-15T10:00-05:00"
    assert found["ramp_heads_up:w2"] == "2026-12-11T09:30-05:00"
    assert found["ramp_heads_up:w4"] == "2026-12-24T09:30-05:00"
    checkins = dates_of(plan, DueKind.CHECKIN)
    assert date(2026, 12, 14) not in checkins
    assert date(2026, 12, 23) not in checkins
    assert checkins[0] == date(2026, 12, 15)


def test_without_holiday_country_christmas_is_a_workday() -> None:
    plan = make_plan(holiday_country=None)
    assert date(2026, 12, 25) in dates_of(plan, DueKind.CHECKIN)
    assert dict(milestones_of(plan))["final_evaluation"] == "2027-01-18T10:00-05:00"


def test_one_week_pilot_has_only_setup() -> None:
    plan = make_plan(pilot_type="technical", weeks=1, ramp="10", override=True)
    assert milestones_of(plan) == [
        ("phase_review:setup", "2026-12-11T10:00-05:00"),
        ("final_evaluation", "2026-12-14T10:00-05:00"),
        ("recommendation_reminder", "2026-12-18T10:00-05:00"),
    ]
    assert dates_of(plan, DueKind.CHECKIN) == []


def test_two_evaluation_weeks_continue_the_week_count() -> None:
    plan = make_plan(evaluation_weeks=2)
    rows = weeks(plan)
    assert [(r.number, r.phase) for r in rows[-3:]] == [
        (6, Phase.EXPANDED),
        (7, Phase.EVALUATION),
        (8, Phase.EVALUATION),
    ]
    assert dict(milestones_of(plan))["recommendation_reminder"] == "2027-01-29T10:00-05:00"
