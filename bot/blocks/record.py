"""The pilot's written record: scope and the Phase 2 bucket, the risk register, the
success criteria, and the one-line confirmations of changing them.

Everything people typed goes through `user_text`, so "latency < 2s" or ">= 60%"
shows as typed and a quoted "@channel" pings nobody.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.blocks.common import Reply, context, header, paged, section
from bot.blocks.text import escape, literal
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


def risk_ref(number: int) -> str:
    return ref(RISK, number)


def criterion_ref(number: int) -> str:
    return ref(CRITERION, number)


def _line(text: str) -> Reply:
    """A one-line answer; ``text`` is mrkdwn already (user words escaped by the caller)."""
    return Reply(text=text, blocks=[section(text)])


def _day(d: date) -> str:
    return f"{d:%b} {d.day}, {d.year}"


# ----- scope -------------------------------------------------------------------------------


def scope_reply(
    pilot_name: str,
    scope: Mapping[Boundary, str],
    all_deferred: Sequence[Deferred],
    *,
    started: bool,
    page: int = 1,
    signoff: str = "",
) -> Reply:
    """``signoff``: the scope document's sign-off, as a line (bot.blocks.docs)."""
    deferred, note = paged(all_deferred, page, "/pilot scope")
    name = literal(pilot_name)
    shown = {b: literal(scope[b]) for b in Boundary if scope.get(b)}
    lines = [f"• *{b.label}:* {shown.get(b, '_not defined_')}" for b in Boundary]
    blocks: list[dict[str, Any]] = [
        header(f"{pilot_name} · scope"),
        section("*Hard boundaries*\n" + "\n".join(lines)),
    ]
    text = [f"{name} scope."] + [f"{b.label}: {shown.get(b, 'not defined')}." for b in Boundary]
    if signoff:
        blocks.append(section(signoff))
        text.append(signoff)
    if deferred:
        items = [
            f"{d.number}. {literal(d.request)} (<@{d.requested_by}>, {_day(d.on)})"
            for d in deferred
        ]
        for index, chunk in enumerate(_chunks(items)):
            title = "*Phase 2 bucket*\n" if index == 0 else ""
            blocks.append(section(title + "\n".join(chunk)))
        text.append("Phase 2 bucket: " + "; ".join(literal(d.request) for d in deferred) + ".")
        if note:
            blocks.append(context(note))
            text.append(note)
    else:
        blocks.append(section("*Phase 2 bucket*\n_empty_"))
        text.append("Phase 2 bucket: empty.")
    how = (
        'The pilot has started: change scope with `/pilot change scope use_cases="..."'
        ' reason="..."` (the decision maker approves it).'
        if started
        else 'Define it before the start with `/pilot scope set use_cases="..." channels="..."`.'
    )
    park = escape('Park an out-of-scope request: `/pilot scope defer "<request>"`.')
    blocks.append(context(how, park))
    return Reply(text=" ".join(text), blocks=blocks)


def scope_updated(values: Mapping[Boundary, str]) -> Reply:
    said = "; ".join(
        f"{b.label}: {literal(values[b]) or 'cleared'}" for b in Boundary if b in values
    )
    return _line(f"Scope updated. {said}. `/pilot scope` shows all of it.")


def scope_after_start(start: date) -> Reply:
    return _line(
        f"The pilot started on {start.isoformat()}, so scope changes go through the change"
        ' process now: use `/pilot change scope use_cases="..." reason="..."` and the'
        " decision maker approves it."
    )


def deferred_added(number: int, request: str) -> Reply:
    return _line(
        f"Parked in the Phase 2 bucket as item {number}: {literal(request)}. It stays out of"
        " this pilot's scope; `/pilot scope` lists the bucket."
    )


# ----- risks -------------------------------------------------------------------------------


