"""The record a document is written from, as of one instant: plain values, no SQL."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.boundaries import Boundary
from bot.core.criteria import Criterion, Reading
from bot.core.decisions import Decided
from bot.core.documentation import MeetingNoteLine, ScopeState
from bot.core.flags import FlagRecord
from bot.core.plan import Plan
from bot.core.reviews import FinalEvaluation, Note
from bot.core.traffic import Confirmation


@dataclass(frozen=True)
class EscalationTaken:
    """One step of a flag's escalation path as it was taken."""

    flag_number: int
    step: str  # "project leads"
    users: tuple[str, ...]
    at: datetime


@dataclass(frozen=True)
class ChangeLine:
    """One line of the change log."""

    at: datetime
    by: str
    kind: str
    summary: str
    reason: str


@dataclass(frozen=True)
class ChangeAsked:
    """A change request through the change process (CH-n)."""

    number: int
    kind: str
    summary: str
    reason: str
    impact: str
    status: str
    requested_by: str
    requested_at: datetime
    decided_by: str
    decided_at: datetime | None


@dataclass(frozen=True)
class RiskLine:
    number: int
    category: str
    risk: str
    mitigation: str
    added_by: str
    added_at: datetime
    removed_at: datetime | None


@dataclass(frozen=True)
class Deferred:
    """A request parked in the Phase 2 bucket."""

    number: int
    request: str
    by: str
    at: datetime


@dataclass(frozen=True)
class PilotRecord:
    """Everything the documents read, as of ``as_of``."""

    plan: Plan
    channel_id: str
    state: str
    as_of: datetime
    criteria: tuple[Criterion, ...]
    readings: tuple[Reading, ...]  # oldest first
    flags: tuple[FlagRecord, ...]  # by number
    escalations: tuple[EscalationTaken, ...]
    changes: tuple[ChangeLine, ...]  # oldest first
    change_requests: tuple[ChangeAsked, ...]
    risks: tuple[RiskLine, ...]
    scope: Mapping[Boundary, str]
    deferred: tuple[Deferred, ...]
    confirmations: tuple[Confirmation, ...]
    lessons: tuple[Note, ...]  # period: the phase they were learned in
    final: FinalEvaluation
    phase_decisions: Mapping[str, Decided] = field(default_factory=dict)
    team: tuple[tuple[str, str], ...] = ()  # (user id, role name)
    names: Mapping[str, str] = field(default_factory=dict)  # user id -> display name
    meeting_notes: tuple[MeetingNoteLine, ...] = ()  # oldest first
    scope_state: ScopeState | None = None  # the scope document's version and sign-off

    @property
    def people(self) -> set[str]:
        """Everyone the documents may name: whose names are worth looking up."""
        found = {user for user, _ in self.team}
        found |= {f.raised_by for f in self.flags} | {f.resolved_by for f in self.flags}
        found |= {c.by for c in self.changes} | {r.by for r in self.readings}
        found |= {n.by for n in self.meeting_notes}
        if self.scope_state is not None and self.scope_state.signed is not None:
            found.add(self.scope_state.signed.by)
        if self.recommendation is not None:
            found.add(self.recommendation.by)
        return {user for user in found if user}

    def who(self, user_id: str) -> str:
        """A person as a document names them: their name, else their Slack id."""
        if not user_id:
            return ""
        name = self.names.get(user_id)
        return f"{name} ({user_id})" if name else user_id

    @property
    def recommendation(self) -> Decided | None:
        return self.final.recommendation
