"""Delivery's worker threads: each sends one conversation's leased messages to Slack in
order, about one post a second, and reads each answer as an ``Outcome``. They never
touch the database: the recording thread stores what they emit (schedules/recording.py).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from schedules import uploads
from schedules.attempts import (
    EVENT_TYPE,
    MAYBE_POSTED,
    TRANSIENT,
    Outcome,
    Owed,
    Result,
    backoff,
    describe,
    retry_at,
    status_and_code,
)
from storage import outbox

log = logging.getLogger(__name__)

HISTORY_PAGES = 3  # x 100 messages looked through for an unknown send's key


@dataclass
class Channel:
    """One conversation's sending, across the pool tasks that carry it on."""

    last_post: float | None = None
    posted: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # key -> ts, thread
    deferred: bool = False  # its current wait was already put off once


def send_channel(
    batch: list[Owed],
    *,
    client: WebClient,
    now: datetime,
    interval: float,
    sleep: Callable[[float], None],
    emit: Callable[[Result], None],
    state: Channel | None = None,
) -> list[Owed]:
    """Send a conversation's batch in order; returns the rest of it when its next post
    must wait for Slack's one-a-second pace (once per wait: then it sleeps)."""
    state = state or Channel()
    for index, owed in enumerate(batch):
        if owed.after_in_batch:
            earlier = state.posted.get(owed.after_in_batch)
            if earlier is None:  # the message it builds on did not go: look again later
                emit(Result(release=tuple(o.id for o in batch[index:])))
                return []
            owed = owed.built_on(*earlier)
        # Slack's one post a second per channel is for posts (and files): not updates.
        posting = owed.method in (outbox.POST, outbox.UPLOAD)
        if posting and state.last_post is not None and interval > 0:
            wait = state.last_post + interval - time.monotonic()
            if wait > 0:
                if not state.deferred:
                    state.deferred = True
                    return batch[index:]
                sleep(wait)
        state.deferred = False
        try:
            outcome = _deliver_one(client, owed, now, emit)
        except Exception:  # a bug, not Slack: keep the row owed and the batch going
            log.exception("delivery: sending %s (pilot %s) failed", owed.key, owed.pilot_id)
            outcome = Outcome("retry", error="internal error", retry_at=backoff(owed, now))
        if posting and outcome.kind != "history":
            state.last_post = time.monotonic()
        if outcome.kind in ("sent", "history"):
            state.posted[owed.key] = (outcome.ts, owed.thread_ts)
        emit(Result(owed=owed, outcome=outcome))
        if outcome.holds_channel:
            emit(Result(release=tuple(o.id for o in batch[index + 1 :])))
            return []
    return []


def _deliver_one(
    client: WebClient, owed: Owed, now: datetime, emit: Callable[[Result], None]
) -> Outcome:
    if owed.method == outbox.UPDATE:
        return _update_one(client, owed, now)
    if owed.method == outbox.CANVAS:
        return _edit_canvas(client, owed, now)
    if owed.method == outbox.UPLOAD:
        return uploads.upload_one(client, owed, now, emit)
    if owed.dm_users:
        # A DM goes to the conversation conversations.open answers (im:write); it is
        # opened now, so the row names people, not a channel that may change.
        try:
            opened = client.conversations_open(users=owed.dm_users)
        except SlackApiError as error:
            status, code = status_and_code(error)
            if status == 429 or status >= 500 or code in TRANSIENT | MAYBE_POSTED:
                return Outcome("retry", error=code, retry_at=retry_at(error, owed, now))
            return Outcome("failed", error=code)
        except Exception as error:  # nothing was posted yet: try again later
            return Outcome("retry", error=describe(error), retry_at=backoff(owed, now))
        owed = replace(owed, channel_id=str(opened["channel"]["id"]))
    if owed.suspect:
        try:
            found = _find_posted(client, owed)
        except SlackApiError as error:
            status, code = status_and_code(error)
            if status == 429 or status >= 500 or code in MAYBE_POSTED | TRANSIENT:
                return Outcome("unknown", error=code, retry_at=retry_at(error, owed, now))
            # History is out of reach (missing_scope, say): post rather than never.
            log.warning(
                "delivery: cannot look for %s in %s's history (%s); posting it again",
                owed.key,
                owed.channel_id,
                code,
            )
            found = None
        except Exception as error:
            return Outcome("unknown", error=describe(error), retry_at=backoff(owed, now))
        if found is not None:
            return Outcome("history", ts=found)
    payload = _with_permalink(client, owed)
    try:
        answer = client.chat_postMessage(
            channel=owed.channel_id,
            thread_ts=owed.thread_ts,
            metadata={
                "event_type": EVENT_TYPE,
                "event_payload": {"key": owed.key, "pilot_id": owed.pilot_id},
            },
            unfurl_links=False,
            unfurl_media=False,
            **payload,
        )
    except SlackApiError as error:
        status, code = status_and_code(error)
        if status in (500, 504) or code in MAYBE_POSTED:
            return Outcome("unknown", error=code, retry_at=backoff(owed, now))
        if status == 429 or status >= 500 or code in TRANSIENT:
            return Outcome("retry", error=code, retry_at=retry_at(error, owed, now))
        return Outcome("failed", error=code)
    except URLError as error:
        # urllib raises URLError while connecting and sending: Slack did not get it.
        return Outcome("retry", error=describe(error), retry_at=backoff(owed, now))
    except Exception as error:
        # A timeout or a dropped connection while waiting for the answer: it may be posted.
        return Outcome("unknown", error=describe(error), retry_at=backoff(owed, now))
    return Outcome("sent", ts=str(answer.get("ts") or ""))


