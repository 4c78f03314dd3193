"""Pilot Types: technical validation, business validation and full pilots."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.errors import PlanError


@dataclass(frozen=True)
class TypeGuide:
    """The framework's description of one pilot type, with its bands as numbers."""

    title: str
    purpose: str
    duration: str
    min_weeks: int
    max_weeks: int
    traffic: str
    min_pct: int
    max_pct: int
    focus: str
    success: str

    @property
    def band_label(self) -> str:
        # The framework writes the full pilot's band as "50%+", not "50-100%".
        if self.max_pct >= 100:
            return f"{self.min_pct}%+"
        return f"{self.min_pct}-{self.max_pct}%"

    @property
    def weeks_label(self) -> str:
        return f"{self.min_weeks}-{self.max_weeks} weeks"

    def fits_traffic(self, pct: int) -> bool:
        return self.min_pct <= pct <= self.max_pct

    def fits_weeks(self, weeks: int) -> bool:
        return self.min_weeks <= weeks <= self.max_weeks


_FILLERS = frozenset({"validation", "pilot"})


class PilotType(StrEnum):
    TECHNICAL = "technical"
    BUSINESS = "business"
    FULL = "full"

    @property
    def guide(self) -> TypeGuide:
        return TYPE_GUIDES[self]

    @classmethod
    def parse(cls, text: str) -> PilotType:
        """Accept "technical", "Business validation", "full pilot", ..."""
        words = text.strip().lower().replace("_", " ").split()
        # The framework's titles add "validation"/"pilot" after the type word.
        key = " ".join(w for i, w in enumerate(words) if i == 0 or w not in _FILLERS)
        for member in cls:
            if key == member.value:
                return member
        raise PlanError(
            f"Unknown pilot type '{text.strip()}'. Use technical, business or full.",
            usage="technical | business | full",
        )


TYPE_GUIDES: dict[PilotType, TypeGuide] = {
    PilotType.TECHNICAL: TypeGuide(
        title="Technical Validation Pilot",
        purpose="Prove technical fit and integration",
        duration="2-4 weeks",
        min_weeks=2,
        max_weeks=4,
        traffic="Limited (10-20%)",
        min_pct=10,
        max_pct=20,
        focus="Integration, accuracy, performance",
        success="Technical requirements met",
    ),
    PilotType.BUSINESS: TypeGuide(
        title="Business Validation Pilot",
        purpose="Prove business value and ROI",
        duration="4-8 weeks",
        min_weeks=4,
        max_weeks=8,
        traffic="Significant (30-50%)",
        min_pct=30,
        max_pct=50,
        focus="Metrics, ROI, user adoption",
        success="Business metrics achieved",
    ),
    PilotType.FULL: TypeGuide(
        title="Full Pilot",
        purpose="Comprehensive validation",
        duration="6-12 weeks",
        min_weeks=6,
        max_weeks=12,
        traffic="Production-like (50%+)",
        min_pct=50,
        max_pct=100,
        focus="All aspects",
        success="Ready for full production",
    ),
}
