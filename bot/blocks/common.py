"""Building blocks shared by every message, and the help, error and status replies.

Every message carries plain ``text`` beside its blocks, for notifications and
screen readers, and stays inside Slack's limits (3,000 characters a section).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from bot.blocks.text import cut, defused, escape, fit, guarded, literal
from bot.core.calendar import PlanSnapshot
from bot.core.errors import DomainError
from bot.core.lifecycle import PilotState
from bot.core.phases import PilotStatus
from bot.core.plan import Plan

T = TypeVar("T")

# Slack's limits (Block Kit reference): a section's text, a field, a header, a context
# element; blocks in a message; the fallback text kept short (Slack cuts it at 40,000).
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
HEADER_LIMIT = 150
CONTEXT_LIMIT = 2000
MESSAGE_BLOCKS = 50
FALLBACK_LIMIT = 12000  # far below 40,000, and enough for the help


@dataclass(frozen=True)
class Reply:
    """What the user is told: fallback text plus optional Block Kit blocks."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def message(self) -> dict[str, Any]:
        """The message as Slack takes it: no broadcast or foreign link left live (the last
        look, whatever a builder did), the fallback short, at most 50 blocks."""
        body: dict[str, Any] = {"text": defused(fit(self.text, FALLBACK_LIMIT)) or " "}
        if self.blocks:
            body["blocks"] = guarded(self.blocks[:MESSAGE_BLOCKS])
        return body


@dataclass(frozen=True)
class Prepared(Reply):
    """A message that went through ``Reply.message()`` before (a stored status answer), plus
    only blocks the bot wrote itself: sent as it is."""

    body: dict[str, Any] = field(default_factory=dict)

    def message(self) -> dict[str, Any]:
        return self.body


PER_PAGE = 40  # items of a long list shown in one message


