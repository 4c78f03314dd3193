"""next_due: the first message at or after `now`, consistent with cadence_between."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from freezegun import freeze_time

from bot.core.cadence import next_due
from tests.core.plans import everything, make_plan, stamp


def test_before_start_is_the_first_heads_up() -> None:
    due = next_due(make_plan(), datetime(2026, 11, 1, tzinfo=UTC))
    assert due is not None and stamp(due) == ("ramp_heads_up:w2", "2026-12-11T09:30-05:00")


def test_at_a_due_instant_returns_it_and_ties_break_by_kind() -> None:
    plan = make_plan()
    at = datetime(2026, 12, 21, 14, 30, tzinfo=UTC)  # check-in and ramp change, 09:30 EST
    due = next_due(plan, at)
    assert due is not None and due.key == "checkin:2026-12-21"
    after = next_due(plan, at + timedelta(microseconds=1))
    assert after is not None and stamp(after) == ("weekly_review:w3", "2026-12-21T10:00-05:00")


def test_daily_messages_between_milestones() -> None:
    due = next_due(make_plan(), datetime(2026, 12, 22, 19, 0, tzinfo=UTC))  # 14:00 EST Tue
    assert due is not None and stamp(due) == ("checkin:2026-12-23", "2026-12-23T09:30-05:00")


def test_over_a_holiday_weekend() -> None:
    due = next_due(make_plan(), datetime(2026, 12, 24, 19, 0, tzinfo=UTC))  # after 13:30 EST
    assert due is not None and stamp(due) == ("checkin:2026-12-28", "2026-12-28T09:30-05:00")


def test_in_evaluation_and_after() -> None:
    plan = make_plan()
    due = next_due(plan, datetime(2027, 1, 18, tzinfo=UTC))
    assert due is not None and stamp(due) == ("final_evaluation", "2027-01-19T10:00-05:00")
    assert next_due(plan, datetime(2027, 1, 22, 15, 0, 1, tzinfo=UTC)) is None


def test_agrees_with_cadence_between_everywhere() -> None:
    plan = make_plan(start=date(2026, 11, 16), review_weekday=3)
    all_dues = everything(plan)
    for index, due in enumerate(all_dues):
        first_at_or_after = next(d for d in all_dues if d.due_at_utc >= due.due_at_utc)
        assert next_due(plan, due.due_at) == first_at_or_after, index


@freeze_time("2020-01-01")
def test_uses_the_given_now_not_the_clock() -> None:
    due = next_due(make_plan(), datetime(2026, 12, 22, 19, 0, tzinfo=UTC))
    assert due is not None and due.key == "checkin:2026-12-23"
