"""Creating a pilot: from loose text (the one-line command or the modal) to a checked plan.

Every field is read on its own, so the modal can mark each bad field and the
one-line form can say which option to fix. A plan outside its type's bands is
refused unless the user overrides; with the override its warnings are kept so
the announcement can show them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from bot.core.bands import length_warning, traffic_warning
from bot.core.errors import DomainError
from bot.core.inputs import (
    parse_country,
    parse_date,
    parse_review_slot,
    parse_time,
    parse_timezone,
    parse_weeks,
)
from bot.core.localtime import local_date
from bot.core.pilot_types import PilotType
from bot.core.plan import DEFAULT_CHECKIN, Plan, plan_warnings
from bot.core.ramps import USE_WHEN, Ramp, RampKind
from bot.core.suggestion import fitting_ramp, suggest_ramp, suggestion_note

DEFAULT_TZ = "America/New_York"
DEFAULT_REVIEW = "mon 10:00"
SUGGESTED = "suggested"  # the ramp choice that asks `suggest_ramp`
MAX_TEXT = 200  # name and customer: what the pilot table holds


class PlanField(StrEnum):
    """The fields of a new plan; the modal has one block per field."""

    NAME = "name"
    CUSTOMER = "customer"
    TYPE = "type"
    RAMP = "ramp"
    START = "start"
    WEEKS = "weeks"
    TZ = "tz"
    CHECKIN = "checkin"
    REVIEW = "review"
    HOLIDAYS = "holidays"


@dataclass(frozen=True)
class RampAnswers:
    """The framework's "Use when" conditions the user ticked (standard is "none of these")."""

    first_with_customer_type: bool = False
    complex_integration: bool = False
    high_risk: bool = False
    confident: bool = False
    needs_fast_results: bool = False
    low_risk: bool = False

    @classmethod
    def from_keys(cls, keys: set[str] | frozenset[str]) -> RampAnswers:
        unknown = keys - set(RAMP_QUESTIONS)
        if unknown:
            raise DomainError(f"Unknown ramp question {sorted(unknown)[0]!r}.")
        return cls(**{key: True for key in keys})

    @property
    def ticked(self) -> list[str]:
        return [label for key, label in RAMP_QUESTIONS.items() if getattr(self, key)]

    def suggestion(self) -> Ramp:
        return suggest_ramp(
            first_with_customer_type=self.first_with_customer_type,
            complex_integration=self.complex_integration,
            high_risk=self.high_risk,
            confident=self.confident,
            low_risk=self.low_risk,
            needs_fast_results=self.needs_fast_results,
        )


_CAUTIOUS, _BOLD = USE_WHEN[RampKind.CONSERVATIVE], USE_WHEN[RampKind.AGGRESSIVE]
# Question key -> the framework's words, conservative reasons first.
RAMP_QUESTIONS: dict[str, str] = {
    "first_with_customer_type": _CAUTIOUS[0],
    "complex_integration": _CAUTIOUS[1],
    "high_risk": _CAUTIOUS[2],
    "confident": _BOLD[0],
    "needs_fast_results": _BOLD[1],
    "low_risk": _BOLD[2],
}


@dataclass(frozen=True)
class PlanRequest:
    """A new pilot as typed: every value is text, defaults as in the one-line form."""

    name: str
    customer: str
    pilot_type: str
    start: str
    ramp: str = "standard"  # a preset, weekly percentages, or SUGGESTED
    weeks: str = ""  # empty: the type's shortest
    tz: str = DEFAULT_TZ
    checkin: str = f"{DEFAULT_CHECKIN:%H:%M}"
    review: str = DEFAULT_REVIEW
    holidays: str = ""  # empty or "none": weekends only
    override: bool = False
    answers: RampAnswers = field(default_factory=RampAnswers)


@dataclass(frozen=True)
class NewPlan:
    plan: Plan
    warnings: tuple[str, ...]  # band warnings the override keeps
    suggestion: str | None  # why this ramp, when it was suggested


class PlanRequestError(DomainError):
    """One sentence per bad field; the message is the first, for one-line answers."""

    def __init__(self, problems: dict[PlanField, str]) -> None:
        self.problems = dict(problems)
        self.field, first = next(iter(self.problems.items()))
        super().__init__(first)