def paged(items: Sequence[T], page: int, command: str) -> tuple[Sequence[T], str | None]:
    """The items of ``page`` (from 1), and the note that says which these are and how to
    see more (None when one page holds them all). A page past the end is refused."""
    pages = max(1, -(-len(items) // PER_PAGE))
    if page > pages:
        raise DomainError(f"There {'is' if pages == 1 else 'are'} only {pages} page(s).")
    if pages == 1:
        return items, None
    first = (page - 1) * PER_PAGE
    shown = items[first : first + PER_PAGE]
    note = f"Showing {first + 1}–{first + len(shown)} of {len(items)}"
    if page < pages:
        note += f"; `{command} page={page + 1}` for more"
    return shown, note + "."


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": fit(text, SECTION_LIMIT) or " "}}


def header(text: str) -> dict[str, Any]:
    """A header: plain text, which Slack shows as it is, so escaped text reads unescaped."""
    plain = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    shown = cut(plain, HEADER_LIMIT) or " "
    return {"type": "header", "text": {"type": "plain_text", "text": shown, "emoji": True}}


def context(*texts: str) -> dict[str, Any]:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": fit(t, CONTEXT_LIMIT) or " "} for t in texts[:10]],
    }


def fields(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    return {
        "type": "section",
        "fields": [
            {"type": "mrkdwn", "text": fit(f"*{k}*\n{v}", FIELD_LIMIT)} for k, v in pairs[:10]
        ],
    }


def chunks(parts: Sequence[str], *, joiner: str = "\n", limit: int = 2900) -> list[str]:
    """``parts`` joined into as few texts as fit a section (3,000 characters) each."""
    found: list[str] = []
    for part in parts:
        if found and len(found[-1]) + len(joiner) + len(part) <= limit:
            found[-1] += joiner + part
        else:
            found.append(part[:limit])
    return found


def help_reply(lines: Sequence[str]) -> Reply:
    lines = [escape(line) for line in lines]
    bullets = [f"• {line}" for line in lines]
    return Reply(
        text="pilot-bot commands:\n" + "\n".join(lines),
        blocks=[section("*pilot-bot commands*"), *(section(c) for c in chunks(bullets))],
    )


def usage_reply(problem: str, usage: str) -> Reply:
    text = f"{escape(problem)} Usage: `{escape(usage)}`".strip()
    return Reply(text=text, blocks=[section(text)])


def unknown_command_reply(word: str, lines: Sequence[str]) -> Reply:
    intro = f"`{escape(word)}` is not a /pilot command. Try one of these:"
    bullets = [f"• {escape(line)}" for line in lines]
    return Reply(
        text="\n".join([intro, *bullets]),
        blocks=[section(intro), *(section(c) for c in chunks(bullets))],
    )


def apology(correlation: str | None = None) -> Reply:
    suffix = f" (reference {correlation})" if correlation else ""
    text = f":warning: Sorry, something went wrong on our side and nothing was changed{suffix}."
    return Reply(text=text, blocks=[section(text)])


def no_pilot_reply() -> Reply:
    text = (
        "There is no pilot in this channel yet. Create one here with `/pilot create` "
        "(or see `/pilot help`)."
    )
    return Reply(text=text, blocks=[section(text)])


def long_day(d: date) -> str:
    return f"{d:%a} {d:%b} {d.day}, {d.year}"


def where_in_pilot(snap: PlanSnapshot) -> str:
    if snap.status is PilotStatus.NOT_STARTED:
        days = snap.days_to_start or 0
        return f"Not started: starts in {days} day{'s' if days != 1 else ''}"
    if snap.status is PilotStatus.COMPLETE:
        return "Complete: the evaluation is over"
    assert snap.phase is not None
    week = f"week {snap.week}" if snap.week is not None else ""
    if snap.status is PilotStatus.EVALUATION:
        return f"{snap.phase.display_name}, {week} (after the hard end date)"
    return f"{snap.phase.display_name}, {week} of {snap.pilot_weeks}, day {snap.day}"


def _next_ramp(snap: PlanSnapshot) -> str:
    change = snap.next_ramp_change
    if change is None:
        return "None: traffic holds at this level"
    return f"{change.from_pct}% → {change.to_pct}% on {long_day(change.on)} (week {change.week})"


def _days_left(plan: Plan, snap: PlanSnapshot) -> str:
    end = long_day(plan.hard_end_date)
    if snap.days_left is None:
        return f"Passed ({end})"
    if snap.days_left == 0:
        return f"Today is the last day ({end})"
    return f"{snap.days_left} day{'s' if snap.days_left != 1 else ''} (hard end {end})"


def status_body(
    plan: Plan,
    snap: PlanSnapshot,
    *,
    state: str = PilotState.ACTIVE,
    extra: Sequence[tuple[str, str]] = (),
) -> Reply:
    """`/pilot status` but its "As of" line: where the pilot stands on ``snap``'s day;
    ``extra`` adds titled sections (the record: confirmed traffic, latest metrics)."""
    where = where_in_pilot(snap)
    title = f"{literal(plan.name)} · {literal(plan.customer)}"
    state_note: dict[str, str] = {  # by stored state (a PilotState equals its value)
        PilotState.PAUSED: ":double_vertical_bar: Paused",
        PilotState.ENDED: ":black_square: Ended",
    }
    pairs = [
        ("Type", f"{plan.pilot_type.guide.title} ({plan.weeks} weeks, {plan.ramp.label})"),
        ("Phase", where),
        ("Traffic today (planned)", f"{snap.traffic_pct}%"),
        ("Next ramp change", _next_ramp(snap)),
        ("Days left", _days_left(plan, snap)),
    ]
    if state in state_note:
        pairs.insert(0, ("State", state_note[state]))
    blocks: list[dict[str, Any]] = [header(title), fields(pairs)]
    blocks += [section(f"*{name}*\n{body}") for name, body in extra]
    notes = [f":warning: {w}" for w in snap.warnings]
    if notes:
        blocks.append(context(*notes))
    text = f"{title}: " + "; ".join(f"{k}: {v}" for k, v in [*pairs, *extra])
    if notes:
        text += " " + " ".join(notes)
    return Reply(text=text, blocks=blocks)


def as_of(now: datetime, tz: str) -> dict[str, Any]:
    """The status's last line, added when it is read (a stored answer holds the rest)."""
    local = now.astimezone(ZoneInfo(tz))
    return context(f"As of {local:%a %b %d, %H:%M %Z} ({tz})")
