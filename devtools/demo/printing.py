"""How the demo tells what happened: what people saw, a line each, in New York time."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from slack_emulator.render import render_call, render_message, resolve_mentions
from slack_emulator.server import SlackEmulator
from storage.db import unit_of_work
from storage.models import OutboxMessage
from storage.outbox import SKIPPED

NEW_YORK = ZoneInfo("America/New_York")
# Posts that come every workday: a fast-forward counts them rather than show each one.
_ROUTINE = ("checkin:", "reminder:")


def new_york_time(instant: datetime) -> str:
    return f"{instant.astimezone(NEW_YORK):%a %b %d %H:%M} New York"


def brief(text: str, width: int = 150) -> str:
    """A message's first line: the demo is a story, not a transcript."""
    lines = text.strip().splitlines() or [""]
    first = lines[0]
    if first.endswith(":") and len(lines) > 1:  # "Recorded:" says nothing on its own
        first += " " + lines[1].strip("• ")
    return first if len(first) <= width else first[: width - 1] + "…"


def show_calls(out: TextIO, emulator: SlackEmulator, mark: int, *, fold: bool = False) -> int:
    """Print what people saw since call ``mark``, a line each; with ``fold``, the daily
    check-in threads and reminders are only counted. Returns how many were folded."""
    names = emulator.names()
    folded = 0
    for index, call in enumerate(emulator.calls[mark:], mark):
        key = ((call.params.get("metadata") or {}).get("event_payload") or {}).get("key", "")
        if fold and call.ok and str(key).startswith(_ROUTINE):
            folded += 1
            continue
        if call.method == "views.publish":
            continue  # a Home tab kept up to date: the Home step shows what it holds
        line = render_call(call, names)
        if line:
            print_line(out, indented(brief(line)))
        pushed = _pushed_line(emulator, index, str(key))
        if pushed:
            print_line(out, indented(f"   {pushed}"))
    return folded


def _pushed_line(emulator: SlackEmulator, index: int, key: str) -> str:
    """The first weekly review that shows a pushed value: its line for that value."""
    if not key.startswith("weekly_review"):
        return ""
    found = [
        line.strip("• ")
        for line in render_message(emulator.calls[index].params).splitlines()
        if "from grafana" in line
    ]
    earlier = any(
        "from grafana" in str(c.params.get("blocks"))
        for c in emulator.calls[:index]
        if c.method == "chat.postMessage"
        and str(((c.params.get("metadata") or {}).get("event_payload") or {}).get("key", ""))
        .startswith("weekly_review")
    )
    return found[0].replace("*", "") if found and not earlier else ""


def print_not_sent(engine: Engine, emulator: SlackEmulator, out: TextIO) -> None:
    """What the scheduler owed but did not send, and why (recorded, never silent)."""
    names = emulator.names()
    with unit_of_work(engine) as session:
        rows = session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.status == SKIPPED)
            .order_by(col(OutboxMessage.due_at))
        ).all()
        lines = [
            f"{post_label(row.key)} of {new_york_time(row.due_at)}:"
            f" {_named(row.skipped_reason, names)}"
            for row in rows
        ]
    if lines:
        print_line(out, "\nNot sent, with the reason recorded:")
        for line in lines:
            print_line(out, indented(brief(line)))


def home_lines(view: dict[str, Any], names: dict[str, str]) -> str:
    """What the Home tab shows, a line a part."""
    texts = [
        resolve_mentions(b["text"]["text"], names).replace("*", "")
        for b in view.get("blocks", [])
        if b.get("type") == "section"
    ]
    titles = ("Open flags", "Decisions waiting on you", "This week")
    parts = []
    for text in texts:
        head, _, body = text.partition("\n")
        if head == "Your pilots":
            continue
        body = body.replace("\n", "; ").replace("• ", "")
        parts.append(f"{head}: {body}" if head.startswith(titles) else f"{head} · {body}")
    pilot, flags, decisions, *others = parts
    lines = [pilot, f"{flags} · {decisions}", *others]
    return "\n".join(f"[Home] {brief(line, 140)}" for line in lines)


def post_label(key: str) -> str:
    """A post's key as people would say it: "phase_review:setup" -> "phase review (setup)",
    "change:CH-1:ask:U0SAM" -> "change (CH-1 ask)" (a DM's person is in the narration)."""
    kind, *rest = key.split(":")
    parts = [p for p in rest if p and not re.fullmatch(r"U[0-9A-Z]{3,}|s[0-9]", p)]
    return kind.replace("_", " ") + (f" ({' '.join(parts)})" if parts else "")


def _named(text: str, names: dict[str, str]) -> str:
    """User ids in a recorded reason, as names."""
    return re.sub(r"\bU[0-9A-Z]{3,}\b", lambda m: "@" + names.get(m.group(0), m.group(0)), text)


def indented(text: str) -> str:
    return "\n".join("   " + line for line in text.splitlines())


def print_line(out: TextIO, text: str) -> None:
    print(text, file=out, flush=True)
