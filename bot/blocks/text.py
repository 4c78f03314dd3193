"""People's words inside our mrkdwn: shown as typed, never as markup they did not mean.

Slash-command text reaches the core unescaped (``<``, ``>``, ``&``), so a reason such
as "latency < 2s" or a target ">= 60%" must be escaped again before it is posted.
Mentions of people and channels and links stay live; broadcasts (``<!channel>``,
``<!here>``, user groups) are shown as words, so a reason quoted in a channel
notice or a DM never pings a whole channel.
"""

from __future__ import annotations

import re

from bot.blocks.common import escape

_MARKUP = re.compile(r"<([@#][A-Z0-9]+(?:\|[^<>]*)?|https?://[^<>\s]+|mailto:[^<>\s]+|![^<>]*)>")


def user_text(text: str) -> str:
    """``text`` escaped for mrkdwn, keeping mentions and links, defusing broadcasts."""
    out: list[str] = []
    position = 0
    for match in _MARKUP.finditer(text):
        out.append(escape(text[position : match.start()]))
        inner = match.group(1)
        if inner.startswith("!"):
            label = inner.split("|", 1)[1] if "|" in inner else "@" + inner[1:].split("^")[0]
            out.append(escape(label))
        else:
            out.append(match.group(0))
        position = match.end()
    out.append(escape(text[position:]))
    return "".join(out)
