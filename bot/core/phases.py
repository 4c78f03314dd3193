"""Pilot Phases: Setup, Soft Launch, Expanded Pilot and Evaluation.

Which dates fall in which phase lives in `bot.core.timeline`; this module only
holds the phases and the framework's text for each of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.errors import PlanError


class Phase(StrEnum):
    SETUP = "setup"
    SOFT_LAUNCH = "soft_launch"
    EXPANDED = "expanded"
    EVALUATION = "evaluation"

    @property
    def guide(self) -> PhaseGuide:
        return PHASE_GUIDES[self]

    @property
    def display_name(self) -> str:
        return PHASE_GUIDES[self].title

    @classmethod
    def parse(cls, text: str) -> Phase:
        """Accept the value ("soft_launch") or the title ("Soft Launch", "expanded pilot")."""
        key = text.strip().lower().replace("-", " ").replace("_", " ")
        for member in cls:
            if key in (member.value.replace("_", " "), member.display_name.lower()):
                return member
        raise PlanError(
            f"Unknown phase '{text.strip()}'. Use setup, soft launch, expanded or evaluation.",
            usage="setup | soft launch | expanded | evaluation",
        )


class PilotStatus(StrEnum):
    """Where a date sits in the whole pilot; `phase_on` is None unless RUNNING or EVALUATION."""

    NOT_STARTED = "not_started"
    RUNNING = "running"  # weeks 1..N: Setup, Soft Launch or Expanded Pilot
    EVALUATION = "evaluation"
    COMPLETE = "complete"


@dataclass(frozen=True)
class PhaseGuide:
    """The framework's text for one phase, shown in phase reviews."""

    number: int
    title: str
    when: str  # the framework's nominal timing, e.g. "Weeks 3-4"
    activities: tuple[str, ...]
    deliverables: tuple[str, ...]
    exit_criteria: tuple[str, ...]  # empty for Evaluation: the framework lists none


PHASE_GUIDES: dict[Phase, PhaseGuide] = {
    Phase.SETUP: PhaseGuide(
        number=1,
        title="Setup",
        when="Week 1",
        activities=(
            "Integration configuration",
            "Data import",
            "System training",
            "Test environment validation",
            "User training",
        ),
        deliverables=("Working integration", "Test cases passing", "Users trained"),
        exit_criteria=(
            "Technical setup complete",
            "Test environment validated",
            "Ready for live traffic",
        ),
    ),
    Phase.SOFT_LAUNCH: PhaseGuide(
        number=2,
        title="Soft Launch",
        when="Week 2",
        activities=(
            "Limited traffic (10%)",
            "Active monitoring",
            "Issue identification",
            "Quick fixes",
            "Baseline metrics",
        ),
        deliverables=("Baseline metrics", "Issue log", "Initial learnings"),
        exit_criteria=("No critical issues", "Metrics tracking working", "Ready to expand"),
    ),
    Phase.EXPANDED: PhaseGuide(
        number=3,
        title="Expanded Pilot",
        when="Weeks 3-4",
        activities=(
            "Increased traffic (20-50%)",
            "Ongoing monitoring",
            "Weekly reviews",
            "Optimization",
            "User feedback collection",
        ),
        deliverables=("Weekly metrics reports", "User feedback summary", "Optimization log"),
        exit_criteria=(
            "Success criteria trending positive",
            "No major issues",
            "User acceptance",
        ),
    ),
    Phase.EVALUATION: PhaseGuide(
        number=4,
        title="Evaluation",
        when="Post-Pilot",
        activities=(
            "Final metrics compilation",
            "Success criteria evaluation",
            "Go/no-go recommendation",
            "Full rollout planning",
        ),
        deliverables=(
            "Final metrics report",
            "Recommendation document",
            "Rollout plan (if successful)",
        ),
        exit_criteria=(),
    ),
}
