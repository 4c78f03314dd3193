"""Traffic Ramping: the framework's three ramps plus custom weekly percentages.

A ramp lists one traffic percentage per pilot week: step i applies to week i,
from the first day of that week. After the listed weeks traffic holds at the
last value, so a 4-step ramp can drive a 6-week pilot.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.errors import PlanError

RAMP_USAGE = "conservative | standard | aggressive | weekly percentages such as 5,10,20,40"


class RampKind(StrEnum):
    CONSERVATIVE = "conservative"
    STANDARD = "standard"
    AGGRESSIVE = "aggressive"
    CUSTOM = "custom"


PRESET_STEPS: dict[RampKind, tuple[int, ...]] = {
    RampKind.CONSERVATIVE: (0, 10, 20, 30),
    RampKind.STANDARD: (10, 25, 40, 50),
    RampKind.AGGRESSIVE: (25, 50, 75, 100),
}

# The framework's "Use when" lists, for explaining a suggestion.
USE_WHEN: dict[RampKind, tuple[str, ...]] = {
    RampKind.CONSERVATIVE: (
        "First pilot with this customer type",
        "Complex integration",
        "High-risk use case",
    ),
    RampKind.STANDARD: (
        "Similar to previous successful pilots",
        "Straightforward integration",
        "Moderate risk",
    ),
    RampKind.AGGRESSIVE: (
        "Very confident in fit",
        "Customer needs fast results",
        "Low-risk use case",
    ),
    RampKind.CUSTOM: (),
}


@dataclass(frozen=True)
class Ramp:
    kind: RampKind
    steps: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.steps:
            raise _ramp_error("The ramp needs at least one weekly percentage.")
        for pct in self.steps:
            # bool is an int subclass; True is not a percentage.
            if isinstance(pct, bool) or not isinstance(pct, int) or not 0 <= pct <= 100:
                raise _ramp_error(f"Ramp value {pct!r} must be a whole number from 0 to 100.")
        preset = PRESET_STEPS.get(self.kind)
        if preset is not None and preset != self.steps:
            raise PlanError(f"The {self.kind} ramp is {_csv(preset)}; use custom for other steps.")

    @classmethod
    def preset(cls, kind: RampKind) -> Ramp:
        if kind is RampKind.CUSTOM:
            raise _ramp_error("A custom ramp needs its weekly percentages.")
        return cls(kind, PRESET_STEPS[kind])

    @classmethod
    def conservative(cls) -> Ramp:
        return cls.preset(RampKind.CONSERVATIVE)

    @classmethod
    def standard(cls) -> Ramp:
        return cls.preset(RampKind.STANDARD)

    @classmethod
    def aggressive(cls) -> Ramp:
        return cls.preset(RampKind.AGGRESSIVE)

    @classmethod
    def custom(cls, steps: tuple[int, ...] | list[int]) -> Ramp:
        return cls(RampKind.CUSTOM, tuple(steps))

    @classmethod
    def parse(cls, text: str) -> Ramp:
        """Parse "standard", "Standard ramp", "5,10,20,40" or "5%, 10%, 20%"."""
        cleaned = text.strip().lower()
        cleaned = cleaned.removesuffix(" ramp").strip()
        if not cleaned:
            raise _ramp_error("The ramp is empty.")
        for kind in PRESET_STEPS:
            if cleaned == kind.value:
                return cls.preset(kind)
        cleaned = cleaned.removeprefix("custom").strip()
        values: list[int] = []
        for part in cleaned.split(","):
            item = part.strip().removesuffix("%").strip()
            if not (item.isascii() and item.isdigit()):
                shown = part.strip() or "(empty)"
                if len(cleaned.split(",")) == 1:
                    raise _ramp_error(f"Unknown ramp '{text.strip()}'.")
                raise _ramp_error(f"Ramp value '{shown}' must be a whole number from 0 to 100.")
            values.append(int(item))
        return cls.custom(values)

    @property
    def name(self) -> str:
        """The round-trippable form: "standard" or "5,10,20,40" (`Ramp.parse(r.name) == r`)."""
        if self.kind is RampKind.CUSTOM:
            return _csv(self.steps)
        return self.kind.value

    @property
    def label(self) -> str:
        if self.kind is RampKind.CUSTOM:
            return f"custom ramp {_csv(self.steps)}"
        return f"{self.kind} ramp"

    def __str__(self) -> str:
        return self.label

    @property
    def use_when(self) -> tuple[str, ...]:
        return USE_WHEN[self.kind]

    def percent_in_week(self, week: int) -> int:
        """Planned traffic in pilot week `week` (1-based); holds the last step afterwards."""
        if week < 1:
            return 0
        return self.steps[min(week, len(self.steps)) - 1]

    def weekly(self, weeks: int) -> tuple[int, ...]:
        """The planned percentage of each of weeks 1..weeks."""
        return tuple(self.percent_in_week(w) for w in range(1, weeks + 1))

    def peak(self, weeks: int) -> int:
        """The highest planned percentage within a pilot of `weeks` weeks."""
        return max(self.weekly(max(weeks, 1)))

    def first_week_reaching(self, pct: int, weeks: int) -> int | None:
        """The first week (within `weeks`) whose traffic is at least `pct`, if any."""
        for week, value in enumerate(self.weekly(weeks), start=1):
            if value >= pct:
                return week
        return None


def _csv(steps: tuple[int, ...]) -> str:
    return ",".join(str(s) for s in steps)


def _ramp_error(problem: str) -> PlanError:
    return PlanError(
        f"{problem} Use conservative, standard, aggressive or weekly percentages"
        " such as 5,10,20,40.",
        usage=RAMP_USAGE,
    )