def risks_reply(pilot_name: str, all_risks: Sequence[RiskLine], *, page: int = 1) -> Reply:
    name = literal(pilot_name)
    risks, note = paged(all_risks, page, "/pilot risks")
    blocks: list[dict[str, Any]] = [header(f"{pilot_name} · risk register")]
    if not risks:
        text = f"{name} risk register: no open risks."
        blocks.append(section("_No open risks._"))
    else:
        lines = [
            f"*{risk_ref(r.number)}* · {r.category.value.capitalize()} · {literal(r.risk)}\n"
            f"      Mitigation: {literal(r.mitigation)}"
            for r in risks
        ]
        # Sections hold 3,000 characters: a long register goes in several.
        for chunk in _chunks(lines):
            blocks.append(section("\n".join(chunk)))
        text = f"{name} risk register: " + " ".join(
            f"{risk_ref(r.number)} ({r.category.value}) {literal(r.risk)};"
            f" mitigation: {literal(r.mitigation)}."
            for r in risks
        )
    if note:
        blocks.append(context(note))
        text += f" {note}"
    blocks.append(
        context(
            'Add one: `/pilot risks add technical "Vendor API rate limits" mitigation="..."`.'
            " Remove one: `/pilot risks remove R-2`."
        )
    )
    return Reply(text=text, blocks=blocks)


def risk_added(number: int, category: RiskCategory, risk: str, mitigation: str) -> Reply:
    return _line(
        f"Added {risk_ref(number)} ({category.value}): {literal(risk)}."
        f" Mitigation: {literal(mitigation)}."
    )


def risk_removed(number: int, risk: str) -> Reply:
    return _line(f"Removed {risk_ref(number)}: {literal(risk)}. Its id is not reused.")


def risk_not_open(number: int, *, removed: bool, open_numbers: Sequence[int]) -> Reply:
    gone = "was already removed" if removed else "is not on the register"
    listed = (
        f"Open risks: {', '.join(risk_ref(n) for n in open_numbers)}."
        if open_numbers
        else "No risks are open."
    )
    return _line(f"{risk_ref(number)} {gone}. {listed}")


# ----- success criteria --------------------------------------------------------------------


def criteria_reply(
    pilot_name: str, all_criteria: Sequence[CriterionLine], *, page: int = 1
) -> Reply:
    name = literal(pilot_name)
    criteria, note = paged(all_criteria, page, "/pilot criteria")
    blocks: list[dict[str, Any]] = [header(f"{pilot_name} · success criteria")]
    if not criteria:
        text = f"{name} has no success criteria yet."
        blocks.append(
            section(
                "_No success criteria yet._ The framework wants them written down before the"
                " pilot starts."
            )
        )
    else:
        lines = [
            f"*{criterion_ref(c.number)}* {literal(c.name)}: {_target(c.target)}" for c in criteria
        ]
        for chunk in _chunks(lines):
            blocks.append(section("\n".join(chunk)))
        text = f"{name} success criteria: " + " ".join(
            f"{criterion_ref(c.number)} {literal(c.name)}: {literal(c.target)}."
            for c in criteria
        )
    if note:
        blocks.append(context(note))
        text += f" {note}"
    blocks.append(
        context(
            escape('Add one: `/pilot criteria add "Containment rate" target=">= 60%"`.')
            + " Remove one: `/pilot criteria remove C-2`."
        )
    )
    return Reply(text=text, blocks=blocks)


def criterion_added(number: int, name: str, target: str) -> Reply:
    parsed = parse_target(target)
    note = (
        f" Measured as {escape(str(parsed))}."
        if parsed is not None
        else escape(
            " I can't evaluate this target automatically; a form like `>= 60%` or"
            " `under 2 s` lets the final review say met or not met."
        )
    )
    return _line(f"Added {criterion_ref(number)}: {literal(name)}, target {literal(target)}.{note}")


def criterion_removed(number: int, name: str) -> Reply:
    return _line(f"Removed {criterion_ref(number)}: {literal(name)}. Its id is not reused.")


def criterion_not_current(number: int, *, removed: bool, current: Sequence[int]) -> Reply:
    gone = "was already removed" if removed else "does not exist"
    listed = (
        f"Current criteria: {', '.join(criterion_ref(n) for n in current)}."
        if current
        else "There are no criteria."
    )
    return _line(f"{criterion_ref(number)} {gone}. {listed}")


def _target(target: str) -> str:
    if parse_target(target) is None:
        return f"{literal(target)} _(not measurable as written)_"
    return literal(target)


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
