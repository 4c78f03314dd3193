"""The App Home tab: a place to work from. For the person opening it: the pilots they are
on, the open flags they can act on, the decisions waiting on them (with the same buttons
as in the channel and the DMs) and what comes next this week; for someone on no pilot,
how to start one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.blocks import ids
from bot.blocks.common import context, header, section
from bot.blocks.flags import headline
from bot.blocks.forms import actions, button
from bot.blocks.review import local_when, short_day
from bot.blocks.text import guarded, literal, user_text
from bot.core.calendar import PlanSnapshot
from bot.core.feed import PlanEvent
from bot.core.flags import FlagRecord
from bot.core.lifecycle import PilotState
from bot.core.phases import PilotStatus
from bot.core.plan import Plan

VIEW_BLOCKS = 100  # Slack's limit for a Home tab
SHOWN = 10  # flags, and decisions, shown at most (the rest: a line saying how many)


@dataclass(frozen=True)
class PilotLine:
    pilot_id: int
    channel_id: str
    plan: Plan
    snap: PlanSnapshot
    state: str  # a PilotState: active or paused
    roles: tuple[str, ...]  # "implementation lead", "owner", ...


@dataclass(frozen=True)
class FlagItem:
    pilot_id: int
    plan: Plan
    channel_id: str
    flag: FlagRecord


@dataclass(frozen=True)
class Decision:
    """Something only this person decides: a change request (``change`` id), a phase's
    Go / No-go (``phase``), or the final recommendation."""

    kind: str  # change, phase, recommendation
    plan: Plan
    channel_id: str
    text: str  # mrkdwn, people's words escaped already
    value: str  # the buttons' value, as the channel's and the DM's buttons carry it


@dataclass(frozen=True)
class Upcoming:
    plan: Plan
    event: PlanEvent


@dataclass(frozen=True)
class HomeData:
    now: datetime
    pilots: tuple[PilotLine, ...] = ()
    flags: tuple[FlagItem, ...] = ()
    decisions: tuple[Decision, ...] = ()
    upcoming: tuple[Upcoming, ...] = ()


def home_view(data: HomeData) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [header("Pilot Bot")]
    if not data.pilots:
        blocks += _how_to_start()
    else:
        blocks += _pilots(data)
        blocks += _flags(data)
        blocks += _decisions(data)
        blocks += _upcoming(data)
        blocks.append({"type": "divider"})
        blocks.append(
            context(
                "Every button here is also on the posts in the pilot's channel and in your DMs."
                " `/pilot help` lists every command; `/pilot create` in a channel starts"
                " another pilot."
            )
        )
    return {"type": "home", "blocks": guarded(blocks[:VIEW_BLOCKS])}


def _how_to_start() -> list[dict[str, Any]]:
    return [
        section(
            "I run the communication cadence of customer pilots by the pilot framework:"
            " daily check-in threads, weekly metrics reviews, traffic ramp steps, phase"
            " reviews and escalations of unresolved issues."
        ),
        section(
            "*You are on no pilot yet.* To start one:\n"
            "1. Create a channel for the pilot and invite me: `/invite @pilot-bot`.\n"
            "2. Type `/pilot create` there: a form asks for the name, customer, type and"
            " start date.\n"
            "3. Staff the team with `/pilot team add @user role`; your pilots, their flags"
            " and the decisions waiting on you then show here."
        ),
        context("Someone else's pilot? Ask its owner to add you to the team. `/pilot list`"
                " shows the workspace's pilots."),
    ]


def _pilots(data: HomeData) -> list[dict[str, Any]]:
    blocks = [section("*Your pilots*")]
    for line in data.pilots[:SHOWN]:
        blocks.append(section(pilot_line(line)))
    if len(data.pilots) > SHOWN:
        blocks.append(context(f"…and {len(data.pilots) - SHOWN} more."))
    return blocks


def pilot_line(line: PilotLine) -> str:
    plan, snap = line.plan, line.snap
    head = (
        f"*{literal(plan.name)}* ({literal(plan.customer)}) in <#{line.channel_id}>"
        f" · you: {', '.join(line.roles) or 'on the team'}"
    )
    if snap.status is PilotStatus.NOT_STARTED:
        where = f"Starts {short_day(plan.start)} ({snap.days_to_start} days)"
    elif snap.phase is not None:
        where = f"{snap.phase.display_name} · week {snap.week} of {plan.weeks}"
    else:
        where = "Complete"
    parts = [where, f"{snap.traffic_pct}% traffic"]
    if snap.days_left is not None:
        parts.append(f"{snap.days_left} days left (hard end {short_day(plan.hard_end_date)})")
    if line.state == PilotState.PAUSED:
        parts.insert(0, "*Paused*")
    return f"{head}\n{' · '.join(parts)}"


def _flags(data: HomeData) -> list[dict[str, Any]]:
    if not data.flags:
        return [section("*Open flags*\nNone on your pilots.")]
    blocks = [section("*Open flags you can act on*")]
    for item in data.flags[:SHOWN]:
        flag = item.flag
        raised = local_when(flag.raised_at, item.plan)
        text = (
            f"{headline(flag)} · {literal(item.plan.name)} in <#{item.channel_id}>\n"
            f"{user_text(flag.description, 300)}\n_Raised by <@{flag.raised_by}> {raised}_"
        )
        if flag.acknowledged_by:
            text += f" · _acknowledged by <@{flag.acknowledged_by}>_"
        blocks.append(section(text))
        value = ids.button_value(item.pilot_id, flag.number)
        buttons = [button("Resolve", ids.FLAG_RESOLVE, value)]
        if not flag.acknowledged_by:
            buttons.insert(0, button("Acknowledge", ids.FLAG_ACKNOWLEDGE, value, style="primary"))
        blocks.append(actions(f"home_flag:{value}", *buttons))
    if len(data.flags) > SHOWN:
        blocks.append(context(f"…and {len(data.flags) - SHOWN} more: `/pilot flags` in each"
                              " pilot's channel lists them."))
    return blocks


_BUTTONS = {
    "change": (
        ("Approve", ids.CHANGE_APPROVE, "primary"),
        ("Reject", ids.CHANGE_REJECT, "danger"),
    ),
    "phase": (("Go", ids.PHASE_GO, "primary"), ("No-go", ids.PHASE_NO_GO, "danger")),
    "recommendation": (("Record recommendation", ids.RECOMMENDATION_RECORD, "primary"),),
}


def _decisions(data: HomeData) -> list[dict[str, Any]]:
    if not data.decisions:
        return [section("*Decisions waiting on you*\nNone.")]
    blocks = [section("*Decisions waiting on you*")]
    for index, decision in enumerate(data.decisions[:SHOWN]):
        blocks.append(section(f"{decision.text}\n_{literal(decision.plan.name)} in"
                              f" <#{decision.channel_id}>_"))
        blocks.append(
            actions(
                f"home_decision:{index}:{decision.kind}:{decision.value}",
                *(button(label, action_id, decision.value, style=style)
                  for label, action_id, style in _BUTTONS[decision.kind]),
            )
        )
    if len(data.decisions) > SHOWN:
        blocks.append(context(f"…and {len(data.decisions) - SHOWN} more, in your DMs and the"
                              " pilots' channels."))
    return blocks


def _upcoming(data: HomeData) -> list[dict[str, Any]]:
    if not data.upcoming:
        return [section("*This week*\nNothing scheduled in the next 7 days.")]
    lines = []
    for item in data.upcoming:
        event, plan = item.event, item.plan
        when = local_when(event.start, plan) if event.start is not None else short_day(event.day)
        lines.append(f"• {when} · *{literal(plan.name)}*: {literal(event.title)}")
    return [section("*This week*\n" + "\n".join(lines))]
