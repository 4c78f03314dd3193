"""Traffic ramp posts (framework, Traffic Ramping): the heads-up the workday before a
step, the announcement on its day with Applied / Hold, and the Hold modal."""

from __future__ import annotations

from typing import Any

from bot.blocks import ids
from bot.blocks.common import Reply, context, long_day, section
from bot.blocks.forms import actions, button, modal, text_input
from bot.blocks.review import local_when, short_day
from bot.blocks.text import literal
from bot.core.plan import Plan
from bot.core.ramps import Ramp
from bot.core.traffic import Confirmation, RampStep


def step_sentence(step: RampStep, plan: Plan, *, today: bool) -> str:
    """ "Week 3: traffic goes from 25% to 40% today (standard ramp)"."""
    when = "today" if today else f"on {short_day(step.on)}"
    return (
        f"Week {step.week}: traffic goes from {step.from_pct}% to {step.to_pct}% {when}"
        f" ({plan.ramp.label})"
    )


def ramp_change_message(
    plan: Plan, step: RampStep, *, pilot_id: int, confirmed: Confirmation | None = None
) -> Reply:
    """The announcement on the step's day: Applied records who confirmed it in production."""
    sentence = step_sentence(step, plan, today=True)
    blocks: list[dict[str, Any]] = [
        section(f":arrow_right: *{sentence}*"),
        context(f"*{literal(plan.name)}* · {literal(plan.customer)} · {long_day(step.on)}"),
    ]
    if confirmed is None:
        blocks.append(
            section(
                f"Once production runs at {step.to_pct}%, press *Applied*. To stay at"
                f" {step.from_pct}% for now, *Hold* opens a change request (the decision"
                " maker approves it)."
            )
        )
        blocks.append(
            actions(
                "ramp_actions",
                button(
                    "Applied",
                    ids.RAMP_APPLIED,
                    ids.button_value(pilot_id, step.week, step.to_pct),
                    style="primary",
                ),
                button("Hold", ids.RAMP_HOLD, ids.button_value(pilot_id, step.week)),
            )
        )
    else:
        blocks.append(context(applied_line(confirmed, plan)))
    text = (
        f"{sentence}. {literal(plan.name)}: press Applied once production runs at {step.to_pct}%."
    )
    if confirmed is not None:
        text = f"{sentence}. {applied_line(confirmed, plan)}"
    return Reply(text=text, blocks=blocks)


def applied_line(confirmed: Confirmation, plan: Plan) -> str:
    return (
        f":white_check_mark: Applied in production at {confirmed.pct}%: confirmed by"
        f" <@{confirmed.by}> at {local_when(confirmed.at, plan)}"
    )


def ramp_heads_up_message(plan: Plan, step: RampStep, *, pilot_id: int) -> Reply:
    """The workday before a step, with the same numbers."""
    sentence = step_sentence(step, plan, today=False)
    blocks: list[dict[str, Any]] = [
        section(f":calendar: *Heads-up: {sentence}*"),
        context(f"*{literal(plan.name)}* · {literal(plan.customer)}"),
        section(
            f"Get ready to move production to {step.to_pct}% on {short_day(step.on)}. Not"
            f" ready? *Hold* asks the decision maker to keep {step.from_pct}% for now."
        ),
        actions(
            "ramp_actions", button("Hold", ids.RAMP_HOLD, ids.button_value(pilot_id, step.week))
        ),
    ]
    return Reply(text=f"Heads-up: {sentence}. {literal(plan.name)}", blocks=blocks)


def hold_modal(
    *, pilot_id: int, channel_id: str, plan: Plan, step: RampStep, proposal: Ramp
) -> dict[str, Any]:
    """Hold: the change process's ramp request, pre-filled with the step put off a week."""
    return modal(
        ids.RAMP_HOLD_MODAL,
        "Hold the ramp",
        [
            section(
                f"*{literal(plan.name)}*: keep {step.from_pct}% instead of going to"
                f" {step.to_pct}% in"
                f" week {step.week}. This opens a change request: the decision maker approves"
                " or rejects it, and the change log keeps it."
            ),
            text_input(
                ids.RAMP_HOLD_RAMP,
                "Proposed ramp (weekly %)",
                initial=proposal.name,
                hint=(
                    f"Pre-filled with week {step.week} held at {step.from_pct}% and the later"
                    f" steps a week later. Now: {plan.ramp.name}."
                ),
                max_length=200,
            ),
            text_input(
                ids.RAMP_HOLD_REASON,
                "Why hold?",
                multiline=True,
                placeholder="e.g. latency above target at 25%",
                max_length=1000,
            ),
        ],
        submit="Request",
        metadata={"pilot": pilot_id, "channel": channel_id, "week": step.week},
    )


def ramp_reply(text: str) -> Reply:
    return Reply(text=text, blocks=[section(text)])
