"""The framework's Change Process for a plan: what a proposed change makes of the plan.

Each function takes the current plan and the proposal and returns the new plan,
or raises DomainError with one sentence saying what is wrong and the right form.
Whether the change needs approval is `needs_approval` (after the start date it
does); who approves is `bot.core.authority.decision_maker`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from bot.core.boundaries import Boundary, scope_impact
from bot.core.errors import DomainError, PlanError
from bot.core.impact import change_impact
from bot.core.plan import MAX_WEEKS, Plan, validate_plan
from bot.core.ramps import Ramp
from bot.core.timeline import week_number


class ChangeKind(StrEnum):
    RAMP = "ramp"
    END = "end"
    SCOPE = "scope"


class ChangeStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Proposal:
    """A change as the process records it: in words, its impact, and what it sets."""

    kind: ChangeKind
    summary: str  # completes "asks to ...": "change the ramp from ... to ..."
    impact: tuple[str, ...]  # the change process's "assess impact" sentences
    values: Mapping[str, Any]  # what applying it sets: ramp/weeks/override, or scope


def propose_ramp(plan: Plan, text: str, *, today: date, override: bool = False) -> Proposal:
    new = with_ramp(plan, text, override=override)
    return Proposal(
        ChangeKind.RAMP,
        f"change the ramp from the {plan.ramp.label} to the {new.ramp.label}",
        (*change_impact(plan, new), *ramp_history_note(plan, new, today)),
        {"ramp": new.ramp.name, "override": new.override, "base": {"ramp": plan.ramp.name}},
    )


def propose_end(
    plan: Plan,
    *,
    end: date | None,
    weeks: int | None,
    today: date,
    override: bool = False,
) -> Proposal:
    """A new hard end date, given as the date or as the new length in weeks."""
    if (end is None) == (weeks is None):
        raise DomainError(
            "Give either the new hard end date (YYYY-MM-DD) or weeks=<n>."
            if end is None
            else "Give the new end date or weeks=<n>, not both."
        )
    if end is not None:
        new = with_end_date(plan, end, today=today, override=override)
    else:
        assert weeks is not None
        new = with_weeks(plan, weeks, today=today, override=override)
    return Proposal(
        ChangeKind.END,
        f"move the hard end date from {plan.hard_end_date.isoformat()} ({plan.weeks} weeks)"
        f" to {new.hard_end_date.isoformat()} ({new.weeks} weeks)",
        tuple(change_impact(plan, new)),
        {"weeks": new.weeks, "override": new.override, "base": {"weeks": plan.weeks}},
    )


def propose_scope(current: Mapping[Boundary, str], values: Mapping[Boundary, str]) -> Proposal:
    if not values:
        raise DomainError("Name at least one boundary to change.")
    impact = scope_impact(current, values)
    if not impact:
        raise DomainError("That is the scope already; nothing would change.")
    said = "; ".join(f"{b.label}: {values[b] or 'no limit'}" for b in Boundary if b in values)
    return Proposal(
        ChangeKind.SCOPE,
        f"change the scope ({said})",
        tuple(impact),
        {
            "scope": {b.value: v for b, v in values.items()},
            "base": {"scope": {b.value: current.get(b, "") for b in values}},
        },
    )


def moved_since(values: Mapping[str, Any], plan: Plan, scope: Mapping[Boundary, str]) -> str | None:
    """What changed in the plan since a proposal was made (its impact no longer holds),
    or None. ``values["base"]`` holds what the proposal was made against."""
    base = values.get("base") or {}
    if "ramp" in base and base["ramp"] != plan.ramp.name:
        return f"the pilot is now on the {plan.ramp.label}"
    if "weeks" in base and base["weeks"] != plan.weeks:
        return f"the pilot now ends on {plan.hard_end_date.isoformat()} ({plan.weeks} weeks)"
    for key, before in (base.get("scope") or {}).items():
        boundary = Boundary(key)
        if scope.get(boundary, "") != before:
            now = scope.get(boundary) or "no limit"
            return f"{boundary.label.lower()} are now “{now}”"
    return None


def needs_approval(plan: Plan, today: date) -> bool:
    """From the start date on, ramp, end date and scope change only with approval."""
    return today >= plan.start


def with_ramp(plan: Plan, text: str, *, override: bool = False) -> Plan:
    ramp = Ramp.parse(text)
    if ramp == plan.ramp:
        raise DomainError(f"The pilot is already on the {ramp.label}.")
    return _checked(replace(plan, ramp=ramp, override=plan.override or override))


def with_end_date(plan: Plan, day: date, *, today: date, override: bool = False) -> Plan:
    """The plan ending on ``day``, which must be the last day of a pilot week."""
    days = (day - plan.start).days + 1
    if days < 7:
        raise DomainError(
            f"The end date must be after the first pilot week, which ends on"
            f" {plan.week_end(1).isoformat()}."
        )
    if days % 7:
        shorter, longer = days // 7, days // 7 + 1
        raise DomainError(
            f"{day.isoformat()} is not the last day of a pilot week (weeks run"
            f" {plan.start:%A} to {plan.week_end(1):%A}): end on"
            f" {plan.week_end(shorter).isoformat()} ({shorter} weeks) or"
            f" {plan.week_end(longer).isoformat()} ({longer} weeks)."
        )
    return with_weeks(plan, days // 7, today=today, override=override)


def with_weeks(plan: Plan, weeks: int, *, today: date, override: bool = False) -> Plan:
    if not 1 <= weeks <= MAX_WEEKS:
        raise DomainError(f"A pilot runs 1 to {MAX_WEEKS} weeks; got {weeks}.")
    if weeks == plan.weeks:
        raise DomainError(
            f"The pilot already ends on {plan.hard_end_date.isoformat()} ({weeks} weeks)."
        )
    new = replace(plan, weeks=weeks, override=plan.override or override)
    if new.hard_end_date < today:
        current = week_number(plan, today) or weeks
        raise DomainError(
            f"The pilot is already in week {current}, so it cannot end before"
            f" {plan.week_end(current).isoformat()} (week {current})."
        )
    return _checked(new)


def ramp_history_note(old: Plan, new: Plan, today: date) -> list[str]:
    """A sentence when a new ramp rewrites weeks that already ran (history stays as it was)."""
    current = week_number(old, today)
    if current is None or today > old.hard_end_date:
        return []
    changed = [
        f"week {w}: {old.ramp.percent_in_week(w)}% → {new.ramp.percent_in_week(w)}%"
        for w in range(1, current)
        if old.ramp.percent_in_week(w) != new.ramp.percent_in_week(w)
    ]
    if not changed:
        return []
    return [
        "The new ramp also lists different values for weeks that already ran"
        f" ({'; '.join(changed)})."
    ]


def _checked(plan: Plan) -> Plan:
    try:
        validate_plan(plan)
    except PlanError as error:
        raise PlanError(
            " ".join(error.problems) + " Add override=yes to propose it anyway.",
            problems=error.problems,
        ) from error
    return plan
