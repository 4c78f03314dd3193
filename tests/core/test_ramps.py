"""Ramp parsing, labels and weekly traffic."""

from __future__ import annotations

import pytest

from bot.core.errors import PlanError
from bot.core.ramps import Ramp, RampKind

FORM = "Use conservative, standard, aggressive or weekly percentages such as 5,10,20,40."


@pytest.mark.parametrize(
    ("text", "steps", "label"),
    [
        ("conservative", (0, 10, 20, 30), "conservative ramp"),
        ("Standard", (10, 25, 40, 50), "standard ramp"),
        (" aggressive ramp ", (25, 50, 75, 100), "aggressive ramp"),
        ("5,10,20,40", (5, 10, 20, 40), "custom ramp 5,10,20,40"),
        ("5, 10%, 20 ,40", (5, 10, 20, 40), "custom ramp 5,10,20,40"),
        ("custom 0,10,20,20", (0, 10, 20, 20), "custom ramp 0,10,20,20"),
        ("30,20", (30, 20), "custom ramp 30,20"),
        ("100", (100,), "custom ramp 100"),
    ],
)
def test_parse(text: str, steps: tuple[int, ...], label: str) -> None:
    ramp = Ramp.parse(text)
    assert (ramp.steps, ramp.label, str(ramp)) == (steps, label, label)
    assert Ramp.parse(ramp.name) == ramp


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fast", f"Unknown ramp 'fast'. {FORM}"),
        ("", f"The ramp is empty. {FORM}"),
        ("5,120", f"Ramp value 120 must be a whole number from 0 to 100. {FORM}"),
        ("5,-1", f"Ramp value '-1' must be a whole number from 0 to 100. {FORM}"),
        ("5,,10", f"Ramp value '(empty)' must be a whole number from 0 to 100. {FORM}"),
        ("5,2.5", f"Ramp value '2.5' must be a whole number from 0 to 100. {FORM}"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(PlanError) as caught:
        Ramp.parse(text)
    assert caught.value.message == message
    assert "\n" not in str(caught.value)
    assert caught.value.usage is not None


def test_traffic_by_week_holds_the_last_step() -> None:
    ramp = Ramp.standard()
    assert [ramp.percent_in_week(w) for w in range(0, 8)] == [0, 10, 25, 40, 50, 50, 50, 50]
    assert ramp.peak(2) == 25
    assert ramp.first_week_reaching(50, 6) == 4
    assert ramp.first_week_reaching(50, 3) is None


def test_presets_cannot_be_bent() -> None:
    with pytest.raises(PlanError):
        Ramp(RampKind.STANDARD, (1, 2, 3))
    assert Ramp.standard().use_when[0] == "Similar to previous successful pilots"
