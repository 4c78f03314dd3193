"""Lengths of time as people type them ("4h", "30m", "1h30m", "2d") and read them
("1 h 30 min"): escalation delays and snoozes."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.core.errors import DomainError

SPAN_FORM = "a number and a unit, such as 30m, 4h or 2d"
_SPAN_PART = re.compile(r"([0-9]{1,6})(days?|d|hours?|hrs?|h|minutes?|mins?|m)")
_UNIT = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}


def parse_span(text: str) -> timedelta:
    """ "4h", "30m", "1h30m", "2d", "90 min" -> a timedelta (raises DomainError)."""
    cleaned = text.strip().lower()
    problem = DomainError(f"'{text.strip()}' is not a length of time. Use {SPAN_FORM}.")
    total, position = timedelta(0), 0
    compact = cleaned.replace(" ", "")
    for match in _SPAN_PART.finditer(compact):
        if match.start() != position:
            raise problem
        total += int(match.group(1)) * _UNIT[match.group(2)[0]]
        position = match.end()
    if position == 0 or position != len(compact):
        raise problem
    return total


def format_span(span: timedelta) -> str:
    """The shortest exact form `parse_span` reads back: "4h", "90m", "1h30m" -> "4h", ...

    Whole hours stay in hours ("48h", as the framework counts), whatever their size.
    """
    minutes = int(span.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours}h{rest}m"
    return f"{hours}h" if hours else f"{rest}m"


def describe_span(span: timedelta) -> str:
    """For people: "45 min", "4 h", "1 h 30 min", "26 h", "3 d 2 h"."""
    minutes = max(0, int(span.total_seconds() // 60))
    hours, rest = divmod(minutes, 60)
    if hours == 0:
        return f"{rest} min"
    if hours >= 72:
        days, hours = divmod(hours, 24)
        return f"{days} d {hours} h" if hours else f"{days} d"
    if rest and hours < 10:
        return f"{hours} h {rest} min"
    return f"{hours} h"