def _update_one(client: WebClient, owed: Owed, now: datetime) -> Outcome:
    """chat.update: rewriting a message twice with the same content is harmless, so an
    unknown outcome is simply tried again."""
    if not owed.target_ts:
        return Outcome("failed", error="no message to update")
    try:
        answer = client.chat_update(channel=owed.channel_id, ts=owed.target_ts, **owed.payload)
    except SlackApiError as error:
        status, code = status_and_code(error)
        if status == 429 or status >= 500 or code in TRANSIENT | MAYBE_POSTED:
            return Outcome("retry", error=code, retry_at=retry_at(error, owed, now))
        return Outcome("failed", error=code)
    except Exception as error:
        return Outcome("retry", error=describe(error), retry_at=backoff(owed, now))
    return Outcome("sent", ts=str(answer.get("ts") or owed.target_ts))


def _edit_canvas(client: WebClient, owed: Owed, now: datetime) -> Outcome:
    """canvases.edit replacing the whole document (``target_ts``: the canvas id): writing
    it twice is harmless, so an unknown outcome is simply tried again."""
    markdown = str(owed.payload.get("markdown") or "")
    if not (owed.target_ts and markdown):
        return Outcome("failed", error="no canvas document to write")
    content = {"type": "markdown", "markdown": markdown}
    try:
        client.canvases_edit(
            canvas_id=owed.target_ts,
            changes=[{"operation": "replace", "document_content": content}],
        )
    except SlackApiError as error:
        status, code = status_and_code(error)
        again = TRANSIENT | MAYBE_POSTED | {"canvas_editing_failed"}
        if status == 429 or status >= 500 or code in again:
            return Outcome("retry", error=code, retry_at=retry_at(error, owed, now))
        return Outcome("failed", error=code)
    except Exception as error:
        return Outcome("retry", error=describe(error), retry_at=backoff(owed, now))
    return Outcome("sent", ts="")


def _with_permalink(client: WebClient, owed: Owed) -> dict[str, Any]:
    """The payload to post, its ``<permalink|label>`` links made real.

    A message may link to another one (an escalation DM to its flag's thread): its
    payload names that message (``permalink_of``: channel and message_ts) and its
    text carries ``<permalink|label>``, which Slack's escaping keeps out of anything
    people typed. The link is asked for now (chat.getPermalink); if Slack will not
    give it, the label names the channel instead, rather than hold the message back.
    """
    target = owed.payload.get("permalink_of")
    body = {key: value for key, value in owed.payload.items() if key != "permalink_of"}
    if not isinstance(target, dict):
        return body
    channel = str(target.get("channel") or "")
    try:
        ts = str(target.get("message_ts") or "")
        answer = client.chat_getPermalink(channel=channel, message_ts=ts)
        link = str(answer["permalink"])
    except Exception as error:
        log.warning(
            "delivery: no permalink for %s (pilot %s): %s; naming the channel instead",
            owed.key,
            owed.pilot_id,
            describe(error),
        )
        link = ""

    def linked(match: re.Match[str]) -> str:
        label = match.group(1)
        return f"<{link}|{label}>" if link else f"{label} in <#{channel}>"

    return dict(json.loads(_PERMALINK.sub(linked, json.dumps(body))))


_PERMALINK = re.compile(r"<permalink\|([^>]*)>")


def _find_posted(client: WebClient, owed: Owed) -> str | None:
    """The ts of the bot's message carrying ``owed``'s key, if Slack has it."""
    cursor: str | None = None
    for _ in range(HISTORY_PAGES):
        if owed.thread_ts:
            page = client.conversations_replies(
                channel=owed.channel_id,
                ts=owed.thread_ts,
                include_all_metadata=True,
                limit=100,
                cursor=cursor,
            )
        else:
            page = client.conversations_history(
                channel=owed.channel_id,
                include_all_metadata=True,
                limit=100,
                cursor=cursor,
            )
        for message in page.get("messages") or []:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if (
                metadata.get("event_type") == EVENT_TYPE
                and payload.get("key") == owed.key
                and payload.get("pilot_id") == owed.pilot_id
            ):
                return str(message["ts"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            break
    return None
