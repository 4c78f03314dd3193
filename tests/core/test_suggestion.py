"""Ramp suggestion from the framework's "Use when" lists."""

from __future__ import annotations

import pytest

from bot.core.pilot_types import PilotType
from bot.core.ramps import Ramp
from bot.core.suggestion import suggest_ramp, suggestion_note

NONE = {
    "first_with_customer_type": False,
    "complex_integration": False,
    "high_risk": False,
    "confident": False,
    "low_risk": False,
    "needs_fast_results": False,
}


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({}, "standard"),
        ({"first_with_customer_type": True}, "conservative"),
        ({"complex_integration": True}, "conservative"),
        ({"high_risk": True}, "conservative"),
        ({"confident": True}, "aggressive"),
        ({"low_risk": True}, "aggressive"),
        ({"needs_fast_results": True}, "aggressive"),
        ({"high_risk": True, "confident": True, "needs_fast_results": True}, "conservative"),
    ],
)
def test_suggest_ramp(flags: dict[str, bool], expected: str) -> None:
    assert suggest_ramp(**{**NONE, **flags}) == Ramp.parse(expected)


def test_note_is_none_inside_the_band() -> None:
    assert suggestion_note(Ramp.standard(), PilotType.BUSINESS, 4) is None


def test_note_caps_when_no_gentler_preset_fits() -> None:
    assert suggestion_note(Ramp.conservative(), PilotType.TECHNICAL, 4) == (
        "The suggestion does not fit the band: a 4-week technical pilot on the conservative"
        " ramp peaks at 30%, above the technical band of 10-20%. The custom ramp 0,10,20,20 fits."
    )


def test_note_offers_a_gentler_preset() -> None:
    note = suggestion_note(Ramp.standard(), PilotType.TECHNICAL, 2)
    assert note is not None and note.endswith("The conservative ramp fits.")
    note = suggestion_note(Ramp.aggressive(), PilotType.BUSINESS, 4)
    assert note is not None and note.endswith("The standard ramp fits.")


def test_note_offers_a_steeper_preset() -> None:
    assert suggestion_note(Ramp.conservative(), PilotType.FULL, 6) == (
        "The suggestion does not fit the band: a 6-week full pilot on the conservative ramp"
        " peaks at 30%, below the full band of 50%+. The standard ramp fits."
    )
