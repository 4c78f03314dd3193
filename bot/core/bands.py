"""Band checks: does a ramp and a length fit the pilot type's framework bands?"""

from __future__ import annotations

from bot.core.pilot_types import PilotType
from bot.core.ramps import Ramp


def traffic_warning(pilot_type: PilotType, weeks: int, ramp: Ramp) -> str | None:
    """A sentence when the ramp's peak within the pilot leaves the type's traffic band."""
    guide = pilot_type.guide
    peak = ramp.peak(weeks)
    if guide.fits_traffic(peak):
        return None
    side = "above" if peak > guide.max_pct else "below"
    return (
        f"A {weeks}-week {pilot_type} pilot on the {ramp.label} peaks at {peak}%, "
        f"{side} the {pilot_type} band of {guide.band_label}."
    )


def length_warning(pilot_type: PilotType, weeks: int) -> str | None:
    """A sentence when the length leaves the type's range of weeks."""
    guide = pilot_type.guide
    if guide.fits_weeks(weeks):
        return None
    side = "longer" if weeks > guide.max_weeks else "shorter"
    return (
        f"A {weeks}-week {pilot_type} pilot is {side} than the {pilot_type} range "
        f"of {guide.weeks_label}."
    )


def band_warnings(pilot_type: PilotType, weeks: int, ramp: Ramp) -> list[str]:
    return [
        w
        for w in (length_warning(pilot_type, weeks), traffic_warning(pilot_type, weeks, ramp))
        if w is not None
    ]
