"""The App Home tab: what the bot is, and the workspace's pilots."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.blocks.common import context, header, section
from bot.blocks.text import guarded, literal
from bot.core.calendar import PlanSnapshot
from bot.core.phases import PilotStatus
from bot.core.plan import Plan


@dataclass(frozen=True)
class PilotSummary:
    channel_id: str
    plan: Plan
    snap: PlanSnapshot
    state: str


def pilot_line(summary: PilotSummary) -> str:
    """One line per pilot: name, customer, channel, where it stands, end date."""
    plan, snap = summary.plan, summary.snap
    if summary.state in ("paused", "ended"):
        where = summary.state.capitalize()
    elif snap.status is PilotStatus.NOT_STARTED:
        where = f"starts {plan.start:%b} {plan.start.day}"
    elif snap.phase is not None:
        where = f"{snap.phase.display_name}, week {snap.week}"
    else:
        where = "Complete"
    end = plan.hard_end_date
    return (
        f"*{literal(plan.name)}* ({literal(plan.customer)}) in <#{summary.channel_id}>: {where} · "
        f"hard end {end:%b} {end.day}, {end.year}"
    )


def home_view(pilots: Sequence[PilotSummary]) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        header("Pilot Bot"),
        section(
            "I run the communication cadence of your customer pilots by the pilot framework: "
            "daily check-in threads, weekly metrics reviews, traffic ramp changes, "
            "phase reviews and escalations of unresolved issues."
        ),
        section(
            "*Start a pilot:* type `/pilot create` in the pilot's channel. `/pilot help` "
            "lists every command."
        ),
        {"type": "divider"},
        section("*Pilots in this workspace*"),
    ]
    if pilots:
        blocks.extend(section(pilot_line(p)) for p in pilots[:90])
        if len(pilots) > 90:
            blocks.append(context(f"…and {len(pilots) - 90} more: `/pilot list` shows all."))
    else:
        blocks.append(context("No pilots yet."))
    return {"type": "home", "blocks": guarded(blocks)}
