"""Turning local wall times into instants, across DST changes.

Rules: a wall time that does not exist (spring-forward gap) moves forward to
the first valid instant, e.g. 02:30 -> 03:00; an ambiguous one (fall back)
uses its first occurrence (fold=0).
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo


def require_aware(value: datetime, name: str = "now") -> None:
    # A naive datetime would silently be read as server-local time.
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    require_aware(instant, "instant")
    return instant.astimezone(zone).date()


def local_instant(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The aware datetime (in `zone`) at which the wall clock first shows `wall` on `day`."""
    naive_wall = wall.replace(tzinfo=None, fold=0)
    first = datetime.combine(day, naive_wall, tzinfo=zone)
    if _round_trips(first):
        return first  # fold=0 is already the first occurrence of an ambiguous time
    return _transition_after_gap(first)


def _round_trips(candidate: datetime) -> bool:
    """False when the wall time falls in a gap and does not exist."""
    back = candidate.astimezone(UTC).astimezone(candidate.tzinfo)
    return back.replace(tzinfo=None) == candidate.replace(tzinfo=None)


def _transition_after_gap(in_gap: datetime) -> datetime:
    # In a gap, fold=1 reads the wall time with the offset after the
    # transition and lands before it; fold=0 uses the offset before it and
    # lands after it. The transition (always on a whole second in tzdata)
    # lies between: binary search over whole seconds.
    zone = in_gap.tzinfo
    assert zone is not None
    low = math.floor(in_gap.replace(fold=1).timestamp())
    high = math.ceil(in_gap.replace(fold=0).timestamp())
    before = _offset_at(low, zone)
    while high - low > 1:
        mid = (low + high) // 2
        if _offset_at(mid, zone) == before:
            low = mid
        else:
            high = mid
    return datetime.fromtimestamp(high, zone)


def _offset_at(timestamp: int, zone: tzinfo) -> timedelta | None:
    return datetime.fromtimestamp(timestamp, zone).utcoffset()
