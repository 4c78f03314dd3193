"""Builders for what Slack sends a bot: Events API events and interactive payloads.

Plain functions with every value passed in; :class:`~slack_emulator.client.SlackSender`
fills in the team, app and emulator-derived values.
"""

from __future__ import annotations

import base64
import copy
import json
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

Payload = dict[str, Any]


@dataclass(frozen=True)
class AppContext:
    """Who Slack is talking to: the workspace, the app and its bot user."""

    team_id: str = "T0001"
    team_domain: str = "pilot-test"
    api_app_id: str = "A0001"
    token: str = "verification-token-0001"  # the legacy verification token
    enterprise_id: str | None = None
    enterprise_name: str | None = None
    bot_user_id: str = "UBOT"

    @property
    def team(self) -> dict[str, str]:
        """The ``team`` object of interactive payloads."""
        return {"id": self.team_id, "domain": self.team_domain}

    @property
    def enterprise(self) -> dict[str, str] | None:
        """The ``enterprise`` object of interactive payloads (None outside Enterprise Grid)."""
        if self.enterprise_id is None:
            return None
        return {"id": self.enterprise_id, "name": self.enterprise_name or self.enterprise_id}


def now_ts() -> str:
    """A Slack-style ts for the current time."""
    micros = time.time_ns() // 1000
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


def random_id(prefix: str, length: int = 10) -> str:
    """An id such as ``Ev0A1B2C3D4E``."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


def event_context(ctx: AppContext, event: Payload) -> str:
    """An opaque ``event_context`` string like Slack's."""
    data = {"et": event.get("type"), "tid": ctx.team_id, "aid": ctx.api_app_id,
            "cid": event.get("channel") or (event.get("item") or {}).get("channel")}
    raw = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode())
    return "4-" + raw.decode().rstrip("=")


def envelope(ctx: AppContext, event: Payload, *, event_id: str | None = None,
             event_time: int | None = None) -> Payload:
    """Wrap an event in the ``event_callback`` envelope of the Events API."""
    body: Payload = {"token": ctx.token, "team_id": ctx.team_id}
    if ctx.enterprise_id:
        body["enterprise_id"] = ctx.enterprise_id
    body.update({
        "context_team_id": ctx.team_id, "context_enterprise_id": ctx.enterprise_id,
        "api_app_id": ctx.api_app_id, "event": event, "type": "event_callback",
        "event_id": event_id or random_id("Ev"),
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [{"enterprise_id": ctx.enterprise_id, "team_id": ctx.team_id,
                            "user_id": ctx.bot_user_id, "is_bot": True,
                            "is_enterprise_install": False}],
        "is_ext_shared_channel": False,
        "event_context": event_context(ctx, event),
    })
    return body


# ----- events ------------------------------------------------------------------------------


def _rich_text(text: str) -> list[Payload]:
    return [{"type": "rich_text", "block_id": random_id("", 5),
             "elements": [{"type": "rich_text_section",
                           "elements": [{"type": "text", "text": text}]}]}]


def message_event(channel: str, user: str, text: str, *, ts: str | None = None,
                  thread_ts: str | None = None, channel_type: str = "channel",
                  team_id: str = "T0001", parent_user_id: str | None = None) -> Payload:
    """A ``message`` event for a person's message (``thread_ts`` for a thread reply)."""
    ts = ts or now_ts()
    event: Payload = {"type": "message", "channel": channel, "user": user, "text": text,
                      "ts": ts, "event_ts": ts, "channel_type": channel_type, "team": team_id,
                      "client_msg_id": str(uuid.uuid4()), "blocks": _rich_text(text)}
    if thread_ts:
        event["thread_ts"] = thread_ts
        if parent_user_id:
            event["parent_user_id"] = parent_user_id
    return event


def message_changed_event(channel: str, user: str, ts: str, text: str, *,
                          previous_text: str = "", channel_type: str = "channel",
                          team_id: str = "T0001") -> Payload:
    """A ``message_changed`` event: the person edited message ``ts`` to ``text``."""
    now = now_ts()
    base = {"type": "message", "user": user, "ts": ts, "team": team_id}
    return {"type": "message", "subtype": "message_changed", "hidden": True,
            "channel": channel, "ts": now, "event_ts": now, "channel_type": channel_type,
            "message": {**base, "text": text, "edited": {"user": user, "ts": now}},
            "previous_message": {**base, "text": previous_text}}


