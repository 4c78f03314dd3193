"""The framework example, checked by hand against a paper calendar.

Business pilot, standard ramp, start Monday 2026-12-07, 6 weeks, New York,
check-in 09:30, review Monday 10:00, US holidays.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from bot.core.cadence import DueKind, cadence_between
from bot.core.calendar import weeks
from bot.core.phases import Phase
from tests.core.plans import dates_of, everything, make_plan, milestones_of, stamp


def test_week_table() -> None:
    rows = weeks(make_plan())
    assert [(r.number, r.start, r.end, r.phase, r.traffic_pct) for r in rows] == [
        (1, date(2026, 12, 7), date(2026, 12, 13), Phase.SETUP, 10),
        (2, date(2026, 12, 14), date(2026, 12, 20), Phase.SOFT_LAUNCH, 25),
        (3, date(2026, 12, 21), date(2026, 12, 27), Phase.EXPANDED, 40),
        (4, date(2026, 12, 28), date(2027, 1, 3), Phase.EXPANDED, 50),
        (5, date(2027, 1, 4), date(2027, 1, 10), Phase.EXPANDED, 50),
        (6, date(2027, 1, 11), date(2027, 1, 17), Phase.EXPANDED, 50),
        (7, date(2027, 1, 18), date(2027, 1, 24), Phase.EVALUATION, 50),
    ]
    assert [r.review_at.isoformat() if r.review_at else None for r in rows] == [
        None,
        "2026-12-14T10:00:00-05:00",
        "2026-12-21T10:00:00-05:00",
        "2026-12-28T10:00:00-05:00",
        "2027-01-04T10:00:00-05:00",
        "2027-01-11T10:00:00-05:00",
        None,
    ]
    assert [e.key for e in rows[0].events] == ["ramp_heads_up:w2", "phase_review:setup"]


def test_dates_of_the_plan() -> None:
    plan = make_plan()
    assert plan.hard_end_date == date(2027, 1, 17)
    assert plan.evaluation_start_date == date(2027, 1, 18)
    assert plan.evaluation_end_date == date(2027, 1, 24)
    assert plan.reminder_time == time(13, 30)


def test_every_milestone() -> None:
    assert milestones_of(make_plan()) == [
        ("ramp_heads_up:w2", "2026-12-11T09:30-05:00"),
        ("phase_review:setup", "2026-12-11T10:00-05:00"),
        ("ramp_change:w2", "2026-12-14T09:30-05:00"),
        ("weekly_review:w2", "2026-12-14T10:00-05:00"),
        ("ramp_heads_up:w3", "2026-12-18T09:30-05:00"),
        ("phase_review:soft_launch", "2026-12-18T10:00-05:00"),
        ("ramp_change:w3", "2026-12-21T09:30-05:00"),
        ("weekly_review:w3", "2026-12-21T10:00-05:00"),
        # 2026-12-25 is Christmas, so the heads-up for Monday 12-28 goes out on Thursday.
        ("ramp_heads_up:w4", "2026-12-24T09:30-05:00"),
        ("ramp_change:w4", "2026-12-28T09:30-05:00"),
        ("weekly_review:w4", "2026-12-28T10:00-05:00"),
        ("weekly_review:w5", "2027-01-04T10:00-05:00"),
        ("weekly_review:w6", "2027-01-11T10:00-05:00"),
        ("phase_review:expanded", "2027-01-15T10:00-05:00"),
        # 2027-01-18 is Martin Luther King Jr. Day.
        ("final_evaluation", "2027-01-19T10:00-05:00"),
        ("recommendation_reminder", "2027-01-22T10:00-05:00"),
    ]


def test_checkins_skip_christmas_and_new_year() -> None:
    assert dates_of(make_plan(), DueKind.CHECKIN) == [
        date(2026, 12, 14), date(2026, 12, 15), date(2026, 12, 16), date(2026, 12, 17),
        date(2026, 12, 18),
        date(2026, 12, 21), date(2026, 12, 22), date(2026, 12, 23), date(2026, 12, 24),
        date(2026, 12, 28), date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31),
        date(2027, 1, 4), date(2027, 1, 5), date(2027, 1, 6), date(2027, 1, 7), date(2027, 1, 8),
        date(2027, 1, 11), date(2027, 1, 12), date(2027, 1, 13), date(2027, 1, 14),
        date(2027, 1, 15),
    ]  # fmt: skip
    assert dates_of(make_plan(), DueKind.REMINDER) == dates_of(make_plan(), DueKind.CHECKIN)


def test_first_checkin_is_1430_utc() -> None:
    first = next(d for d in everything(make_plan()) if d.kind is DueKind.CHECKIN)
    assert first.key == "checkin:2026-12-14"
    assert first.period == "2026-12-14"
    assert first.local_date == date(2026, 12, 14)
    assert first.due_at.astimezone(UTC) == datetime(2026, 12, 14, 14, 30, tzinfo=UTC)


def test_one_day_sorted_by_time_then_kind() -> None:
    start = datetime(2026, 12, 14, 5, 0, tzinfo=UTC)  # midnight in New York
    end = datetime(2026, 12, 15, 5, 0, tzinfo=UTC)
    assert [stamp(d) for d in cadence_between(make_plan(), start, end)] == [
        ("checkin:2026-12-14", "2026-12-14T09:30-05:00"),
        ("ramp_change:w2", "2026-12-14T09:30-05:00"),
        ("weekly_review:w2", "2026-12-14T10:00-05:00"),
        ("reminder:2026-12-14", "2026-12-14T13:30-05:00"),
    ]


def test_window_is_half_open() -> None:
    plan = make_plan()
    at = datetime(2026, 12, 14, 14, 30, tzinfo=UTC)
    assert cadence_between(plan, at, at) == []
    just_after = datetime(2026, 12, 14, 14, 30, 0, 1, tzinfo=UTC)
    assert [d.key for d in cadence_between(plan, at, just_after)] == [
        "checkin:2026-12-14",
        "ramp_change:w2",
    ]
    before = datetime(2026, 12, 14, 14, 29, tzinfo=UTC)
    assert cadence_between(plan, before, at) == []


def test_window_in_another_zone_compares_instants() -> None:
    from zoneinfo import ZoneInfo

    tokyo = ZoneInfo("Asia/Tokyo")
    # 23:30 Tokyo on 12-14 is 09:30 New York: the check-in and the ramp change.
    start = datetime(2026, 12, 14, 23, 30, tzinfo=tokyo)
    end = datetime(2026, 12, 14, 23, 31, tzinfo=tokyo)
    assert [d.key for d in cadence_between(make_plan(), start, end)] == [
        "checkin:2026-12-14",
        "ramp_change:w2",
    ]


def test_checkins_from_setup() -> None:
    plan = make_plan(checkins_from="setup")
    assert dates_of(plan, DueKind.CHECKIN)[:6] == [
        date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 9), date(2026, 12, 10),
        date(2026, 12, 11), date(2026, 12, 14),
    ]  # fmt: skip


def test_naive_window_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="timezone-aware"):
        cadence_between(make_plan(), datetime(2026, 12, 14), datetime(2026, 12, 15, tzinfo=UTC))  # noqa: DTZ001
