"""The daily check-in thread: the day's heading, the previous workday in one line, buttons."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.blocks import ids
from bot.blocks.common import Reply, context, header, section
from bot.blocks.forms import button, modal, option, radio_input, text_input
from bot.blocks.text import literal, user_text
from bot.core.calendar import PlanSnapshot
from bot.core.checkins import DaySummary
from bot.core.plan import Plan


def checkin_title(snap: PlanSnapshot) -> str:
    """ "Daily check-in · Day 8 · Soft Launch · 25% traffic" for the snapshot's day."""
    parts = ["Daily check-in"]
    if snap.day is not None:
        parts.append(f"Day {snap.day}")
    if snap.phase is not None:
        parts.append(snap.phase.display_name)
    parts.append(f"{snap.traffic_pct}% traffic")
    return " · ".join(parts)


def previous_day_line(previous: DaySummary | None) -> str:
    """The previous workday in one line: who checked in, flags raised and resolved."""
    if previous is None:
        return "First check-in of the pilot."
    people = (
        "checked in: " + ", ".join(f"<@{u}>" for u in previous.checked_in)
        if previous.checked_in
        else "no check-ins recorded"
    )
    flags = []
    if previous.flags_raised:
        flags.append("flags raised: " + ", ".join(previous.flags_raised))
    if previous.flags_resolved:
        flags.append("resolved: " + ", ".join(previous.flags_resolved))
    return f"Previous workday ({_short_day(previous.day)}): {people} · " + (
        " · ".join(flags) if flags else "no flags"
    )


def checkin_message(
    plan: Plan, snap: PlanSnapshot, *, pilot_id: int, previous: DaySummary | None
) -> Reply:
    """The thread the bot opens on each check-in day; replies to it are the check-ins."""
    title = checkin_title(snap)
    day = snap.local_date
    value = ids.button_value(pilot_id, day.isoformat())
    intro = (
        f"*{literal(plan.name)}* · {literal(plan.customer)} · {_short_day(day)}, {day.year}\n"
        "Reply in this thread with how today is going, or use *Post status*. "
        "Something wrong? *Flag an issue* logs it in the issue log."
    )
    recap = previous_day_line(previous)
    blocks: list[dict[str, Any]] = [
        header(title),
        section(intro),
        context(recap),
        {
            "type": "actions",
            "block_id": "checkin_actions",
            "elements": [
                button("Post status", ids.CHECKIN_POST_STATUS, value, style="primary"),
                button("Flag an issue", ids.CHECKIN_FLAG_ISSUE, value),
            ],
        },
    ]
    text = f"{title} · {literal(plan.name)}: reply in this thread with your status. {recap}"
    return Reply(text=text, blocks=blocks)


# Post status: the three colours, as the modal offers them and the thread shows them.
STATUSES = {
    "green": (":large_green_circle:", "Green", "On track"),
    "yellow": (":large_yellow_circle:", "Yellow", "At risk: needs attention"),
    "red": (":red_circle:", "Red", "Blocked: needs help now"),
}
NOTE_NEEDED = "Say in a few words what is at risk or blocking."


def status_modal(*, pilot_id: int, day: date, channel_id: str, thread_ts: str) -> dict[str, Any]:
    """Post status: green / yellow / red and a note, for the day's check-in."""
    return modal(
        ids.CHECKIN_STATUS_MODAL,
        "Post status",
        [
            context(f"Your check-in for {_short_day(day)}, {day.year}"),
            radio_input(
                ids.CHECKIN_STATUS,
                "How is it going?",
                [
                    option(value, f"{icon} {label}", hint)
                    for value, (icon, label, hint) in STATUSES.items()
                ],
            ),
            text_input(
                ids.CHECKIN_NOTE,
                "Note",
                multiline=True,
                optional=True,
                placeholder="What you did, what is next, anything in the way",
                hint="Needed for yellow and red.",
                max_length=2000,
            ),
        ],
        submit="Post",
        metadata={
            "pilot": ids.button_value(pilot_id, day.isoformat()),
            "channel": channel_id,
            "thread": thread_ts,
        },
    )


def status_posted(*, user_id: str, status: str, note: str) -> Reply:
    """The thread reply the bot posts for someone's Post status."""
    icon, label, _ = STATUSES[status]
    text = f"<@{user_id}> checked in: {icon} *{label}*"
    if note:
        text += f"\n{user_text(note)}"
    return Reply(text=text, blocks=[section(text)])


def reminder_message(*, pilot_id: int, day: date, user_ids: Sequence[str]) -> Reply:
    """The reminder in the check-in thread: the people still to check in, mentioned once."""
    people = ", ".join(f"<@{u}>" for u in user_ids)
    text = (
        f"Reminder: {people}, no check-in from you yet for {_short_day(day)}. "
        "Reply in this thread, or use *Post status*."
    )
    value = ids.button_value(pilot_id, day.isoformat())
    return Reply(
        text=text,
        blocks=[
            section(text),
            {
                "type": "actions",
                "block_id": "checkin_reminder_actions",
                "elements": [button("Post status", ids.CHECKIN_POST_STATUS, value)],
            },
        ],
    )


def _short_day(d: date) -> str:
    return f"{d:%a %b} {d.day}"