def message_deleted_event(channel: str, ts: str, *, user: str | None = None,
                          previous_text: str = "", channel_type: str = "channel") -> Payload:
    """A ``message_deleted`` event for message ``ts``."""
    now = now_ts()
    return {"type": "message", "subtype": "message_deleted", "hidden": True,
            "channel": channel, "ts": now, "deleted_ts": ts, "event_ts": now,
            "channel_type": channel_type,
            "previous_message": {"type": "message", "user": user, "text": previous_text,
                                 "ts": ts}}


def reaction_added_event(user: str, reaction: str, channel: str, ts: str,
                         item_user: str) -> Payload:
    """A ``reaction_added`` event: ``user`` reacted ``:reaction:`` to message ``ts``."""
    return {"type": "reaction_added", "user": user, "reaction": reaction,
            "item_user": item_user, "item": {"type": "message", "channel": channel, "ts": ts},
            "event_ts": now_ts()}


def app_home_opened_event(user: str, channel: str, *, view: Payload | None = None) -> Payload:
    """An ``app_home_opened`` event (``channel`` is the user's DM with the app)."""
    event: Payload = {"type": "app_home_opened", "user": user, "channel": channel,
                      "tab": "home", "event_ts": now_ts()}
    if view is not None:
        event["view"] = view
    return event


# ----- interactivity -----------------------------------------------------------------------


def app_uninstalled_event() -> Payload:
    """``app_uninstalled``: the app was removed from the workspace (its tokens are revoked)."""
    return {"type": "app_uninstalled", "event_ts": now_ts()}


def tokens_revoked_event(*, bot: list[str] | None = None,
                         oauth: list[str] | None = None) -> Payload:
    """``tokens_revoked``: the bot users (``bot``) and users (``oauth``) whose tokens died."""
    return {"type": "tokens_revoked", "tokens": {"oauth": list(oauth or []),
                                                "bot": list(bot or [])},
            "event_ts": now_ts()}


def user_ref(user_id: str, name: str, team_id: str) -> Payload:
    """The ``user`` object of an interactive payload."""
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def find_element(blocks: list[Payload], action_id: str) -> tuple[str | None, Payload | None]:
    """The block_id and element with this action_id in some blocks, if any."""
    for block in blocks:
        elements = list(block.get("elements") or [])
        for key in ("accessory", "element"):
            if isinstance(block.get(key), dict):
                elements.append(block[key])
        for element in elements:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return block.get("block_id"), element
    return None, None


def action(action_id: str, value: str, block_id: str, element: Payload | None) -> Payload:
    """One entry of ``actions`` for clicking a button (or choosing a select option)."""
    element = element or {"type": "button",
                          "text": {"type": "plain_text", "text": value, "emoji": True}}
    kind = element.get("type", "button")
    entry: Payload = {"action_id": action_id, "block_id": block_id, "type": kind,
                      "action_ts": now_ts()}
    if kind == "static_select":
        chosen = next((o for o in element.get("options", []) if o.get("value") == value),
                      {"text": {"type": "plain_text", "text": value}, "value": value})
        entry["selected_option"] = copy.deepcopy(chosen)
    else:
        entry["value"] = value
        if "text" in element:
            entry["text"] = copy.deepcopy(element["text"])
        if "style" in element:
            entry["style"] = element["style"]
    return entry


def default_view(ctx: AppContext, view_id: str, callback_id: str,
                 private_metadata: str) -> Payload:
    """A minimal modal view object, for submissions of views the emulator never saw."""
    return {"id": view_id, "team_id": ctx.team_id, "type": "modal", "blocks": [],
            "private_metadata": private_metadata, "callback_id": callback_id,
            "state": {"values": {}}, "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": {"type": "plain_text", "text": "Modal"}, "clear_on_close": False,
            "notify_on_close": False, "close": None, "submit": None,
            "previous_view_id": None, "root_view_id": view_id, "app_id": ctx.api_app_id,
            "external_id": "", "app_installed_team_id": ctx.team_id, "bot_id": None}
