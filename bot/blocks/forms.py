"""Interactive pieces the review messages and modals share: buttons, checkboxes, inputs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bot.blocks.text import cut, guarded

TITLE_LIMIT = 24  # modal title, submit and close
OPTION_LIMIT = 75  # an option's text and description
METADATA_LIMIT = 3000
VIEW_BLOCKS = 100  # blocks in a modal or the Home tab


def plain(text: str, limit: int = 2000) -> dict[str, Any]:
    return {"type": "plain_text", "text": cut(text, limit) or " ", "emoji": True}


def button(label: str, action_id: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(label, 75),
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def actions(block_id: str, *elements: dict[str, Any]) -> dict[str, Any]:
    return {"type": "actions", "block_id": block_id[:255], "elements": list(elements)}


def option(value: str, text: str, description: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"text": plain(text, OPTION_LIMIT), "value": value}
    if description:
        found["description"] = plain(description, OPTION_LIMIT)
    return found


def checkboxes(
    action_id: str, options: Sequence[dict[str, Any]], ticked: Sequence[str]
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "checkboxes", "action_id": action_id, "options": options}
    initial = [o for o in options if o["value"] in set(ticked)]
    if initial:
        element["initial_options"] = initial
    return element


def text_input(
    block_id: str,
    label: str,
    *,
    multiline: bool = False,
    optional: bool = False,
    initial: str = "",
    placeholder: str = "",
    hint: str = "",
    max_length: int = 3000,
) -> dict[str, Any]:
    """An input block whose element's action id is its block id."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": block_id,
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def radio_input(block_id: str, label: str, options: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": {"type": "radio_buttons", "action_id": block_id, "options": list(options)},
    }


def modal(
    callback_id: str,
    title: str,
    blocks: Sequence[dict[str, Any]],
    *,
    submit: str,
    metadata: Mapping[str, Any],
) -> dict[str, Any]:
    # Ids and short choices only: never cut (a cut one would not parse back).
    private = json.dumps(dict(metadata), separators=(",", ":"))
    if len(private) > METADATA_LIMIT:
        raise ValueError(f"private_metadata of {len(private)} characters: keep it to ids")
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, TITLE_LIMIT),
        "submit": plain(submit, TITLE_LIMIT),
        "close": plain("Cancel", TITLE_LIMIT),
        "private_metadata": private,
        "blocks": guarded(list(blocks)[:VIEW_BLOCKS]),
    }


def answer_modal(title: str, reply_blocks: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A form turned into its answer (``response_action: update``): what a submission
    that cannot show an error beside a field is told instead, with only a Close button."""
    return {
        "type": "modal",
        "title": plain(title, TITLE_LIMIT),
        "close": plain("Close", TITLE_LIMIT),
        "blocks": guarded(list(reply_blocks)[:VIEW_BLOCKS]),
    }
