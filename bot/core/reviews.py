"""Reviews, in the framework's words: the weekly metrics review, the end-of-phase review
and the end-of-pilot evaluation, as values the blocks render.

Communication Cadence: weekly, "progress against success criteria, issues and
resolutions, next week priorities"; end of phase, "metrics presentation, go/no-go
for next phase, lessons learned"; end of pilot, "success criteria evaluation,
recommendation, next steps discussion". Mitigation Strategies: "metrics not
achieved: conservative targets, early warning" (a criterion below target in two
weekly reviews in a row).

Everything here is a pure function of the record as of an instant; which instant
is the caller's business (a scheduled review reflects the record at its due time).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from bot.core.cadence import Due, DueKind, milestones, ramp_change_days
from bot.core.errors import DomainError
from bot.core.localtime import local_date, require_aware
from bot.core.phases import Phase
from bot.core.plan import Plan
from bot.core.ramps import Ramp
from bot.core.roles import Role
from bot.core.targets import Comparator, Target, parse_target
from bot.core.timeline import planned_traffic, traffic_in_week, week_number

MEASUREMENT_USAGE = "a number in the target's unit, such as 62, 62%, 1.8 s or $10,000"
ISSUE_WEEK = timedelta(days=7)  # the weekly review looks back over the week before it


# ----- success criteria against their targets -----------------------------------------------


class Standing(StrEnum):
    MET = "met"
    BELOW = "below target"
    NO_VALUE = "no value recorded"
    NOT_MEASURABLE = "target not measurable"  # a target parse_target cannot read


class Trend(StrEnum):
    UP = "up"
    DOWN = "down"
    FLAT = "flat"


@dataclass(frozen=True)
class Criterion:
    id: int  # the stored row's id: metric values point at it
    number: int  # C-<number>
    name: str
    target_text: str

    @property
    def target(self) -> Target | None:
        return parse_target(self.target_text)


@dataclass(frozen=True)
class Reading:
    """One recorded value of a criterion: who recorded it, and when."""

    criterion_id: int
    value: Decimal
    typed: str  # as the person typed it ("62%"), or a pushed number in the target's unit
    at: datetime
    by: str  # who typed it ("" for a pushed value)
    source: str = ""  # where a pushed value came from ("grafana"); "" when typed in Slack

    @property
    def origin(self) -> str:
        """Where the value came from, for people: "from grafana", "" when typed."""
        return f"from {self.source}" if self.source else ""


@dataclass(frozen=True)
class Progress:
    """A criterion as of an instant: its latest value against the target, and the trend."""

    criterion: Criterion
    latest: Reading | None
    previous: Reading | None  # the value recorded before the latest one
    standing: Standing
    trend: Trend | None  # None without two values
    toward_target: bool | None  # the last move went the target's way; None if unknown

    @property
    def met(self) -> bool:
        return self.standing is Standing.MET


def standing(criterion: Criterion, latest: Reading | None) -> Standing:
    target = criterion.target
    if target is None:
        return Standing.NOT_MEASURABLE
    if latest is None:
        return Standing.NO_VALUE
    return Standing.MET if target.met(latest.value) else Standing.BELOW


def progress(criterion: Criterion, readings: Iterable[Reading], as_of: datetime) -> Progress:
    """Where ``criterion`` stands with the values recorded up to ``as_of`` (inclusive)."""
    require_aware(as_of, "as_of")
    known = sorted(
        (r for r in readings if r.criterion_id == criterion.id and r.at <= as_of),
        key=lambda r: r.at,
    )
    latest = known[-1] if known else None
    previous = known[-2] if len(known) > 1 else None
    trend = toward = None
    if latest is not None and previous is not None:
        if latest.value > previous.value:
            trend = Trend.UP
        elif latest.value < previous.value:
            trend = Trend.DOWN
        else:
            trend = Trend.FLAT
        toward = _toward(criterion.target, trend)
    return Progress(criterion, latest, previous, standing(criterion, latest), trend, toward)


def _toward(target: Target | None, trend: Trend) -> bool | None:
    if target is None or trend is Trend.FLAT:
        return None
    up_is_good = target.comparator in (Comparator.AT_LEAST, Comparator.MORE_THAN)
    down_is_good = target.comparator in (Comparator.AT_MOST, Comparator.LESS_THAN)
    if not (up_is_good or down_is_good):
        return None
    return (trend is Trend.UP) == up_is_good


def progress_of_all(
    criteria: Sequence[Criterion], readings: Sequence[Reading], as_of: datetime
) -> list[Progress]:
    return [progress(c, readings, as_of) for c in criteria]


def early_warnings(
    criteria: Sequence[Criterion],
    readings: Sequence[Reading],
    *,
    this_review: datetime,
    previous_review: datetime | None,
) -> list[Criterion]:
    """Criteria below target at this review and at the weekly review before it, on two
    different measurements (one old value carried forward warns once, not every week)."""
    if previous_review is None:
        return []
    found = []
    for c in criteria:
        now, before = progress(c, readings, this_review), progress(c, readings, previous_review)
        if (
            now.standing is Standing.BELOW
            and before.standing is Standing.BELOW
            and now.latest != before.latest
        ):
            found.append(c)
    return found


def weekly_reviews(plan: Plan) -> list[Due]:
    return [d for d in milestones(plan) if d.kind is DueKind.WEEKLY_REVIEW]


def review_before(plan: Plan, instant: datetime) -> Due | None:
    """The last scheduled weekly review due strictly before ``instant``."""
    earlier = [d for d in weekly_reviews(plan) if d.due_at_utc < instant]
    return earlier[-1] if earlier else None


_NUMBER = re.compile(r"([+-]?(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?|[+-]?\.[0-9]+)")
_UNIT = re.compile(r"^[^0-9\s<>=≤≥,.][^<>=≤≥]{0,29}$")


def parse_measurement(text: str) -> Decimal:
    """The number in a recorded value: "62", "62%", "1.8 s", "$10,000", "4.5/5"."""
    rest = " ".join(text.split())
    if rest[:1] in ("$", "€", "£"):
        rest = rest[1:].strip()
    match = _NUMBER.match(rest)
    tail = rest[match.end() :].strip() if match else ""
    if match is None or (tail and not _UNIT.match(tail)):
        shown = " ".join(text.split()) or "(empty)"
        raise DomainError(f"'{shown}' is not a value; give {MEASUREMENT_USAGE}.")
    try:
        return Decimal(match.group(1).replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern only matches numbers
        raise DomainError(f"'{text}' is not a number.") from None


def plain_number(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# ----- traffic: planned, announced, confirmed, held -----------------------------------------


@dataclass(frozen=True)
class RampStep:
    """A planned traffic step: week ``week`` goes from ``from_pct`` to ``to_pct``,
    announced on ``on`` (the first workday of that week)."""

    week: int
    from_pct: int
    to_pct: int
    on: date


@dataclass(frozen=True)
class Confirmation:
    week: int
    pct: int
    by: str
    at: datetime


@dataclass(frozen=True)
class Hold:
    """The ramp held after a No-go: no further steps until a change is approved."""

    phase: Phase
    pct: int
    since: datetime
    by: str


@dataclass(frozen=True)
class Traffic:
    planned: int
    confirmed: Confirmation | None  # the latest step someone confirmed applied
    unconfirmed: RampStep | None  # the latest announced step nobody confirmed yet
    next_step: RampStep | None
    hold: Hold | None


def ramp_steps(plan: Plan) -> list[RampStep]:
    """The steps the cadence announces (weeks whose planned % changes), in order."""
    return [
        RampStep(
            week=week,
            from_pct=traffic_in_week(plan, week - 1),
            to_pct=traffic_in_week(plan, week),
            on=day,
        )
        for week, day in ramp_change_days(plan)
    ]


def ramp_step(plan: Plan, week: int) -> RampStep | None:
    return next((s for s in ramp_steps(plan) if s.week == week), None)


def traffic(
    plan: Plan, now: datetime, confirmations: Sequence[Confirmation], hold: Hold | None
) -> Traffic:
    today = local_date(now, plan.zone)
    steps = ramp_steps(plan)
    announced = [s for s in steps if s.on <= today]
    if hold is not None:
        held_on = local_date(hold.since, plan.zone)
        announced = [s for s in announced if s.on <= held_on]
    latest = announced[-1] if announced else None
    confirmed_weeks = {c.week for c in confirmations}
    unconfirmed = latest if latest is not None and latest.week not in confirmed_weeks else None
    upcoming = None if hold is not None else next((s for s in steps if s.on > today), None)
    return Traffic(
        planned=planned_traffic(plan, today),
        confirmed=max(confirmations, key=lambda c: (c.week, c.at), default=None),
        unconfirmed=unconfirmed,
        next_step=upcoming,
        hold=hold,
    )


def held_ramp(plan: Plan, week: int) -> Ramp:
    """The ramp with week ``week``'s step put off by a week: what Hold proposes."""
    steps = list(plan.ramp.weekly(plan.weeks))
    if not 2 <= week <= plan.weeks:
        raise DomainError(f"Week {week} is not a ramp step of this {plan.weeks}-week pilot.")
    held = [*steps[: week - 1], steps[week - 2], *steps[week - 1 :]][: plan.weeks]
    return Ramp.custom(held)


