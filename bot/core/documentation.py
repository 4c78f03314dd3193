"""Documentation Requirements, in the framework's words: the Pre-Pilot, During-Pilot and
Post-Pilot checklists, what the record can tell of each item by itself, and the review a
meeting's notes belong to.

Each item is done when the team ticked it, else when the record says so ("the record
ticks what it can tell by itself and says why"). The Post-Pilot list is the one the
final evaluation shows (``bot.core.checklists.post_pilot_checklist``), with the same stored
ticks. "Pilot scope document (signed)" is the decision maker's sign-off only: nobody
ticks it by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.checklists import (
    LESSONS_LEARNED_KEY,
    POST_PILOT,
    ChecklistItem,
    RecordAnswer,
    post_pilot_answers,
    post_pilot_checklist,
)
from bot.core.decisions import Decided
from bot.core.localtime import local_date
from bot.core.phases import Phase
from bot.core.plan import Plan

PRE_PILOT = "pre_pilot"
DURING_PILOT = "during_pilot"
PRE_PILOT_DOCUMENTS = (
    "Pilot scope document (signed)",
    "Technical requirements",
    "Success criteria",
    "Communication plan",
    "Risk register",
)
DURING_PILOT_DOCUMENTS = ("Weekly metrics reports", "Issue log", "Change log", "Meeting notes")
SIGNED_SCOPE_KEY = "b1"  # ticked by the decision maker's sign-off, never by hand
TITLES = {
    PRE_PILOT: "Pre-Pilot",
    DURING_PILOT: "During the pilot",
    POST_PILOT: "Post-Pilot",
}


def pre_pilot_checklist() -> tuple[ChecklistItem, ...]:
    return tuple(
        ChecklistItem(f"b{i}", d, "Pre-Pilot documentation")
        for i, d in enumerate(PRE_PILOT_DOCUMENTS, 1)
    )


def during_pilot_checklist() -> tuple[ChecklistItem, ...]:
    return tuple(
        ChecklistItem(f"w{i}", d, "During-Pilot documentation")
        for i, d in enumerate(DURING_PILOT_DOCUMENTS, 1)
    )


def documentation_checklist(name: str) -> tuple[ChecklistItem, ...]:
    """One of the three lists by its stored name; ValueError for any other name."""
    if name == PRE_PILOT:
        return pre_pilot_checklist()
    if name == DURING_PILOT:
        return during_pilot_checklist()
    if name == POST_PILOT:
        return post_pilot_checklist()
    raise ValueError(name)


def tickable(name: str, key: str) -> bool:
    """Whether the team ticks this item by hand (all but the signed scope document)."""
    return not (name == PRE_PILOT and key == SIGNED_SCOPE_KEY)


# ----- what the record holds, and what it tells -----------------------------------------------


@dataclass(frozen=True)
class SignOff:
    """A scope document version signed off: by whom (in which role), when."""

    version: int
    by: str
    role_name: str
    at: datetime


@dataclass(frozen=True)
class ScopeState:
    """The scope as written: defined or not, its latest version and that version's sign-off."""

    defined: bool
    version: int | None = None  # None: never posted for sign-off
    since: datetime | None = None  # when the latest version was made
    why: str = ""
    signed: SignOff | None = None
    decider_role: str = ""  # who signs it: "executive sponsor", or "project lead"


@dataclass(frozen=True)
class DocsFacts:
    """The counts and dates the record answers the checklists from, as of ``at``."""

    plan: Plan
    at: datetime
    scope: ScopeState
    criteria: int
    risks: int
    flags_raised: int
    flags_open: int
    changes_logged: int
    change_requests: int
    weekly_reports: tuple[datetime, ...]  # each weekly report shared (review files, asked)
    notes: int
    noted_reviews: int
    final_reports: tuple[datetime, ...]  # when each final report was asked for
    recommendation: Decided | None
    lessons: int


def _day(instant: datetime, zone: ZoneInfo) -> str:
    d = local_date(instant, zone)
    return f"{d:%a %b} {d.day}"


def _plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"


