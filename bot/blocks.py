"""The one place that builds Block Kit: pure functions of domain values.

Every message carries plain ``text`` beside its blocks, for notifications and
screen readers, and stays inside Slack's limits (3,000 characters a section).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

SECTION_LIMIT = 3000


@dataclass(frozen=True)
class Reply:
    """What the user is told: fallback text plus optional Block Kit blocks."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def message(self) -> dict[str, Any]:
        body: dict[str, Any] = {"text": self.text}
        if self.blocks:
            body["blocks"] = self.blocks
        return body


def section(text: str) -> dict[str, Any]:
    if len(text) > SECTION_LIMIT:
        text = text[: SECTION_LIMIT - 1] + "…"
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150], "emoji": True}}


def context(*texts: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": t} for t in texts[:10]]}


def fields(pairs: Sequence[tuple[str, str]]) -> dict[str, Any]:
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"[:2000]} for k, v in pairs[:10]],
    }


def help_reply(lines: Sequence[str]) -> Reply:
    body = "\n".join(f"• {line}" for line in lines)
    return Reply(
        text="pilot-bot commands:\n" + "\n".join(lines),
        blocks=[section("*pilot-bot commands*"), section(body)],
    )


def usage_reply(problem: str, usage: str) -> Reply:
    text = f"{problem} Usage: `{usage}`".strip()
    return Reply(text=text, blocks=[section(text)])


def unknown_command_reply(word: str, lines: Sequence[str]) -> Reply:
    text = f"`{word}` is not a /pilot command. Try one of these:\n" + "\n".join(
        f"• {line}" for line in lines
    )
    return Reply(text=text, blocks=[section(text)])


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
