"""The pilot's living document: the channel canvas `/pilot canvas` makes and delivery keeps
current (the whole document is replaced on each edit). The plan and calendar, the team,
the scope and its sign-off, the success criteria with their latest values, the risks,
the open flags and the decisions, as of one instant.

Canvas markdown: people's words go through ``md_text`` (nothing they typed becomes
markup, a link or a mention); people are Slack's canvas mentions (``![](@U123)``).
"""

from __future__ import annotations

import re
from datetime import datetime

from bot.core.boundaries import Boundary
from bot.core.calendar import snapshot, weeks
from bot.core.criteria import progress_of_all
from bot.core.lifecycle import PilotState
from bot.core.phases import Phase, PilotStatus
from bot.documents.formats import local_time, md_table, md_text
from bot.documents.logs import signoff_md
from bot.documents.record import PilotRecord

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")
MAX_MARKDOWN = 1_000_000  # Slack takes up to 1 MiB of canvas markdown


def mention(user_id: str) -> str:
    """A person in a canvas; anything that is not a user id stays literal text."""
    return f"![](@{user_id})" if _USER_ID.match(user_id) else md_text(user_id)


def canvas_title(pilot_name: str) -> str:
    return f"{pilot_name} · pilot"[:150]


def _day(value: datetime, record: PilotRecord) -> str:
    local = value.astimezone(record.plan.zone)
    return f"{local:%a %b} {local.day}"


def _now_line(record: PilotRecord) -> str:
    snap = snapshot(record.plan, record.as_of)
    if record.state != PilotState.ACTIVE:
        return f"**State:** {record.state}"
    if snap.status is PilotStatus.NOT_STARTED:
        return f"**Now:** starts in {snap.days_to_start} days"
    if snap.status is PilotStatus.COMPLETE:
        return "**Now:** complete"
    phase = snap.phase.display_name if snap.phase is not None else ""
    return (
        f"**Now:** {phase}, week {snap.week} of {record.plan.weeks}, planned traffic"
        f" {snap.traffic_pct}%"
    )


def _calendar(record: PilotRecord) -> list[str]:
    plan = record.plan
    rows = [
        [
            str(w.number),
            f"{w.start:%a %b} {w.start.day} to {w.end:%a %b} {w.end.day}",
            w.phase.display_name,
            f"{w.traffic_pct}%" if w.phase is not Phase.EVALUATION else "",
            local_time(w.review_at, plan.zone) if w.review_at else "",
        ]
        for w in weeks(plan)
    ]
    return md_table(("Week", "Dates", "Phase", "Traffic", "Weekly review"), rows)


def _team(record: PilotRecord) -> list[str]:
    if not record.team:
        return ["Nobody yet: `/pilot team add @user role`."]
    return [f"- {md_text(role)}: {mention(user)}" for user, role in record.team]


def _scope(record: PilotRecord) -> list[str]:
    lines = [
        f"- **{b.label}:** {md_text(record.scope[b]) if record.scope.get(b) else 'not defined'}"
        for b in Boundary
    ]
    lines += ["", f"**Sign-off:** {signoff_md(record, mention)}"]
    if record.deferred:
        lines += ["", "Phase 2 bucket:"]
        lines += [f"- P2-{d.number}: {md_text(d.request)}" for d in record.deferred]
    return lines


def _criteria(record: PilotRecord) -> list[str]:
    progress = progress_of_all(record.criteria, record.readings, record.as_of)
    if not progress:
        return ["None defined yet: `/pilot criteria add`."]
    rows = [
        [
            f"C-{p.criterion.number} {p.criterion.name}",
            p.criterion.target_text,
            f"{p.latest.typed} ({_day(p.latest.at, record)})" if p.latest else "",
            p.standing.value,
        ]
        for p in progress
    ]
    return md_table(("Criterion", "Target", "Latest", "Standing"), rows)


def _risks(record: PilotRecord) -> list[str]:
    live = [r for r in record.risks if r.removed_at is None]
    if not live:
        return ["The register is empty."]
    rows = [[f"R-{r.number}", r.category, r.risk, r.mitigation] for r in live]
    return md_table(("Id", "Category", "Risk", "Mitigation"), rows)


def _flags(record: PilotRecord) -> list[str]:
    still_open = [f for f in record.flags if f.is_open]
    if not still_open:
        return ["None."]
    lines = []
    for flag in still_open:
        line = (
            f"- {flag.ref} · {flag.severity.value} · {flag.category.value}: "
            f"{md_text(flag.description)} (raised by {mention(flag.raised_by)},"
            f" {_day(flag.raised_at, record)}"
        )
        if flag.acknowledged_by:
            line += f"; {mention(flag.acknowledged_by)} is on it"
        lines.append(line + ")")
    return lines


def _decisions(record: PilotRecord) -> list[str]:
    found: list[tuple[datetime, str]] = []
    order = list(Phase)
    for subject, decided in record.phase_decisions.items():
        phase = Phase(subject)
        nxt = order[order.index(phase) + 1].display_name
        found.append(
            (
                decided.at,
                f"{decided.outcome.label} for {nxt} (end of {phase.display_name}), by"
                f" {mention(decided.by)} ({md_text(decided.role_name)})",
            )
        )
    for change in record.change_requests:
        if change.decided_at is not None:
            found.append(
                (
                    change.decided_at,
                    f"CH-{change.number} {change.status}: {md_text(change.summary)}, by"
                    f" {mention(change.decided_by)}",
                )
            )
    if record.recommendation is not None:
        decided = record.recommendation
        found.append(
            (decided.at, f"Recommendation: {decided.outcome.label}, by {mention(decided.by)}")
        )
    state = record.scope_state
    if state is not None and state.signed is not None:
        found.append(
            (state.signed.at, f"Scope document version {state.signed.version} signed off,"
             f" by {mention(state.signed.by)}")
        )
    pending = [c for c in record.change_requests if c.status == "pending"]
    lines = [f"- {local_time(at, record.plan.zone)}: {text}" for at, text in sorted(found)]
    lines += [f"- CH-{c.number} waiting for a decision: {md_text(c.summary)}" for c in pending]
    return lines or ["None yet."]


def canvas_md(record: PilotRecord) -> str:
    """The whole canvas, as markdown."""
    plan = record.plan
    lines = [
        f"# {md_text(plan.name)} · {md_text(plan.customer)}",
        "",
        f"{plan.pilot_type.guide.title} · {plan.weeks} weeks · {md_text(plan.ramp.label)} ·"
        f" {plan.start:%a %Y-%m-%d} to {plan.hard_end_date:%a %Y-%m-%d} (hard end date)",
        "",
        _now_line(record),
        "",
        "## Plan and calendar",
        "",
        *_calendar(record),
        "",
        "## Team",
        "",
        *_team(record),
        "",
        "## Scope",
        "",
        *_scope(record),
        "",
        "## Success criteria",
        "",
        *_criteria(record),
        "",
        "## Risks",
        "",
        *_risks(record),
        "",
        "## Open flags",
        "",
        *_flags(record),
        "",
        "## Decisions",
        "",
        *_decisions(record),
        "",
        "---",
        f"Kept current by pilot-bot from the pilot's record; last written"
        f" {local_time(record.as_of, plan.zone)}. Change the pilot with `/pilot`, not here:"
        " the next change rewrites this canvas.",
    ]
    return "\n".join(lines)[:MAX_MARKDOWN]