def scope_answer(scope: ScopeState, zone: ZoneInfo) -> RecordAnswer:
    key = SIGNED_SCOPE_KEY
    if not scope.defined:
        return RecordAnswer(key, False, "no scope written yet: /pilot scope set")
    signed = scope.signed
    if signed is not None and signed.version == scope.version:
        note = f"version {signed.version} signed off {_day(signed.at, zone)}"
        return RecordAnswer(key, True, note)
    who = f" by the {scope.decider_role}" if scope.decider_role else ""
    shown = f"version {scope.version}" if scope.version is not None else "the scope"
    return RecordAnswer(key, False, f"{shown} written, not signed off{who} yet")


def _started(plan: Plan, at: datetime) -> bool:
    return local_date(at, plan.zone) >= plan.start


def _starts(plan: Plan) -> str:
    return f"kept from the start date ({plan.start:%a %b} {plan.start.day})"


def pre_pilot_answers(facts: DocsFacts) -> dict[str, RecordAnswer]:
    answers = {SIGNED_SCOPE_KEY: scope_answer(facts.scope, facts.plan.zone)}
    if facts.criteria:
        note = _plural(facts.criteria, "success criterion", "success criteria") + " defined"
        answers["b3"] = RecordAnswer("b3", True, note)
    else:
        answers["b3"] = RecordAnswer("b3", False, "none defined yet: /pilot criteria add")
    if facts.risks:
        answers["b5"] = RecordAnswer("b5", True, _plural(facts.risks, "risk") + " on the register")
    else:
        answers["b5"] = RecordAnswer("b5", False, "the register is empty: /pilot risks add")
    return answers


def during_pilot_answers(facts: DocsFacts) -> dict[str, RecordAnswer]:
    plan, zone = facts.plan, facts.plan.zone
    started = _started(plan, facts.at)
    answers: dict[str, RecordAnswer] = {}
    if facts.weekly_reports:
        last = _day(max(facts.weekly_reports), zone)
        note = _plural(len(facts.weekly_reports), "weekly report") + f" shared, the last {last}"
        answers["w1"] = RecordAnswer("w1", True, note)
    else:
        answers["w1"] = RecordAnswer("w1", False, "none shared yet")
    if facts.flags_raised:
        note = f"{_plural(facts.flags_raised, 'flag')} logged, {facts.flags_open} open"
        answers["w2"] = RecordAnswer("w2", True, note)
    elif started:
        answers["w2"] = RecordAnswer("w2", True, "kept by the bot; no issue flagged so far")
    else:
        answers["w2"] = RecordAnswer("w2", False, _starts(plan))
    if started:
        note = (
            f"{_plural(facts.changes_logged, 'entry', 'entries')},"
            f" {_plural(facts.change_requests, 'change request')}"
        )
        answers["w3"] = RecordAnswer("w3", True, note)
    else:
        answers["w3"] = RecordAnswer("w3", False, _starts(plan))
    if facts.notes:
        note = f"{_plural(facts.notes, 'note')} from {_plural(facts.noted_reviews, 'review')}"
        answers["w4"] = RecordAnswer("w4", True, note)
    else:
        answers["w4"] = RecordAnswer("w4", False, "none yet: Add notes on a review, /pilot notes")
    return answers


def post_pilot_record(
    plan: Plan,
    *,
    lessons: int,
    final_reports: Sequence[datetime],
    recommendation: Decided | None,
) -> dict[str, RecordAnswer]:
    """The Post-Pilot documents the record answers: the final report (one asked for in
    Evaluation or later; before it is a draft), the recommendation and lessons learned."""
    answers = dict(post_pilot_answers(lessons))
    zone = plan.zone
    final = [at for at in final_reports if local_date(at, zone) >= plan.evaluation_start_date]
    if final:
        answers["p1"] = RecordAnswer("p1", True, f"final report shared {_day(max(final), zone)}")
    elif final_reports:
        note = f"only a draft so far ({_day(max(final_reports), zone)})"
        answers["p1"] = RecordAnswer("p1", False, note)
    else:
        answers["p1"] = RecordAnswer("p1", False, "not shared yet: /pilot report final")
    if recommendation is not None:
        note = f"{recommendation.outcome.label} recorded {_day(recommendation.at, zone)}"
        answers["p3"] = RecordAnswer("p3", True, note)
    else:
        answers["p3"] = RecordAnswer("p3", False, "no recommendation recorded yet")
    assert LESSONS_LEARNED_KEY in answers
    return answers


