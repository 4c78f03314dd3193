"""The checklists a review ticks: a phase's deliverables and exit criteria (Pilot
Phases), and the Post-Pilot documentation; and what the record itself can answer
about an item (Soft Launch "No critical issues", "Metrics tracking working";
Expanded "Success criteria trending positive", "No major issues")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.criteria import Progress
from bot.core.phases import Phase


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


def post_pilot_answers(lessons: int) -> dict[str, RecordAnswer]:
    """The Post-Pilot documents the record can answer: lessons learned."""
    if lessons:
        note = f"{lessons} lesson{'s' if lessons != 1 else ''} learned recorded"
        return {LESSONS_LEARNED_KEY: RecordAnswer(LESSONS_LEARNED_KEY, True, note)}
    return {LESSONS_LEARNED_KEY: RecordAnswer(LESSONS_LEARNED_KEY, False, "none recorded yet")}


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