# ----- end of phase and end of pilot --------------------------------------------------------


class Decision(StrEnum):
    GO = "go"
    NO_GO = "no_go"

    @property
    def label(self) -> str:
        return "Go" if self is Decision.GO else "No-go"


RECOMMENDATION = "recommendation"  # the decision subject of the final recommendation


@dataclass(frozen=True)
class ChecklistItem:
    key: str  # "d1" (deliverable 1), "e2" (exit criterion 2), "p3" (post-pilot doc 3)
    label: str
    group: str


POST_PILOT_DOCUMENTS = (
    "Final metrics report",
    "Success criteria evaluation",
    "Recommendation document",
    "Lessons learned",
    "Rollout plan (if applicable)",
)
POST_PILOT = "post_pilot"  # the checklist name of the Post-Pilot documentation
LESSONS_LEARNED_KEY = "p4"


def phase_checklist(phase: Phase) -> tuple[ChecklistItem, ...]:
    guide = phase.guide
    return (
        *(ChecklistItem(f"d{i}", d, "Deliverables") for i, d in enumerate(guide.deliverables, 1)),
        *(ChecklistItem(f"e{i}", e, "Exit criteria") for i, e in enumerate(guide.exit_criteria, 1)),
    )


def post_pilot_checklist() -> tuple[ChecklistItem, ...]:
    return tuple(
        ChecklistItem(f"p{i}", d, "Post-Pilot documentation")
        for i, d in enumerate(POST_PILOT_DOCUMENTS, 1)
    )


