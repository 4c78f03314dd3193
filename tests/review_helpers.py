"""Helpers for the review tests: walk the scheduler from due time to due time, find the
bot's posts by key, click their buttons and submit their modals over signed HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import select

from bot.app import services_of
from schedules.delivery import deliver
from schedules.tick import tick
from storage.db import unit_of_work
from storage.models import Pilot
from storage.pilots import NOTHING_OWED
from tests.cadence_helpers import slack_client

NEW_YORK = ZoneInfo("America/New_York")
REVIEW_KINDS = (
    "weekly_review",
    "ramp_change",
    "ramp_heads_up",
    "phase_review",
    "final_evaluation",
    "recommendation_reminder",
)


@dataclass(frozen=True)
class Post:
    key: str
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]


def bot_posts(emulator) -> list[Post]:
    """Every post delivery made (channel or DM), oldest first, with its outbox key."""
    found = []
    for call in emulator.calls_to("chat.postMessage"):
        metadata = call.params.get("metadata") or {}
        if not call.ok or metadata.get("event_type") != "pilot_bot_message":
            continue
        found.append(
            Post(
                key=metadata["event_payload"]["key"],
                channel=call.response["channel"],
                ts=call.response["ts"],
                text=call.params.get("text", ""),
                blocks=call.params.get("blocks") or [],
            )
        )
    return found


def post(emulator, key: str) -> Post:
    (found,) = [p for p in bot_posts(emulator) if p.key == key]
    return found


def local(instant: datetime) -> str:
    """ "Fri 2026-12-11 09:30" in New York."""
    return instant.astimezone(NEW_YORK).strftime("%a %Y-%m-%d %H:%M")


def next_due_at(engine) -> datetime | None:
    with unit_of_work(engine) as session:
        dues = [p.next_due_at for p in session.exec(select(Pilot)).all()]
    dues = [d for d in dues if d is not None and d < NOTHING_OWED]
    return min(dues) if dues else None


def idle(bot) -> None:
    """Let the bot's own deliveries (right after a request) finish before the clock jumps:
    a jump under a send in flight would look like a dead worker's lease running out."""
    sender = services_of(bot.app).sender
    assert sender is None or sender.wait_idle()


def walk(bot, until: datetime, *, kinds: tuple[str, ...] = REVIEW_KINDS) -> list[tuple[str, str]]:
    """Move the clock from due time to due time up to ``until`` (inclusive), ticking and
    delivering at each; returns (key, local time it was posted) for the posts of ``kinds``."""
    client = slack_client(bot.emulator)
    idle(bot)
    seen = {p.key for p in bot_posts(bot.emulator)}
    found = []
    for _ in range(5000):
        due = next_due_at(bot.engine)
        if due is None or due > until:
            break
        if due > bot.clock.now():
            idle(bot)
            bot.clock.set(due)
        tick(engine=bot.engine, now=bot.clock.now())
        deliver(engine=bot.engine, client=client, now=bot.clock.now(), channel_interval=0)
        for p in bot_posts(bot.emulator):
            if p.key not in seen:
                seen.add(p.key)
                if p.key.split(":")[0] in kinds:
                    found.append((p.key, local(bot.clock.now())))
    else:
        raise AssertionError("the scheduler did not move on")
    if until > bot.clock.now():
        bot.clock.set(until)
    return found


def run_at(bot, instant: datetime) -> None:
    """The scheduler runs once at ``instant`` (after downtime, say)."""
    idle(bot)
    bot.clock.set(instant)
    tick(engine=bot.engine, now=instant)
    deliver(engine=bot.engine, client=slack_client(bot.emulator), now=instant, channel_interval=0)


def button(message: Post | dict[str, Any], action_id: str) -> dict[str, Any]:
    blocks = message.blocks if isinstance(message, Post) else message["blocks"]
    return next(
        e
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )


def click(bot, message: Post, action_id: str, user_id: str) -> int:
    """Click a button of a bot post; returns the HTTP status."""
    element = button(message, action_id)
    payload = bot.sender.block_actions(
        action_id,
        element["value"],
        user_id=user_id,
        channel_id=message.channel,
        message_ts=message.ts,
    )
    return bot.sender.interactive(payload).status


def tick_boxes(bot, message: Post, action_id: str, values: list[str], user_id: str) -> int:
    """Tick checkboxes: Slack sends the group's selected options (the emulator clicks
    buttons, so the action is rewritten as a checkboxes action)."""
    element = button(message, action_id)
    block_id = next(
        b["block_id"] for b in message.blocks if b["type"] == "actions" and element in b["elements"]
    )
    payload = bot.sender.block_actions(
        action_id, "", user_id=user_id, channel_id=message.channel, message_ts=message.ts
    )
    payload["actions"] = [
        {
            "type": "checkboxes",
            "action_id": action_id,
            "block_id": block_id,
            "selected_options": [o for o in element["options"] if o["value"] in values],
            "action_ts": "1.0",
        }
    ]
    return bot.sender.interactive(payload).status


def opened_view(bot, count: int) -> dict[str, Any]:
    """The view of the ``count``-th views.open call, once it happened."""
    calls = bot.emulator.wait_for_calls("views.open", count)
    return calls[count - 1].params["view"]


def submit(bot, view: dict[str, Any], values: dict[str, Any], user_id: str):
    """Submit a modal the bot opened, with Slack's state shape built from ``values``:
    a str for a text input, ("radio", value) for radio buttons."""
    state: dict[str, Any] = {}
    for block_id, value in values.items():
        if isinstance(value, tuple):
            state[block_id] = {
                block_id: {"type": "radio_buttons", "selected_option": {"value": value[1]}}
            }
        else:
            state[block_id] = {block_id: {"type": "plain_text_input", "value": value}}
    payload = bot.sender.view_submission(
        view["callback_id"], state, user_id=user_id, private_metadata=view["private_metadata"]
    )
    return bot.sender.interactive(payload)


def latest_message(bot, channel: str, ts: str) -> dict[str, Any]:
    found = bot.emulator.message(channel, ts)
    assert found is not None
    return found
