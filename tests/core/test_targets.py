"""Success criteria targets parsed into comparator, number and unit."""

from decimal import Decimal

import pytest

from bot.core.targets import Comparator, Target, parse_target


@pytest.mark.parametrize(
    ("text", "comparator", "value", "unit"),
    [
        (">= 60%", Comparator.AT_LEAST, "60", "%"),
        (">=60%", Comparator.AT_LEAST, "60", "%"),
        ("≥ 60 %", Comparator.AT_LEAST, "60", "%"),
        ("&gt;= 60%", Comparator.AT_LEAST, "60", "%"),  # as Slack escapes it
        ("at least 60%", Comparator.AT_LEAST, "60", "%"),
        ("At Least 4.5/5", Comparator.AT_LEAST, "4.5", "/5"),
        ("60% or more", Comparator.AT_LEAST, "60", "%"),
        ("60%+", Comparator.AT_LEAST, "60", "%"),
        ("> 95.5%", Comparator.MORE_THAN, "95.5", "%"),
        ("more than 1,000 tickets", Comparator.MORE_THAN, "1000", "tickets"),
        ("<= 24 hours", Comparator.AT_MOST, "24", "hours"),
        ("under 2 s", Comparator.LESS_THAN, "2", "s"),
        ("< 200ms", Comparator.LESS_THAN, "200", "ms"),
        ("below -5%", Comparator.LESS_THAN, "-5", "%"),
        ("2 hours or less", Comparator.AT_MOST, "2", "hours"),
        ("no more than 3 escalations", Comparator.AT_MOST, "3", "escalations"),
        ("= 0 critical issues", Comparator.EQUAL, "0", "critical issues"),
        ("exactly 100%", Comparator.EQUAL, "100", "%"),
        (">= $10,000", Comparator.AT_LEAST, "10000", "$"),
        ("min 40", Comparator.AT_LEAST, "40", ""),
    ],
)
def test_targets_that_parse(text, comparator, value, unit):
    assert parse_target(text) == Target(comparator, Decimal(value), unit)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "60%",  # no comparator: nothing to evaluate against
        "high",
        "better than before",
        ">= lots",
        ">= 60% or less",  # contradictory
        "overall 60%",  # "over" only as a word
        ">= 60% < 70%",
        "> $5 %",
    ],
)
def test_targets_left_as_text(text):
    assert parse_target(text) is None


@pytest.mark.parametrize(
    ("text", "actual", "met"),
    [
        (">= 60%", "60", True),
        (">= 60%", 59.9, False),
        ("> 60%", 60, False),
        ("under 2 s", "1.99", True),
        ("under 2 s", 2, False),
        ("<= 24 hours", 24, True),
        ("= 0 critical issues", 0, True),
        ("= 0 critical issues", 1, False),
        ("at least 4.5/5", 4.6, True),
    ],
)
def test_met_or_not_met(text, actual, met):
    target = parse_target(text)
    assert target is not None
    assert target.met(actual) is met


def test_float_measurements_compare_without_binary_error():
    target = parse_target(">= 0.3")
    assert target is not None and target.met(0.1 + 0.2) is True  # 0.30000000000000004


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (">=60%", ">= 60%"),
        ("at least 4.50/5", ">= 4.5/5"),
        ("under 2 s", "< 2 s"),
        ("$10,000 or more", ">= $10000"),
        ("min 40", ">= 40"),
    ],
)
def test_targets_show_in_a_normal_form(text, shown):
    assert str(parse_target(text)) == shown