def checklist(name: str) -> tuple[ChecklistItem, ...]:
    """A checklist by its stored name: a phase value, or ``post_pilot``."""
    return post_pilot_checklist() if name == POST_PILOT else phase_checklist(Phase(name))


@dataclass(frozen=True)
class OpenFlags:
    """Open issue flags by severity, from the issue log."""

    critical: int = 0
    major: int = 0


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
class RecordAnswer:
    """What the record says about a checklist item: True/False, or None (cannot tell)."""

    key: str
    holds: bool | None
    note: str


TRACKING_WINDOW = timedelta(days=7)  # "Metrics tracking working": a value this recent


def record_answers(
    phase: Phase, progress_now: Sequence[Progress], flags: OpenFlags | None, *, as_of: datetime
) -> dict[str, RecordAnswer]:
    """The exit criteria the record can answer (framework: Soft Launch "No critical
    issues", "Metrics tracking working"; Expanded "Success criteria trending positive",
    "No major issues")."""
    answers: dict[str, RecordAnswer] = {}
    if phase is Phase.SOFT_LAUNCH:
        answers["e1"] = _no_flags("e1", flags, "critical")
        answers["e2"] = _tracking("e2", progress_now, as_of)
    elif phase is Phase.EXPANDED:
        answers["e1"] = _trending("e1", progress_now)
        answers["e2"] = _no_flags("e2", flags, "major")
    return answers


