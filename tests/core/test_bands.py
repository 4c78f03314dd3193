"""Framework band checks and the override."""

from __future__ import annotations

import pytest

from bot.core.errors import PlanError
from bot.core.plan import plan_warnings, validate_plan
from tests.core.plans import make_plan


@pytest.mark.parametrize(
    ("pilot_type", "weeks", "ramp", "warnings"),
    [
        (
            "technical", 4, "conservative",
            ["A 4-week technical pilot on the conservative ramp peaks at 30%, above the technical"
             " band of 10-20%."],
        ),
        ("technical", 4, "0,10,20,20", []),
        (
            "technical", 2, "standard",
            ["A 2-week technical pilot on the standard ramp peaks at 25%, above the technical"
             " band of 10-20%."],
        ),
        ("business", 4, "standard", []),
        ("full", 6, "aggressive", []),
        (
            "business", 9, "standard",
            ["A 9-week business pilot is longer than the business range of 4-8 weeks."],
        ),
        (
            "full", 6, "conservative",
            ["A 6-week full pilot on the conservative ramp peaks at 30%, below the full band"
             " of 50%+."],
        ),
        (
            "technical", 1, "5,10,20,40",
            ["A 1-week technical pilot is shorter than the technical range of 2-4 weeks.",
             "A 1-week technical pilot on the custom ramp 5,10,20,40 peaks at 5%, below the"
             " technical band of 10-20%."],
        ),
    ],
)  # fmt: skip
def test_plan_warnings(pilot_type: str, weeks: int, ramp: str, warnings: list[str]) -> None:
    plan = make_plan(pilot_type=pilot_type, weeks=weeks, ramp=ramp)
    assert plan_warnings(plan) == warnings


def test_peak_counts_only_weeks_within_the_pilot() -> None:
    # Conservative over 3 weeks reaches only 20%: inside the technical band.
    assert plan_warnings(make_plan(pilot_type="technical", weeks=3, ramp="conservative")) == []


def test_validate_refuses_without_override() -> None:
    plan = make_plan(pilot_type="technical", weeks=4, ramp="conservative")
    with pytest.raises(PlanError) as caught:
        validate_plan(plan)
    assert caught.value.message == (
        "A 4-week technical pilot on the conservative ramp peaks at 30%, above the technical"
        " band of 10-20%. Add override to keep this plan anyway."
    )
    assert len(caught.value.problems) == 1


def test_validate_with_override_returns_the_warnings() -> None:
    plan = make_plan(weeks=9, override=True)
    assert validate_plan(plan) == [
        "A 9-week business pilot is longer than the business range of 4-8 weeks."
    ]


def test_validate_a_fitting_plan() -> None:
    assert validate_plan(make_plan()) == []
