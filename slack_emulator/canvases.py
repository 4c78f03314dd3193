"""Canvases: a channel's canvas, created once and edited.

``conversations.canvases.create`` (``channel_id``, ``document_content: {"type":
"markdown", "markdown": ...}``, ``title``) makes the channel's canvas and answers its
``canvas_id``; a channel has at most one (``channel_canvas_already_exists``). A
workspace whose plan has no channel canvases answers
``team_tier_cannot_create_channel_canvases``; an app without ``canvases:write``,
``missing_scope`` (with ``needed``), for either method.

``canvases.edit`` (``canvas_id``, ``changes``) applies ``replace`` (without a
``section_id``: the whole document), ``insert_at_start`` and ``insert_at_end``, and
keeps the canvas's current markdown (and each edit) for tests to read; an unknown
canvas is ``canvas_not_found``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slack_emulator.methods import Params, method
from slack_emulator.workspace import SlackError, Workspace

SCOPE = "canvases:write"
MAX_MARKDOWN = 1_048_576  # Slack: the markdown content is limited to 1 MiB


@dataclass
class Canvas:
    """A canvas as the emulated workspace keeps it."""

    id: str
    channel_id: str
    title: str
    markdown: str
    edits: list[list[dict[str, Any]]] = field(default_factory=list)  # each edit's changes
    by_bot: bool = True  # False: made by a person (a test's add_channel_canvas)


def _scoped(ws: Workspace) -> None:
    if SCOPE in ws.missing_scopes:
        raise SlackError("missing_scope", needed=SCOPE, provided="chat:write,commands")


def _markdown(content: Any) -> str:
    if not isinstance(content, dict) or content.get("type") != "markdown":
        raise SlackError("invalid_arguments")
    text = content.get("markdown")
    if not isinstance(text, str):
        raise SlackError("invalid_arguments")
    if len(text) > MAX_MARKDOWN:
        raise SlackError("canvas_creation_failed")
    return text


def add_canvas(ws: Workspace, channel_id: str, markdown: str, *, title: str = "",
               by_bot: bool = True) -> Canvas:
    canvas = Canvas(f"F{ws.serial():09d}", channel_id, title, markdown, by_bot=by_bot)
    ws.canvases[canvas.id] = canvas
    return canvas


@method("conversations.canvases.create")
def conversations_canvases_create(ws: Workspace, params: Params) -> dict[str, Any]:
    """The channel's canvas, with ``document_content``'s markdown."""
    _scoped(ws)
    channel = ws.resolve(params.get("channel_id"))
    if not ws.channel_canvases_allowed:
        raise SlackError("team_tier_cannot_create_channel_canvases")
    if not channel.is_member:
        raise SlackError("not_in_channel")
    if any(c.channel_id == channel.id for c in ws.canvases.values()):
        raise SlackError("channel_canvas_already_exists")
    content = params.get("document_content")
    markdown = _markdown(content) if content is not None else ""
    canvas = add_canvas(ws, channel.id, markdown, title=str(params.get("title") or ""))
    return {"ok": True, "canvas_id": canvas.id}


@method("canvases.edit")
def canvases_edit(ws: Workspace, params: Params) -> dict[str, Any]:
    """Apply ``changes`` to the canvas, in order."""
    _scoped(ws)
    canvas = ws.canvases.get(str(params.get("canvas_id") or ""))
    if canvas is None:
        raise SlackError("canvas_not_found")
    changes = params.get("changes")
    if not isinstance(changes, list) or not changes:
        raise SlackError("invalid_arguments")
    markdown = canvas.markdown
    for change in changes:
        if not isinstance(change, dict) or change.get("section_id"):
            raise SlackError("invalid_arguments")  # no sections are modelled
        operation = change.get("operation")
        text = _markdown(change.get("document_content"))
        if operation == "replace":
            markdown = text
        elif operation == "insert_at_start":
            markdown = text + "\n" + markdown
        elif operation == "insert_at_end":
            markdown = markdown + "\n" + text
        else:
            raise SlackError("invalid_arguments")
    canvas.markdown = markdown
    canvas.edits.append(changes)
    return {"ok": True}