def _no_flags(key: str, flags: OpenFlags | None, severity: str) -> RecordAnswer:
    if flags is None:
        return RecordAnswer(key, None, "unknown: there is no issue log yet")
    count = getattr(flags, severity)
    if count == 0:
        return RecordAnswer(key, True, f"no {severity} flags open")
    return RecordAnswer(key, False, f"{count} {severity} flag{'s' if count != 1 else ''} open")


def _tracking(key: str, progress_now: Sequence[Progress], as_of: datetime) -> RecordAnswer:
    """Tracking works when every criterion has a value from the last 7 days, typed or
    pushed by monitoring: an old value says the tracking stopped."""
    if not progress_now:
        return RecordAnswer(key, False, "no success criteria are defined")
    since = as_of - TRACKING_WINDOW
    missing = [p for p in progress_now if p.latest is None or p.latest.at < since]
    if missing:
        note = f"no value recorded in the last 7 days for {_refs(missing)}"
        return RecordAnswer(key, False, note)
    return RecordAnswer(key, True, "every success criterion has a value from the last 7 days")


def _trending(key: str, progress_now: Sequence[Progress]) -> RecordAnswer:
    measured = [p for p in progress_now if p.latest is not None]
    if not measured:
        return RecordAnswer(key, None, "unknown: no values recorded yet")
    below = [p for p in measured if not p.met]
    lagging = [p for p in below if p.toward_target is False]
    if lagging:
        return RecordAnswer(key, False, f"moving away from the target: {_refs(lagging)}")
    unknown = [p for p in below if p.toward_target is None]
    if unknown:
        return RecordAnswer(key, None, f"unknown: below target, no trend yet: {_refs(unknown)}")
    return RecordAnswer(key, True, "every measured criterion is met or moving toward its target")


def _refs(found: Sequence[Progress]) -> str:
    return ", ".join(f"C-{p.criterion.number}" for p in found)


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


def post_pilot_answers(lessons: int) -> dict[str, RecordAnswer]:
    """The Post-Pilot documents the record can answer: lessons learned."""
    if lessons:
        note = f"{lessons} lesson{'s' if lessons != 1 else ''} learned recorded"
        return {LESSONS_LEARNED_KEY: RecordAnswer(LESSONS_LEARNED_KEY, True, note)}
    return {LESSONS_LEARNED_KEY: RecordAnswer(LESSONS_LEARNED_KEY, False, "none recorded yet")}


def review_week(plan: Plan, instant: datetime) -> int | None:
    """The pilot week an instant falls in (None outside the pilot and its evaluation)."""
    return week_number(plan, local_date(instant, plan.zone))


# ----- what each review shows ---------------------------------------------------------------


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


def ticked_items(
    items: Sequence[ChecklistItem],
    stored: dict[str, bool],
    answers: dict[str, RecordAnswer],
) -> frozenset[str]:
    """What a checklist shows ticked: the team's ticks, else what the record answers."""
    ticked = set()
    for item in items:
        if item.key in stored:
            if stored[item.key]:
                ticked.add(item.key)
        elif (answer := answers.get(item.key)) is not None and answer.holds:
            ticked.add(item.key)
    return frozenset(ticked)
