"""The pilot's written record: scope and the Phase 2 bucket, the risk register, the
success criteria, and the one-line confirmations of changing them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.blocks.common import Reply, context, header, section
from bot.core.boundaries import Boundary
from bot.core.refs import CRITERION, RISK, ref
from bot.core.risks import RiskCategory
from bot.core.targets import parse_target


@dataclass(frozen=True)
class Deferred:
    number: int
    request: str
    requested_by: str
    on: date


@dataclass(frozen=True)
class RiskLine:
    number: int
    category: RiskCategory
    risk: str
    mitigation: str


@dataclass(frozen=True)
class CriterionLine:
    number: int
    name: str
    target: str


def confirmation(text: str) -> Reply:
    return Reply(text=text, blocks=[section(text)])


def risk_ref(number: int) -> str:
    return ref(RISK, number)


def criterion_ref(number: int) -> str:
    return ref(CRITERION, number)


def _day(d: date) -> str:
    return f"{d:%b} {d.day}, {d.year}"


def scope_reply(
    pilot_name: str,
    scope: Mapping[Boundary, str],
    deferred: Sequence[Deferred],
    *,
    started: bool,
) -> Reply:
    lines = [f"• *{b.label}:* {scope.get(b) or '_not defined_'}" for b in Boundary]
    blocks: list[dict[str, Any]] = [
        header(f"{pilot_name} · scope"),
        section("*Hard boundaries*\n" + "\n".join(lines)),
    ]
    text = [f"{pilot_name} scope."] + [
        f"{b.label}: {scope.get(b) or 'not defined'}." for b in Boundary
    ]
    if deferred:
        items = [f"{d.number}. {d.request} (<@{d.requested_by}>, {_day(d.on)})" for d in deferred]
        blocks.append(section("*Phase 2 bucket*\n" + "\n".join(items)))
        text.append("Phase 2 bucket: " + "; ".join(d.request for d in deferred) + ".")
    else:
        blocks.append(section("*Phase 2 bucket*\n_empty_"))
        text.append("Phase 2 bucket: empty.")
    how = (
        'The pilot has started: change scope with `/pilot change scope use_cases="..."'
        ' reason="..."` (the decision maker approves it).'
        if started
        else 'Define it before the start with `/pilot scope set use_cases="..." channels="..."`.'
    )
    blocks.append(context(how, 'Park an out-of-scope request: `/pilot scope defer "<request>"`.'))
    return Reply(text=" ".join(text), blocks=blocks)


def risks_reply(pilot_name: str, risks: Sequence[RiskLine]) -> Reply:
    blocks: list[dict[str, Any]] = [header(f"{pilot_name} · risk register")]
    if not risks:
        text = f"{pilot_name} risk register: no open risks."
        blocks.append(section("_No open risks._"))
    else:
        lines = [
            f"*{risk_ref(r.number)}* · {r.category.value.capitalize()} · {r.risk}\n"
            f"      Mitigation: {r.mitigation}"
            for r in risks
        ]
        # Sections hold 3,000 characters: a long register goes in several.
        for chunk in _chunks(lines):
            blocks.append(section("\n".join(chunk)))
        text = f"{pilot_name} risk register: " + " ".join(
            f"{risk_ref(r.number)} ({r.category.value}) {r.risk}; mitigation: {r.mitigation}."
            for r in risks
        )
    blocks.append(
        context(
            'Add one: `/pilot risks add technical "Vendor API rate limits" mitigation="..."`.'
            " Remove one: `/pilot risks remove R-2`."
        )
    )
    return Reply(text=text, blocks=blocks[:50])


def criteria_reply(pilot_name: str, criteria: Sequence[CriterionLine]) -> Reply:
    blocks: list[dict[str, Any]] = [header(f"{pilot_name} · success criteria")]
    if not criteria:
        text = f"{pilot_name} has no success criteria yet."
        blocks.append(
            section(
                "_No success criteria yet._ The framework wants them written down before the"
                " pilot starts."
            )
        )
    else:
        lines = [f"*{criterion_ref(c.number)}* {c.name}: {_target(c.target)}" for c in criteria]
        for chunk in _chunks(lines):
            blocks.append(section("\n".join(chunk)))
        text = f"{pilot_name} success criteria: " + " ".join(
            f"{criterion_ref(c.number)} {c.name}: {c.target or 'no target'}." for c in criteria
        )
    blocks.append(
        context(
            'Add one: `/pilot criteria add "Containment rate" target=">= 60%"`.'
            " Remove one: `/pilot criteria remove C-2`."
        )
    )
    return Reply(text=text, blocks=blocks[:50])


def target_note(target: str) -> str:
    """Said when a criterion is added: whether its target can be evaluated later."""
    parsed = parse_target(target)
    if parsed is None:
        return (
            " I can't evaluate this target automatically; a form like `>= 60%` or"
            " `under 2 s` lets the final review say met or not met."
        )
    return f" Measured as {parsed}."


def _target(target: str) -> str:
    parsed = parse_target(target)
    if parsed is None:
        return f"{target} _(not measurable as written)_"
    return target


def _chunks(lines: Sequence[str], limit: int = 2900) -> list[list[str]]:
    chunks: list[list[str]] = [[]]
    size = 0
    for line in lines:
        if chunks[-1] and size + len(line) + 1 > limit:
            chunks.append([])
            size = 0
        chunks[-1].append(line)
        size += len(line) + 1
    return chunks
