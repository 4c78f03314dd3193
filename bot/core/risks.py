"""Risk Management: risk categories and the starter register for a new pilot."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RiskCategory(StrEnum):
    TECHNICAL = "technical"
    BUSINESS = "business"
    TIMELINE = "timeline"
    SCOPE = "scope"

    @property
    def examples(self) -> tuple[str, ...]:
        return CATEGORY_EXAMPLES[self]


CATEGORY_EXAMPLES: dict[RiskCategory, tuple[str, ...]] = {
    RiskCategory.TECHNICAL: ("Integration fails", "Performance issues"),
    RiskCategory.BUSINESS: ("Metrics not achieved", "User adoption"),
    RiskCategory.TIMELINE: ("Delays", "Resource availability"),
    RiskCategory.SCOPE: ("Creep", "Requirements change"),
}


@dataclass(frozen=True)
class Risk:
    category: RiskCategory
    risk: str
    mitigation: str


# The framework's Mitigation Strategies table, seeded into every new risk register.
STARTER_RISKS: tuple[Risk, ...] = (
    Risk(RiskCategory.TECHNICAL, "Integration fails", "Test environment first, support ready"),
    Risk(RiskCategory.BUSINESS, "Metrics not achieved", "Conservative targets, early warning"),
    Risk(RiskCategory.TIMELINE, "Delays", "Buffer time, clear dependencies"),
    Risk(RiskCategory.SCOPE, "Scope creep", "Written scope, change process"),
)
