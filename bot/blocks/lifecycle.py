"""A pilot's life: the pause, resume and end notices, the refusal an ended pilot gives,
`/pilot list`, and the DM when a plan event could not be posted in its channel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.blocks.common import Reply, chunks, context, header, long_day, section
from bot.blocks.plan import due_clock
from bot.blocks.text import literal
from bot.core.cadence import Due, DueKind
from bot.core.calendar import PlanSnapshot
from bot.core.lifecycle import PilotState, ended_refusal
from bot.core.phases import PilotStatus
from bot.core.plan import Plan


def not_posted_reply(done: str, channel_id: str, error_code: str) -> Reply:
    """A DM to the user when a plan event could not be posted in its channel."""
    return say(
        f"{done}, but I could not post it in <#{channel_id}> ({error_code}). Invite me with"
        " `/invite @pilot-bot` so the team hears about the pilot there."
    )


def say(text: str) -> Reply:
    return Reply(text=text, blocks=[section(text)])


def _notice(text: str, footer: str) -> Reply:
    sentence = text if text.endswith((".", "!", "?")) else f"{text}."
    return Reply(text=f"{sentence} {footer}", blocks=[section(text), context(footer)])


def paused_notice(plan: Plan, *, user_id: str, reason: str) -> Reply:
    return _notice(
        f":double_vertical_bar: <@{user_id}> paused *{literal(plan.name)}*: {reason}",
        "No check-ins, reviews or ramp posts until `/pilot resume`, and the ones missed are"
        " not sent later. Open flags keep escalating.",
    )


def resumed_notice(plan: Plan, *, user_id: str, next_due: Due | None) -> Reply:
    upcoming = (
        f"Next: {_EVENT_NAMES.get(next_due.kind, next_due.kind.value)} on {due_clock(next_due)}"
        f" ({plan.tz})."
        if next_due is not None
        else "Nothing more is scheduled."
    )
    return _notice(
        f":arrow_forward: <@{user_id}> resumed *{literal(plan.name)}*.",
        f"The cadence picks up from today; what was missed while paused is not sent. {upcoming}",
    )


def ended_notice(plan: Plan, *, user_id: str, reason: str) -> Reply:
    return _notice(
        f":black_square_for_stop: <@{user_id}> ended *{literal(plan.name)}*: {reason}",
        "This is final: the pilot gets no more posts. The channel can hold a new pilot"
        " (`/pilot create`).",
    )


_EVENT_NAMES = {
    DueKind.CHECKIN: "daily check-in",
    DueKind.REMINDER: "check-in reminder",
    DueKind.WEEKLY_REVIEW: "weekly review",
    DueKind.RAMP_CHANGE: "ramp change",
    DueKind.RAMP_HEADS_UP: "ramp change heads-up",
    DueKind.PHASE_REVIEW: "end-of-phase review",
    DueKind.FINAL_EVALUATION: "final evaluation",
    DueKind.RECOMMENDATION_REMINDER: "recommendation reminder",
}


# ----- /pilot list --------------------------------------------------------------------------


@dataclass(frozen=True)
class ListedPilot:
    plan: Plan
    channel_id: str
    state: str  # a PilotState
    snap: PlanSnapshot


def _where(snap: PlanSnapshot) -> str:
    if snap.status is PilotStatus.NOT_STARTED:
        return f"starts in {snap.days_to_start} day{'s' if snap.days_to_start != 1 else ''}"
    if snap.status is PilotStatus.COMPLETE or snap.phase is None:
        return "complete"
    if snap.status is PilotStatus.EVALUATION:
        return f"{snap.phase.display_name}, week {snap.week}"
    return f"{snap.phase.display_name}, week {snap.week} of {snap.pilot_weeks}"


_STATE_MARKS: dict[str, str] = {  # by stored state (a PilotState equals its value)
    PilotState.ACTIVE: "",
    PilotState.PAUSED: " · :double_vertical_bar: paused",
    PilotState.ENDED: " · ended",
}


def list_reply(pilots: Sequence[ListedPilot]) -> Reply:
    if not pilots:
        text = "No pilots in this workspace yet. Start one in its channel with `/pilot create`."
        return Reply(text=text, blocks=[section(text)])
    live = [p for p in pilots if p.state != PilotState.ENDED]
    ended = [p for p in pilots if p.state == PilotState.ENDED]
    lines = [
        f"• *{literal(p.plan.name)}* · {literal(p.plan.customer)} · <#{p.channel_id}> ·"
        f" {_where(p.snap)} ·"
        f" hard end {long_day(p.plan.hard_end_date)}{_STATE_MARKS.get(p.state, '')}"
        for p in [*live, *ended]
    ]
    title = f"Pilots in this workspace ({len(live)} live, {len(ended)} ended)"
    texts = chunks(lines, joiner="\n\n")
    blocks: list[dict[str, Any]] = [header(title), *(section(c) for c in texts)]
    return Reply(text=title + "\n" + "\n".join(lines), blocks=blocks[:50])


def refusal_for_ended(plan_name: str, reason: str) -> str:
    return ended_refusal(literal(plan_name), reason)
