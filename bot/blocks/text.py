"""People's words inside our mrkdwn: shown as typed, never as markup they did not mean.

Two kinds of user text, one function each:

- ``literal``: names and values (a pilot's name and customer, criteria and targets,
  risks, scope lines, priorities). Fully literal: ``&``, ``<`` and ``>`` escaped, so
  nothing in them is live.
- ``user_text``: free text people write (flag descriptions, resolutions, reasons,
  notes, check-in quotes). Mentions of people (``<@U…>``) and channels (``<#C…>``) stay
  live, as people mean them; special mentions (``<!channel>``, ``<!here>``,
  ``<!everyone>``, ``<!subteam^…>``) are shown as words; a link is shown as
  ``label (url)``, so a label cannot disguise where it goes.

Both cut the text they are given *before* escaping it (``limit``), so an entity or a
mention is never split. ``guarded`` is the last look every message and view takes on
its way out (`Reply.message`, `modal`): any special mention or link that is not the
bot's own is defused there too, whatever a builder did. The bot's own links are the
delivery-time ``<permalink|label>`` and its mentions of people and channels.
"""

from __future__ import annotations

import re
from typing import Any

ELLIPSIS = "…"

_MENTION = re.compile(r"<([@#][A-Z0-9]+)(?:\|[^<>]*)?>")  # a person or a channel
_SPECIAL = re.compile(r"<!([^<>|]*)(?:\|([^<>]*))?>")  # <!channel>, <!subteam^S1|@team>
_LINK = re.compile(r"<((?:https?|mailto|ftp|tel|slack):[^<>|\s]*)(?:\|([^<>]*))?>", re.IGNORECASE)
_TOKEN = re.compile(
    r"<[@#][A-Z0-9]+(?:\|[^<>]*)?>"
    r"|<![^<>]*>"
    r"|<(?:https?|mailto|ftp|tel|slack):[^<>]*>",
    re.IGNORECASE,
)


def escape(text: str) -> str:
    """Slack's three control characters, for text that is not markup of ours."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int | None) -> str:
    """``text`` within ``limit`` characters, with an ellipsis where it was cut."""
    if limit is None or len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def literal(text: str, limit: int | None = None) -> str:
    """A name or value, cut to ``limit`` (before escaping), with nothing live in it."""
    return escape(cut(text, limit))


def user_text(text: str, limit: int | None = None) -> str:
    """Free text, cut to ``limit`` (before escaping, never inside a mention): people and
    channels stay live; broadcasts read as words; links read as ``label (url)``."""
    if limit is not None and len(text) > limit:
        point = max(limit - 1, 0)
        for match in _TOKEN.finditer(text):
            if match.start() < point < match.end():
                point = match.start()
                break
        text = text[:point].rstrip() + ELLIPSIS
    out: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        out.append(escape(text[position : match.start()]))
        out.append(_token(match.group(0))[0])
        position = match.end()
    out.append(escape(text[position:]))
    return "".join(out)


def _token(token: str) -> tuple[str, int]:
    """A markup token of someone's text, as shown, and about how long it reads."""
    mention = _MENTION.fullmatch(token)
    if mention is not None:
        return token, len(mention.group(1)) + 2
    special = _SPECIAL.fullmatch(token)
    if special is not None:
        words = special.group(2) or "@" + special.group(1).split("^")[0]
        return escape(words), len(words)
    link = _LINK.fullmatch(token)
    if link is not None:
        url, label = link.group(1), link.group(2)
        words = f"{label} ({url})" if label and label != url else url
        return escape(words), len(words)
    return escape(token), len(token)


# ----- the last look on the way out ----------------------------------------------------------

_OURS = re.compile(r"<permalink\|[^<>]*>")


def defused(mrkdwn: str) -> str:
    """Already built mrkdwn with any broadcast or foreign link made harmless (the bot's
    mentions of people and channels, and its ``<permalink|…>``, are kept)."""
    if "<" not in mrkdwn:
        return mrkdwn

    def one(match: re.Match[str]) -> str:
        token = match.group(0)
        if _MENTION.fullmatch(token) or _OURS.fullmatch(token):
            return token
        return _token(token)[0]

    return re.sub(r"<[^<>]*>", one, mrkdwn)


def guarded(value: Any) -> Any:
    """Every mrkdwn and fallback ``text`` in a message or view, passed through ``defused``
    (plain_text is never parsed by Slack, so it is left as it is)."""
    if isinstance(value, dict):
        kind = value.get("type")
        found = {}
        for key, item in value.items():
            if key == "text" and isinstance(item, str) and kind != "plain_text":
                found[key] = defused(item)
            else:
                found[key] = guarded(item)
        return found
    if isinstance(value, list):
        return [guarded(item) for item in value]
    return value


def fit(mrkdwn: str, limit: int) -> str:
    """Built mrkdwn within ``limit`` characters, cut where no entity (``&amp;``) or
    markup (``<@U1>``) is split, with an ellipsis."""
    if len(mrkdwn) <= limit:
        return mrkdwn
    end = limit - 1
    head = mrkdwn[:end]
    # Back off to before an unclosed "<...>" or "&...;" the cut would split.
    opened = head.rfind("<")
    if opened > head.rfind(">"):
        head = head[:opened]
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:] and len(head) - amp <= 6:
        head = head[:amp]
    return head.rstrip() + ELLIPSIS