# ----- the checklists as they stand --------------------------------------------------------


@dataclass(frozen=True)
class TeamTick:
    """An item as the team last ticked (or unticked) it."""

    checked: bool
    by: str
    at: datetime


@dataclass(frozen=True)
class DocItem:
    checklist: str
    item: ChecklistItem
    done: bool
    answer: RecordAnswer | None  # what the record says, if it can tell
    tick: TeamTick | None  # the team's last tick, if any

    @property
    def tickable(self) -> bool:
        return tickable(self.checklist, self.item.key)


@dataclass(frozen=True)
class Documentation:
    pilot_id: int
    plan: Plan
    at: datetime
    lists: tuple[tuple[str, tuple[DocItem, ...]], ...]  # (checklist name, its items)

    def item(self, checklist: str, key: str) -> DocItem:
        for name, items in self.lists:
            for found in items:
                if name == checklist and found.item.key == key:
                    return found
        raise KeyError((checklist, key))


def checklist_state(
    name: str,
    answers: Mapping[str, RecordAnswer],
    ticks: Mapping[str, TeamTick],
) -> tuple[DocItem, ...]:
    """Each item of list ``name``: the team's tick wins, else what the record says (the
    rule of ``reviews.ticked_items``); the signed scope document only by its sign-off."""
    state = []
    for item in documentation_checklist(name):
        answer = answers.get(item.key)
        tick = ticks.get(item.key) if tickable(name, item.key) else None
        done = tick.checked if tick is not None else bool(answer is not None and answer.holds)
        state.append(DocItem(name, item, done, answer, tick))
    return tuple(state)


def documentation(
    *,
    pilot_id: int,
    facts: DocsFacts,
    ticks: Mapping[str, Mapping[str, TeamTick]],
) -> Documentation:
    """The three checklists as they stand at ``facts.at``."""
    answers = {
        PRE_PILOT: pre_pilot_answers(facts),
        DURING_PILOT: during_pilot_answers(facts),
        POST_PILOT: post_pilot_record(
            facts.plan,
            lessons=facts.lessons,
            final_reports=facts.final_reports,
            recommendation=facts.recommendation,
        ),
    }
    lists = tuple(
        (name, checklist_state(name, answers[name], ticks.get(name, {})))
        for name in (PRE_PILOT, DURING_PILOT, POST_PILOT)
    )
    return Documentation(pilot_id=pilot_id, plan=facts.plan, at=facts.at, lists=lists)


# ----- meeting notes: the review they belong to ---------------------------------------------

WEEKLY_REVIEW_KINDS = ("weekly_review", "review_asked")  # scheduled, and /pilot review
PHASE_REVIEW_KIND = "phase_review"
NOTED_KINDS = (*WEEKLY_REVIEW_KINDS, PHASE_REVIEW_KIND)  # the posts that take meeting notes


def review_label(key: str) -> str:
    """A review post's key as people name the meeting: "weekly_review:w3" -> "Weekly
    review, week 3"; "phase_review:setup" -> "End of Setup review"."""
    kind, _, rest = key.partition(":")
    if kind == "weekly_review" and rest.removeprefix("w").isdigit():
        return f"Weekly review, week {int(rest.removeprefix('w'))}"
    if kind == PHASE_REVIEW_KIND:
        try:
            return f"End of {Phase(rest).display_name} review"
        except ValueError:
            return "Phase review"
    return "Weekly review (posted on request)"


@dataclass(frozen=True)
class MeetingNoteLine:
    """A meeting's notes as the documents show them."""

    review: str  # review_label() of the review post
    text: str
    by: str
    at: datetime


def notes_in_week(notes: Sequence[MeetingNoteLine], plan: Plan, week: int) -> list[MeetingNoteLine]:
    """The notes written during pilot week ``week`` (its local days), oldest first."""
    first, last = plan.week_start(week), plan.week_end(week)
    return [n for n in notes if first <= local_date(n.at, plan.zone) <= last]
