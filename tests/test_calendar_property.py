"""The calendar property: for random pilots, every post at its minute, on its day, once.

A few random pilots (`bench.calendar_property`: zones with DST and half-hour and
45-minute offsets, any start weekday, holidays and skip dates, every type and ramp,
times near midnight, inside a DST gap and in a repeated hour) are fast-forwarded
through the whole pilot by the real tick and delivery against the Slack emulator, and
every post is checked against `bench.calendar_oracle`, which restates the framework's
calendar without the product's code. The longer run: `python -m bench.calendar_property
--seed S --count N`.

SQLite only: the property is about the calendar, the tick and delivery; what differs
between the backends (row locks, SKIP LOCKED, how instants are stored) has its own tests
on both, and this run would double the suite's time on PostgreSQL for nothing new.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.calendar_oracle import wall_instant
from bench.calendar_property import run
from storage.db import make_engine, migrate

SEED = 9  # three pilots: Jerusalem, Cairo and Kathmandu; a gap, repeated hours, midnights
COUNT = 3
CAIRO = ZoneInfo("Africa/Cairo")


def test_random_pilots_post_everything_at_its_minute_on_its_day_once(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'property.db'}")
    migrate(engine)
    try:
        result = run(engine, seed=SEED, count=COUNT)
    finally:
        engine.dispose()
    assert result.problems == []
    covered = result.covered()
    # The run is about its corners: make sure it met them.
    assert covered["in a DST gap"] >= 1
    assert covered["in a repeated hour"] >= 1
    assert covered["within 30 min of midnight"] >= 10
    assert covered["zones"] == COUNT
    assert covered["posts"] == sum(len(p.expected()) for p in result.pilots.values())


def test_a_skipped_wall_time_is_the_jump_and_a_repeated_one_its_first_occurrence() -> None:
    # Cairo springs forward on Friday 2027-04-30 at 00:00 (to 01:00) and falls back on
    # Thursday 2027-10-28 at 24:00 (to 23:00): both on workdays.
    assert wall_instant(date(2027, 4, 30), time(0, 15), CAIRO) == (
        datetime(2027, 4, 29, 22, 0, tzinfo=UTC),  # 01:00 EEST, when the clocks jump
        True,
        False,
    )
    assert wall_instant(date(2027, 10, 28), time(23, 30), CAIRO) == (
        datetime(2027, 10, 28, 20, 30, tzinfo=UTC),  # 23:30 EEST, the first of the two
        False,
        True,
    )
