"""Reading what people type: times, weekdays, review slots, dates, zones, countries.

Each parser takes the user's text and returns a typed value, or raises
DomainError with one sentence that names the correct form. The one-line
`/pilot create`, `/pilot set` and the creation modal all read through here.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.core.errors import DomainError
from bot.core.plan import MAX_EVALUATION_WEEKS, MAX_WEEKS, _supported_countries

TIME_FORM = "HH:MM (24-hour), such as 09:30"
DATE_FORM = "YYYY-MM-DD, such as 2026-12-07"
REVIEW_FORM = 'a weekday and a time, such as "mon 10:00"'
TZ_FORM = "an IANA name such as America/New_York or Europe/Berlin"
COUNTRY_FORM = "a two-letter country code such as US, GB or DE, or none"

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_ALIASES = {
    "tues": 1,
    "weds": 2,
    "thur": 3,
    "thurs": 3,
}
_TIME = re.compile(r"^([0-9]{1,2})(?::([0-9]{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$")
_NO = frozenset({"no", "n", "false", "off", "0", ""})
_YES = frozenset({"yes", "y", "true", "on", "1"})
_NONE = frozenset({"none", "no", "off", "-"})


def parse_time(text: str) -> time:
    """ "09:30", "9:30", "17:00", "9am", "5:30pm" -> a wall time."""
    cleaned = text.strip().lower().replace(" ", "")
    match = _TIME.match(cleaned)
    problem = DomainError(f"'{text.strip()}' is not a time of day. Use {TIME_FORM}.")
    if match is None:
        raise problem
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = (match.group(3) or "").replace(".", "")
    if suffix:
        if not 1 <= hour <= 12:
            raise problem
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    elif match.group(2) is None:
        raise problem  # a bare "9" is too ambiguous to guess
    if hour > 23 or minute > 59:
        raise problem
    return time(hour, minute)


def format_time(value: time) -> str:
    return f"{value:%H:%M}"


def parse_weekday(text: str) -> int:
    """ "mon", "Monday", "tues" -> 0..6 (Monday = 0, as date.weekday())."""
    key = text.strip().lower().rstrip(".")
    if key in _WEEKDAY_ALIASES:
        return _WEEKDAY_ALIASES[key]
    for index, short in enumerate(WEEKDAY_KEYS):
        full = date(2024, 1, 1 + index).strftime("%A").lower()  # 2024-01-01 was a Monday
        if key in (short, full):
            return index
    raise DomainError(
        f"'{text.strip()}' is not a weekday. Use mon, tue, wed, thu, fri, sat or sun."
    )


def parse_review_slot(text: str) -> tuple[int, time]:
    """ "mon 10:00", "Monday at 10:00", "tue 2pm" -> (weekday, wall time)."""
    words = [w for w in text.replace(",", " ").split() if w.lower() != "at"]
    if len(words) < 2:
        raise DomainError(f"'{text.strip()}' is not a review slot. Use {REVIEW_FORM}.")
    try:
        return parse_weekday(words[0]), parse_time("".join(words[1:]))
    except DomainError as error:
        raise DomainError(f"{error.message} A review slot is {REVIEW_FORM}.") from error


def format_review_slot(weekday: int, at: time) -> str:
    return f"{WEEKDAY_KEYS[weekday]} {format_time(at)}"


# Dates a pilot's plan can hold: calendars are computed weeks past them, within Python's.
FIRST_YEAR, LAST_YEAR = 2000, 2199


def parse_date(text: str) -> date:
    cleaned = text.strip()
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", cleaned) is None:
            raise ValueError(cleaned)
        found = date.fromisoformat(cleaned)
    except ValueError:
        raise DomainError(f"'{cleaned}' is not a date. Use {DATE_FORM}.") from None
    if not FIRST_YEAR <= found.year <= LAST_YEAR:
        raise DomainError(
            f"'{cleaned}' is too far out: use a date from {FIRST_YEAR} to {LAST_YEAR}."
        )
    return found


MAX_PAGE = 9999


def parse_page(text: str | None) -> int:
    """``page=<n>`` of a long list: 1 when not given."""
    if text is None:
        return 1
    cleaned = text.strip()
    if not (cleaned.isascii() and cleaned.isdigit()) or not 1 <= int(cleaned) <= MAX_PAGE:
        raise DomainError(f"'{cleaned}' is not a page: use page=1, page=2, ...")
    return int(cleaned)


MAX_ID = 2**31 - 1  # the largest id a database integer holds


def parse_id(text: str) -> int:
    """An id from a button's value or a form's metadata: ASCII digits, at most ``MAX_ID``."""
    if not (text.isascii() and text.isdigit() and len(text) <= 10) or int(text) > MAX_ID:
        raise DomainError("This button is out of date; use the latest post in the channel.")
    return int(text)


def parse_timezone(text: str) -> str:
    """An IANA zone name, matched without regard to case ("america/new_york" works)."""
    cleaned = text.strip()
    if cleaned in _zone_names():
        return cleaned
    match = _zone_names_folded().get(cleaned.casefold())
    if match is not None:
        return match
    try:
        ZoneInfo(cleaned)  # zones the system knows beyond tzdata's list
        return cleaned
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise DomainError(f"Unknown timezone '{cleaned}'. Use {TZ_FORM}.") from None


def parse_country(text: str) -> str | None:
    """A holidays country code ("US", "gb"), or None for "none"."""
    cleaned = text.strip()
    if cleaned.lower() in _NONE or not cleaned:
        return None
    code = cleaned.upper()
    if code not in _supported_countries():
        raise DomainError(f"Unknown holiday country '{cleaned}'. Use {COUNTRY_FORM}.")
    return code


def parse_weeks(text: str, *, label: str = "weeks", maximum: int = MAX_WEEKS) -> int:
    cleaned = text.strip()
    if not (cleaned.isascii() and cleaned.isdigit()) or not 1 <= int(cleaned) <= maximum:
        raise DomainError(
            f"'{cleaned}' is not a number of {label}. Use a whole number 1 to {maximum}."
        )
    return int(cleaned)


def parse_evaluation_weeks(text: str) -> int:
    return parse_weeks(text, label="evaluation weeks", maximum=MAX_EVALUATION_WEEKS)


def parse_yes_no(text: str) -> bool:
    key = text.strip().lower()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise DomainError(f"'{text.strip()}' is not yes or no. Use yes or no.")


def next_monday(today: date) -> date:
    """The Monday after `today` (a week later when today is a Monday): a pilot's usual start."""
    return today + timedelta(days=7 - today.weekday())


@cache
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


@cache
def _zone_names_folded() -> dict[str, str]:
    return {name.casefold(): name for name in _zone_names()}
