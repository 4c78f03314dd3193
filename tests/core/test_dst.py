"""Local wall times across daylight-saving changes in the pilot's timezone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from bot.core.cadence import DueKind
from bot.core.localtime import local_instant
from tests.core.plans import everything, make_plan

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def _checkins(plan_kwargs: dict[str, object]) -> dict[date, datetime]:
    plan = make_plan(**plan_kwargs)
    return {d.local_date: d.due_at for d in everything(plan) if d.kind is DueKind.CHECKIN}


def test_new_york_spring_forward_keeps_0930_local() -> None:
    checkins = _checkins(
        {"pilot_type": "technical", "start": date(2027, 3, 1), "weeks": 4, "ramp": "0,10,20,20"}
    )
    friday, monday = checkins[date(2027, 3, 12)], checkins[date(2027, 3, 15)]
    assert friday.astimezone(UTC) == datetime(2027, 3, 12, 14, 30, tzinfo=UTC)
    assert monday.astimezone(UTC) == datetime(2027, 3, 15, 13, 30, tzinfo=UTC)
    assert friday.isoformat() == "2027-03-12T09:30:00-05:00"
    assert monday.isoformat() == "2027-03-15T09:30:00-04:00"


def test_berlin_fall_back_keeps_0930_local() -> None:
    checkins = _checkins(
        {
            "pilot_type": "technical",
            "start": date(2026, 10, 12),
            "weeks": 3,
            "ramp": "conservative",
            "tz": "Europe/Berlin",
            "holiday_country": None,
        }
    )
    assert checkins[date(2026, 10, 23)].astimezone(UTC) == datetime(2026, 10, 23, 7, 30, tzinfo=UTC)
    assert checkins[date(2026, 10, 26)].astimezone(UTC) == datetime(2026, 10, 26, 8, 30, tzinfo=UTC)


def test_nonexistent_0230_moves_to_0300() -> None:
    # 2027-03-14 in New York: clocks jump from 02:00 EST to 03:00 EDT.
    moved = local_instant(date(2027, 3, 14), time(2, 30), NEW_YORK)
    assert moved.isoformat() == "2027-03-14T03:00:00-04:00"
    assert moved.astimezone(UTC) == datetime(2027, 3, 14, 7, 0, tzinfo=UTC)


def test_ambiguous_0230_takes_the_first_occurrence() -> None:
    # 2026-10-25 in Berlin: 02:30 happens twice, first in CEST (+02:00).
    first = local_instant(date(2026, 10, 25), time(2, 30), BERLIN)
    assert first.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert local_instant(date(2026, 10, 25), time(2, 30, fold=1), BERLIN) == first


def test_0230_checkin_on_a_spring_forward_workday() -> None:
    """Israel springs forward on Friday 2027-03-26 at 02:00, so a 02:30 check-in is due at 03:00."""
    plan = make_plan(
        pilot_type="technical",
        start=date(2027, 3, 15),
        ramp="conservative",
        tz="Asia/Jerusalem",
        holiday_country=None,
        checkin=time(2, 30),
    )
    found = {d.key: d for d in everything(plan)}
    spring = found["checkin:2027-03-26"]
    assert spring.local_date == date(2027, 3, 26)
    assert spring.due_at.isoformat() == "2027-03-26T03:00:00+03:00"
    assert spring.due_at.astimezone(UTC) == datetime(2027, 3, 26, 0, 0, tzinfo=UTC)
    assert found["checkin:2027-03-25"].due_at.isoformat() == "2027-03-25T02:30:00+02:00"
    assert found["reminder:2027-03-26"].due_at.isoformat() == "2027-03-26T06:30:00+03:00"
