"""Parsing what people type: each bad input names the correct form."""

from datetime import date, time

import pytest

from bot.core.errors import DomainError
from bot.core.inputs import (
    format_review_slot,
    next_monday,
    parse_country,
    parse_date,
    parse_review_slot,
    parse_time,
    parse_timezone,
    parse_weekday,
    parse_weeks,
    parse_yes_no,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("09:30", time(9, 30)),
        ("9:30", time(9, 30)),
        (" 17:05 ", time(17, 5)),
        ("00:00", time(0, 0)),
        ("9am", time(9, 0)),
        ("5:30pm", time(17, 30)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("2 PM", time(14, 0)),
    ],
)
def test_times(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "9:60", "9", "nine", "", "13pm", "0am", "9:5"])
def test_bad_times_name_the_form(text):
    with pytest.raises(DomainError, match=r"Use HH:MM \(24-hour\), such as 09:30"):
        parse_time(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("mon", 0), ("Monday", 0), ("tues", 1), ("Wed", 2), ("thurs", 3), ("fri.", 4), ("sun", 6)],
)
def test_weekdays(text, expected):
    assert parse_weekday(text) == expected


def test_review_slots_round_trip():
    assert parse_review_slot("mon 10:00") == (0, time(10, 0))
    assert parse_review_slot("Thursday at 2pm") == (3, time(14, 0))
    assert parse_review_slot("fri, 16:30") == (4, time(16, 30))
    assert format_review_slot(3, time(14, 0)) == "thu 14:00"


@pytest.mark.parametrize("text", ["mon", "10:00", "someday 10:00", "mon 25:00", ""])
def test_bad_review_slots_show_an_example(text):
    with pytest.raises(DomainError, match='such as "mon 10:00"'):
        parse_review_slot(text)


def test_dates():
    assert parse_date("2026-12-07") == date(2026, 12, 7)
    for bad in ("2026-02-30", "07/12/2026", "2026-1-5", "tomorrow"):
        with pytest.raises(DomainError, match="Use YYYY-MM-DD, such as 2026-12-07"):
            parse_date(bad)


def test_timezones_match_without_case():
    assert parse_timezone("Europe/Berlin") == "Europe/Berlin"
    assert parse_timezone("america/new_york") == "America/New_York"
    assert parse_timezone(" UTC ") == "UTC"
    for bad in ("Mars/Olympus", "", "America", "../etc/passwd"):
        with pytest.raises(DomainError, match=r"Unknown timezone .* America/New_York"):
            parse_timezone(bad)


def test_countries():
    assert parse_country("us") == "US"
    assert parse_country("none") is None
    assert parse_country("") is None
    with pytest.raises(DomainError, match="two-letter country code such as US"):
        parse_country("XX")


def test_weeks_and_yes_no():
    assert parse_weeks("6") == 6
    for bad in ("0", "53", "six", "-1", "4.5"):
        with pytest.raises(DomainError, match="whole number 1 to 52"):
            parse_weeks(bad)
    assert parse_yes_no("yes") and parse_yes_no("TRUE") and not parse_yes_no("no")
    with pytest.raises(DomainError, match="yes or no"):
        parse_yes_no("maybe")


@pytest.mark.parametrize(
    ("today", "monday"),
    [
        (date(2026, 12, 7), date(2026, 12, 14)),  # a Monday: the next one
        (date(2026, 12, 10), date(2026, 12, 14)),  # Thursday
        (date(2026, 12, 13), date(2026, 12, 14)),  # Sunday
        (date(2026, 12, 29), date(2027, 1, 4)),  # across the year
    ],
)
def test_next_monday(today, monday):
    assert next_monday(today) == monday
