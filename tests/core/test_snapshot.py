"""Where the example pilot stands at several instants."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time

from bot.core.calendar import RampChange, snapshot
from bot.core.phases import Phase, PilotStatus
from tests.core.plans import make_plan


def test_before_start() -> None:
    s = snapshot(make_plan(), datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    assert (s.status, s.phase, s.week, s.day) == (PilotStatus.NOT_STARTED, None, None, None)
    assert (s.days_to_start, s.days_left, s.traffic_pct) == (6, 47, 0)
    assert s.next_ramp_change == RampChange(1, date(2026, 12, 7), 0, 10)
    assert s.next_due is not None and s.next_due.key == "ramp_heads_up:w2"


def test_day_one_late_evening_in_new_york() -> None:
    # 03:00 UTC on 12-08 is still 22:00 on Monday 12-07 in New York.
    s = snapshot(make_plan(), datetime(2026, 12, 8, 3, 0, tzinfo=UTC))
    assert s.local_date == date(2026, 12, 7)
    assert (s.status, s.phase, s.week, s.day) == (PilotStatus.RUNNING, Phase.SETUP, 1, 1)
    assert (s.days_to_start, s.days_left, s.traffic_pct) == (None, 41, 10)
    assert s.next_ramp_change == RampChange(2, date(2026, 12, 14), 10, 25)
    assert s.now.isoformat() == "2026-12-07T22:00:00-05:00"


def test_soft_launch() -> None:
    s = snapshot(make_plan(), datetime(2026, 12, 16, 17, 0, tzinfo=UTC))
    assert (s.phase, s.week, s.day, s.days_left, s.traffic_pct) == (
        Phase.SOFT_LAUNCH, 2, 10, 32, 25,
    )  # fmt: skip
    assert s.next_ramp_change == RampChange(3, date(2026, 12, 21), 25, 40)
    assert s.is_workday
    assert s.next_due is not None and s.next_due.key == "reminder:2026-12-16"


def test_ramp_holds_after_its_last_step() -> None:
    s = snapshot(make_plan(), datetime(2026, 12, 30, 17, 0, tzinfo=UTC))
    assert (s.phase, s.week, s.traffic_pct, s.next_ramp_change) == (Phase.EXPANDED, 4, 50, None)


def test_last_day() -> None:
    s = snapshot(make_plan(), datetime(2027, 1, 17, 20, 0, tzinfo=UTC))
    assert (s.phase, s.week, s.day, s.days_left) == (Phase.EXPANDED, 6, 42, 0)
    assert not s.is_workday  # a Sunday
    assert s.next_due is not None and s.next_due.key == "final_evaluation"


def test_evaluation() -> None:
    s = snapshot(make_plan(), datetime(2027, 1, 20, 17, 0, tzinfo=UTC))
    assert (s.status, s.phase, s.week, s.pilot_weeks, s.day) == (
        PilotStatus.EVALUATION, Phase.EVALUATION, 7, 6, 45,
    )  # fmt: skip
    assert (s.days_left, s.traffic_pct, s.next_ramp_change) == (None, 50, None)
    assert s.next_due is not None and s.next_due.key == "recommendation_reminder"


def test_complete() -> None:
    s = snapshot(make_plan(), datetime(2027, 1, 25, 17, 0, tzinfo=UTC))
    assert (s.status, s.phase, s.week, s.days_left, s.next_due) == (
        PilotStatus.COMPLETE, None, None, None, None,
    )  # fmt: skip


def test_warnings_are_carried() -> None:
    plan = make_plan(weeks=9, override=True)
    s = snapshot(plan, datetime(2026, 12, 9, tzinfo=UTC))
    assert s.warnings == (
        "A 9-week business pilot is longer than the business range of 4-8 weeks.",
    )


@freeze_time("2031-06-01 12:00:00")
def test_the_clock_is_never_read() -> None:
    # With the process clock years later, only the explicit `now` counts.
    s = snapshot(make_plan(), datetime(2026, 12, 16, 17, 0, tzinfo=UTC))
    assert (s.status, s.week) == (PilotStatus.RUNNING, 2)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        snapshot(make_plan(), datetime(2026, 12, 16, 17, 0))  # noqa: DTZ001
