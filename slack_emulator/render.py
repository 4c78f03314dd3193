"""Messages and recorded calls as plain readable text (for the demo transcript)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from typing import Any

from slack_emulator.calls import Call

Block = dict[str, Any]
Names = Mapping[str, str]

_ANGLE = re.compile(r"<([^<>]+)>")


def resolve_mentions(text: str, names: Names | None = None) -> str:
    """Turn Slack markup into plain text: ``<@U1>``/``<@U1|ann>`` -> ``@ann``,
    ``<#C1|x>`` -> ``#x``, ``<!here>`` -> ``@here``, ``<url|label>`` -> ``label (url)``."""
    names = names or {}

    def plain(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target.startswith("@"):
            return "@" + (names.get(target[1:]) or label or target[1:])
        if target.startswith("#"):
            return "#" + (label or names.get(target[1:]) or target[1:])
        if target.startswith("!"):
            special = target[1:]
            if special.startswith(("subteam^", "date^")):
                return label or special
            return "@" + special
        return f"{label} ({target})" if label and label != target else target

    return html.unescape(_ANGLE.sub(plain, text))


def _text(obj: Any, names: Names) -> str:
    if isinstance(obj, dict):
        return resolve_mentions(str(obj.get("text", "")), names)
    return resolve_mentions(str(obj or ""), names)


def _element(element: Block, names: Names) -> str:
    kind = element.get("type")
    if kind == "button":
        return f"[{_text(element.get('text'), names)}]"
    if kind == "image":
        return f"[image: {element.get('alt_text', '')}]"
    if kind in ("plain_text", "mrkdwn"):
        return _text(element, names)
    if kind == "overflow":
        return "[...]"
    label = _text(element.get("placeholder") or element.get("initial_date")
                  or element.get("initial_value") or kind, names)
    return f"[{label} ▾]" if "select" in str(kind) else f"[{label}]"


def _rich_inline(element: Block, names: Names) -> str:
    kind = element.get("type")
    if kind == "text":
        return str(element.get("text", ""))
    if kind == "link":
        return str(element.get("text") or element.get("url", ""))
    if kind == "user":
        return "@" + names.get(element.get("user_id", ""), element.get("user_id", ""))
    if kind == "channel":
        return "#" + names.get(element.get("channel_id", ""), element.get("channel_id", ""))
    if kind == "emoji":
        return f":{element.get('name', '')}:"
    if kind == "broadcast":
        return "@" + str(element.get("range", "here"))
    return str(element.get("fallback") or element.get("text") or "")


def _rich_text(block: Block, names: Names, indent: str = "") -> list[str]:
    lines: list[str] = []
    for part in block.get("elements") or []:
        kind = part.get("type")
        if kind == "rich_text_list":
            ordered = part.get("style") == "ordered"
            pad = indent + "  " * int(part.get("indent", 0))
            for number, item in enumerate(part.get("elements") or [], 1):
                bullet = f"{number}." if ordered else "•"
                text = "".join(_rich_inline(e, names) for e in item.get("elements") or [])
                lines.append(f"{pad}{bullet} {text}")
            continue
        text = "".join(_rich_inline(e, names) for e in part.get("elements") or [])
        prefix = {"rich_text_preformatted": "    ", "rich_text_quote": "> "}.get(kind, "")
        lines.extend(indent + prefix + line for line in text.split("\n"))
    return lines


def _section(block: Block, names: Names) -> list[str]:
    lines = _text(block["text"], names).split("\n") if block.get("text") else []
    fields = [_text(f, names).replace("\n", " ") for f in block.get("fields") or []]
    lines += [" | ".join(fields[i:i + 2]) for i in range(0, len(fields), 2)]
    accessory = block.get("accessory")
    if isinstance(accessory, dict) and accessory.get("type") != "image":
        shown = _element(accessory, names)
        lines = [*lines[:-1], f"{lines[-1]}  {shown}"] if lines else [shown]
    return lines


_BLOCKS: dict[str, Callable[[Block, Names], list[str]]] = {
    "header": lambda b, n: [f"== {_text(b.get('text'), n)} =="],
    "section": _section,
    "context": lambda b, n: [" · ".join(_element(e, n) for e in b.get("elements") or [])],
    "divider": lambda b, n: ["-" * 24],
    "actions": lambda b, n: [" ".join(_element(e, n) for e in b.get("elements") or [])],
    "rich_text": _rich_text,
    "image": lambda b, n: [f"[image: {b.get('alt_text', '')}]"],
    "input": lambda b, n: [f"{_text(b.get('label'), n)}: {_element(b.get('element') or {}, n)}"],
}


def render_blocks(blocks: list[Block], names: Names | None = None) -> list[str]:
    """Readable lines for a list of Block Kit blocks (unknown block types are skipped)."""
    lines: list[str] = []
    for block in blocks:
        renderer = _BLOCKS.get(str(block.get("type")))
        if renderer is not None:
            lines.extend(renderer(block, names or {}))
    return lines


def render_message(message: dict[str, Any], names: Names | None = None) -> str:
    """A posted message as readable text: its blocks, else its ``text``."""
    lines = render_blocks(message.get("blocks") or [], names)
    if not lines:
        lines = _text(message.get("text", ""), names or {}).split("\n")
    return "\n".join(lines)


def _where(channel: str | None, names: Names) -> str:
    if not channel:
        return "?"
    name = names.get(channel, channel)
    return f"DM @{name}" if channel[0] in "DUW" else f"#{name}"


def _line(prefix: str, body: str) -> str:
    first, *rest = body.split("\n") or [""]
    return "\n".join([f"{prefix}{first}", *("    " + line for line in rest)])


def render_call(call: Call, names: Names, *, bot_name: str = "pilot-bot") -> str:
    """A transcript line for a call that shows something to people, else ``""``.

    E.g. ``#pilot-acme  pilot-bot: ...``, ``DM @dana  pilot-bot: ...``,
    ``(only visible to @alice) pilot-bot: ...``. ``names`` maps user and channel ids
    to names (see :meth:`SlackEmulator.names`).
    """
    params, answer = call.params, call.response or {}
    shown = render_message(params, names)
    if call.method == "response_url":
        return _render_response_post(call, names, bot_name, shown)
    if call.method not in _VISIBLE:
        return ""
    if not call.ok:
        return f"({call.method} to {_where(params.get('channel'), names)} failed: " \
               f"{call.error or call.status})"
    channel = answer.get("channel") or params.get("channel")
    if call.method == "chat.postMessage":
        thread = " (in thread)" if params.get("thread_ts") else ""
        return _line(f"{_where(channel, names)}{thread}  {bot_name}: ", shown)
    if call.method == "chat.postEphemeral":
        user = names.get(params.get("user", ""), params.get("user", "?"))
        return _line(f"(only visible to @{user}) {bot_name}: ", shown)
    if call.method == "chat.update":
        return _line(f"{_where(channel, names)}  {bot_name} (edited): ", shown)
    if call.method == "chat.delete":
        return f"{_where(channel, names)}  {bot_name} deleted a message"
    if call.method == "files.completeUploadExternal":
        thread = " (in thread)" if params.get("thread_ts") else ""
        shared = " ".join(f"[file: {f.get('title') or f.get('id')}]"
                          for f in answer.get("files") or [])
        comment = _text(params.get("initial_comment") or "", names)
        body = f"{comment}\n{shared}" if comment else shared
        return _line(f"{_where(params.get('channel_id'), names)}{thread}  {bot_name}: ", body)
    view = answer.get("view") or {}
    if call.method == "views.publish":
        return f"(App Home of @{names.get(params.get('user_id', ''), '?')} updated)"
    title = _text(view.get("title"), names)
    return _line(f"(modal) {title}: ", "\n".join(render_blocks(view.get("blocks") or [],
                                                                names)))


_VISIBLE = frozenset({"chat.postMessage", "chat.postEphemeral", "chat.update", "chat.delete",
                      "files.completeUploadExternal", "views.open", "views.push",
                      "views.update", "views.publish"})


def _render_response_post(call: Call, names: Names, bot_name: str, shown: str) -> str:
    channel, user = call.context.get("channel"), call.context.get("user")
    if not call.ok:
        return f"(response_url post failed: {call.error or call.status})"
    params = call.params
    if params.get("delete_original") in (True, "true"):
        return f"{_where(channel, names)}  {bot_name} deleted a message"
    if params.get("replace_original") in (True, "true") and call.context.get("ts"):
        return _line(f"{_where(channel, names)}  {bot_name} (edited): ", shown)
    if params.get("response_type") == "in_channel":
        return _line(f"{_where(channel, names)}  {bot_name}: ", shown)
    who = names.get(user or "", user or "?")
    return _line(f"(only visible to @{who}) {bot_name}: ", shown)
