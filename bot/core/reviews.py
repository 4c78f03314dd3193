"""Reviews, in the framework's words: the weekly metrics review, the end-of-phase review
and the end-of-pilot evaluation, as values the blocks render.

Communication Cadence: weekly, "progress against success criteria, issues and
resolutions, next week priorities"; end of phase, "metrics presentation, go/no-go
for next phase, lessons learned"; end of pilot, "success criteria evaluation,
recommendation, next steps discussion". What goes into them lives beside this module:
``criteria`` (values against targets, early warnings), ``traffic`` (ramp steps and
holds), ``checklists`` (what a review ticks) and ``decisions`` (go / no-go).

Everything here is a pure function of the record as of an instant; which instant
is the caller's business (a scheduled review reflects the record at its due time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.cadence import Due, DueKind, milestones
from bot.core.checklists import ChecklistItem, RecordAnswer
from bot.core.criteria import Criterion, Progress
from bot.core.decisions import Decided, Deciders
from bot.core.localtime import local_date
from bot.core.phases import Phase
from bot.core.plan import Plan
from bot.core.timeline import week_number
from bot.core.traffic import Traffic

ISSUE_WEEK = timedelta(days=7)  # the weekly review looks back over the week before it


def weekly_reviews(plan: Plan) -> list[Due]:
    return [d for d in milestones(plan) if d.kind is DueKind.WEEKLY_REVIEW]


def review_before(plan: Plan, instant: datetime) -> Due | None:
    """The last scheduled weekly review due strictly before ``instant``."""
    earlier = [d for d in weekly_reviews(plan) if d.due_at_utc < instant]
    return earlier[-1] if earlier else None


def review_week(plan: Plan, instant: datetime) -> int | None:
    """The pilot week an instant falls in (None outside the pilot and its evaluation)."""
    return week_number(plan, local_date(instant, plan.zone))


@dataclass(frozen=True)
class IssueWeek:
    """The issue log over a review's week: raised, resolved, still open, time to resolve."""

    raised: tuple[str, ...]  # flag ids such as "F-3"
    resolved: tuple[str, ...]
    still_open: tuple[str, ...]  # open at the review, whenever raised
    time_to_resolve: timedelta | None  # mean over the week's resolved flags


@dataclass(frozen=True)
class Participation:
    """Check-ins per team member over a review's week (days with a check-in reply)."""

    checkin_days: int  # check-in days in the week
    by_member: tuple[tuple[str, int], ...]  # (user id, days checked in), team order


@dataclass(frozen=True)
class Note:
    """Something the team wrote in a review: priorities, lessons learned, a reason."""

    text: str
    by: str
    at: datetime
    period: str = ""


@dataclass(frozen=True)
class WeeklyReview:
    pilot_id: int
    plan: Plan
    at: datetime  # the record is shown as of this instant
    week: int | None
    period: str  # "w3": the priorities set at this review are stored under it
    on_demand: bool
    progress: tuple[Progress, ...]
    warnings: tuple[Criterion, ...]  # below target at this review and the one before
    issues: IssueWeek | None  # None: no issue log yet
    participation: Participation
    traffic: Traffic
    last_priorities: Note | None


@dataclass(frozen=True)
class PhaseReview:
    pilot_id: int
    plan: Plan
    phase: Phase
    at: datetime
    items: tuple[ChecklistItem, ...]
    ticked: frozenset[str]
    answers: dict[str, RecordAnswer]
    progress: tuple[Progress, ...]
    traffic_pct: int
    deciders: Deciders
    decided: Decided | None
    lessons: int  # lessons learned recorded for the phase

    @property
    def next_phase(self) -> Phase:
        order = list(Phase)
        return order[order.index(self.phase) + 1]


@dataclass(frozen=True)
class FinalEvaluation:
    pilot_id: int
    plan: Plan
    at: datetime
    progress: tuple[Progress, ...]
    open_issues: IssueWeek | None  # None: no issue log yet
    deciders: Deciders
    recommendation: Decided | None
    items: tuple[ChecklistItem, ...]
    ticked: frozenset[str]
    answers: dict[str, RecordAnswer]

    @property
    def met(self) -> int:
        return sum(p.met for p in self.progress)
