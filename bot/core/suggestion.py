"""Ramp suggestion from the framework's "Use when" lists."""

from __future__ import annotations

from bot.core.bands import traffic_warning
from bot.core.pilot_types import PilotType
from bot.core.ramps import Ramp, RampKind

# Least to most aggressive, for looking for a neighbouring preset that fits.
_PRESET_ORDER = (RampKind.CONSERVATIVE, RampKind.STANDARD, RampKind.AGGRESSIVE)


def suggest_ramp(
    *,
    first_with_customer_type: bool,
    complex_integration: bool,
    high_risk: bool,
    confident: bool,
    low_risk: bool,
    needs_fast_results: bool,
) -> Ramp:
    """Any conservative reason wins over any aggressive one: caution is the safe default."""
    if first_with_customer_type or complex_integration or high_risk:
        return Ramp.conservative()
    if confident or low_risk or needs_fast_results:
        return Ramp.aggressive()
    return Ramp.standard()


def suggestion_note(ramp: Ramp, pilot_type: PilotType, weeks: int) -> str | None:
    """A sentence when the suggested ramp leaves the type's traffic band, with a fitting option."""
    warning = traffic_warning(pilot_type, weeks, ramp)
    if warning is None:
        return None
    alternative = _fitting_alternative(ramp, pilot_type, weeks)
    hint = f" The {alternative.label} fits." if alternative is not None else ""
    return f"The suggestion does not fit the band: {_lower_first(warning)}{hint}"


def fitting_ramp(ramp: Ramp, pilot_type: PilotType, weeks: int) -> Ramp | None:
    """For a ramp outside the type's traffic band: the nearest preset (or capped ramp) inside."""
    return _fitting_alternative(ramp, pilot_type, weeks)


def _fitting_alternative(ramp: Ramp, pilot_type: PilotType, weeks: int) -> Ramp | None:
    guide = pilot_type.guide
    too_high = ramp.peak(weeks) > guide.max_pct
    # Step towards the band: gentler presets when too high, steeper when too low.
    order = list(reversed(_PRESET_ORDER)) if too_high else list(_PRESET_ORDER)
    if ramp.kind in order:
        order = order[order.index(ramp.kind) + 1 :]
    for kind in order:
        candidate = Ramp.preset(kind)
        if guide.fits_traffic(candidate.peak(weeks)):
            return candidate
    if too_high:
        # Cap each week at the band's top: keeps the shape, e.g. 0,10,20,30 -> 0,10,20,20.
        capped = Ramp.custom([min(pct, guide.max_pct) for pct in ramp.steps])
        if guide.fits_traffic(capped.peak(weeks)):
            return capped
    return None


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