def plan_from_request(request: PlanRequest, *, now: datetime, override_hint: str) -> NewPlan:
    """The checked plan, or PlanRequestError naming every bad field.

    `now` refuses a plan that would already be over; `override_hint` ends a band problem,
    in the words of the surface (a flag or a checkbox).
    """
    problems: dict[PlanField, str] = {}

    def read(which: PlanField, parse: Callable[..., Any], *args: str) -> Any:
        try:
            return parse(*args)
        except DomainError as error:
            problems[which] = error.message
            return None

    name = read(PlanField.NAME, _text, "name", request.name)
    customer = read(PlanField.CUSTOMER, _text, "customer", request.customer)
    kind: PilotType | None = read(PlanField.TYPE, PilotType.parse, request.pilot_type)
    start: date | None = read(PlanField.START, parse_date, request.start)
    weeks: int | None = None
    if request.weeks.strip():
        weeks = read(PlanField.WEEKS, parse_weeks, request.weeks)
    elif kind is not None:
        weeks = kind.guide.min_weeks
    tz: str | None = read(PlanField.TZ, parse_timezone, request.tz)
    checkin: time | None = read(PlanField.CHECKIN, parse_time, request.checkin)
    review: tuple[int, time] | None = read(PlanField.REVIEW, parse_review_slot, request.review)
    country = read(PlanField.HOLIDAYS, parse_country, request.holidays)
    suggested = request.ramp.strip().lower() == SUGGESTED
    ramp: Ramp | None = (
        request.answers.suggestion()
        if suggested
        else read(PlanField.RAMP, Ramp.parse, request.ramp)
    )
    if problems:
        raise PlanRequestError(problems)
    assert name and customer and kind and start and weeks and tz and checkin and review and ramp
    plan = Plan.create(
        name=name,
        customer=customer,
        pilot_type=kind,
        start=start,
        weeks=weeks,
        ramp=ramp,
        tz=tz,
        checkin=checkin,
        review_weekday=review[0],
        review_time=review[1],
        holiday_country=country,
        override=request.override,
    )
    today = local_date(now, plan.zone)
    if plan.evaluation_end_date < today:
        raise PlanRequestError(
            {
                PlanField.START: f"A pilot starting {plan.start.isoformat()} would already be"
                f" over (its evaluation ended {plan.evaluation_end_date.isoformat()});"
                " check the start date."
            }
        )
    suggestion = _explain(request.answers, plan) if suggested else None
    if not request.override:
        _refuse_outside_bands(plan, suggested, override_hint)
    return NewPlan(plan=plan, warnings=tuple(plan_warnings(plan)), suggestion=suggestion)


def _text(label: str, value: str) -> str:
    cleaned = " ".join(value.split())
    if not cleaned:
        raise DomainError(f"The pilot needs a {label}.")
    if len(cleaned) > MAX_TEXT:
        raise DomainError(f"The {label} is too long: {MAX_TEXT} characters at most.")
    return cleaned


def _refuse_outside_bands(plan: Plan, suggested: bool, override_hint: str) -> None:
    problems: dict[PlanField, str] = {}
    length = length_warning(plan.pilot_type, plan.weeks)
    if length is not None:
        problems[PlanField.WEEKS] = f"{length} {override_hint}"
    traffic = traffic_warning(plan.pilot_type, plan.weeks, plan.ramp)
    if traffic is not None:
        if suggested:
            explained = suggestion_note(plan.ramp, plan.pilot_type, plan.weeks) or traffic
        else:
            alternative = fitting_ramp(plan.ramp, plan.pilot_type, plan.weeks)
            fits = f" The {alternative.label} fits." if alternative is not None else ""
            explained = f"{traffic}{fits}"
        problems[PlanField.RAMP] = f"{explained} {override_hint}"
    if problems:
        raise PlanRequestError(problems)


def _explain(answers: RampAnswers, plan: Plan) -> str:
    ticked = answers.ticked
    if ticked:
        reasons = "; ".join(t[:1].lower() + t[1:] for t in ticked)
        text = f"Suggested the {plan.ramp.label} because: {reasons}."
    else:
        text = (
            f"Suggested the {plan.ramp.label}: no reason for a conservative or an aggressive"
            " ramp was ticked."
        )
    note = suggestion_note(plan.ramp, plan.pilot_type, plan.weeks)
    return f"{text} {note}" if note else text
