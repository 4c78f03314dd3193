"""Go / no-go: the decision at the end of a phase and the final recommendation, who
may take it, what was recorded, and the next steps each outcome leads to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.core.roles import Role


class Decision(StrEnum):
    GO = "go"
    NO_GO = "no_go"

    @property
    def label(self) -> str:
        return "Go" if self is Decision.GO else "No-go"


RECOMMENDATION = "recommendation"  # the decision subject of the final recommendation


NEXT_STEPS = {
    Decision.GO: (
        "Compile the final metrics report",
        "Write the recommendation document",
        "Plan the full rollout",
        "Hold the final presentation and next steps discussion",
    ),
    Decision.NO_GO: (
        "Compile the final metrics report",
        "Write the recommendation document, with what would change the answer",
        "Agree what happens to the pilot traffic",
        "Hold the final presentation and next steps discussion",
    ),
}
NEXT_STEPS_UNDECIDED = (
    "Record the go / no-go recommendation with its rationale",
    "Compile the final metrics report",
    "Plan the full rollout (if go)",
    "Hold the final presentation and next steps discussion",
)


@dataclass(frozen=True)
class Decided:
    """A go / no-go as recorded: who (in which role), when, why."""

    outcome: Decision
    by: str
    role_name: str
    at: datetime
    reason: str
    held_pct: int | None = None
    change_ref: str = ""  # CH-n opened with it (a phase No-go's extension)


@dataclass(frozen=True)
class Deciders:
    role: Role  # the executive sponsor, or the project lead without one
    users: tuple[str, ...]  # empty: nobody holds the role

    @property
    def role_name(self) -> str:
        return self.role.display_name.lower()
