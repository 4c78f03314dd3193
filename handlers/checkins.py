"""Check-ins: replies in the daily thread, and the thread's Post status button.

Each reply in a check-in thread is that person's check-in for the day. One
listener for every ``message`` event (Bolt runs the first listener that
matches, so there is one): a reply in a check-in thread is stored, an edit
updates it, a deletion removes it. The bot's own posts, other bots, top-level
messages, other threads and other channels change nothing. A retried delivery
of the same event (``X-Slack-Retry-Num``, same ``event_id``) is acted on once.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlmodel import Session

from bot.blocks import ids
from bot.blocks.checkin import NOTE_NEEDED, STATUSES, status_modal, status_posted
from bot.core.errors import DomainError, Refusal
from bot.core.inputs import parse_id
from bot.features.access import pilot_named
from handlers.answers import guarded
from handlers.clicks import Click, clicked_thread, input_value, metadata_of, multiline_value
from handlers.flags import flag_from_reply
from storage.checkins import (
    STATUS_POST_KIND,
    CheckinThread,
    checkin_thread,
    delete_reply,
    first_delivery,
    reply_at,
    save_reply,
    status_post_key,
)
from storage.db import unit_of_work
from storage.outbox import owe

log = logging.getLogger(__name__)

# Subtypes of a person's new message (a plain reply, "also send to channel", a file).
_NEW_MESSAGE = (None, "thread_broadcast", "file_share")


@guarded
def message_event(
    event: dict[str, Any], body: dict[str, Any], context: dict[str, Any], client: WebClient
) -> None:
    services = context["services"]
    team_id = context.get("team_id") or body.get("team_id", "")
    channel = str(event.get("channel", ""))
    subtype = event.get("subtype")
    now = services.clock.now()
    with unit_of_work(services.engine) as session:
        if subtype in _NEW_MESSAGE:
            _new_reply(session, body, team_id, channel, event, now)
        elif subtype == "message_changed":
            _edited(session, body, team_id, channel, event.get("message") or {}, now)
        elif subtype == "message_deleted":
            _deleted(session, body, team_id, channel, str(event.get("deleted_ts", "")), now)
    if subtype in _NEW_MESSAGE:
        # A reply that starts with flag: (or the flag emoji) also raises an issue flag.
        flag_from_reply(client, services, team_id, channel, event)


def _new_reply(
    session: Session,
    body: dict[str, Any],
    team_id: str,
    channel: str,
    message: dict[str, Any],
    now: datetime,
) -> None:
    thread = _thread_of(session, team_id, channel, message)
    if thread is None or not _first(session, body, team_id, now):
        return
    save_reply(
        session=session,
        thread=thread,
        ts=str(message["ts"]),
        user_id=str(message["user"]),
        text=str(message.get("text") or ""),
        now=now,
    )
    log.info("check-in from %s for pilot %s on %s", message["user"], thread.pilot_id, thread.day)


def _edited(
    session: Session,
    body: dict[str, Any],
    team_id: str,
    channel: str,
    message: dict[str, Any],
    now: datetime,
) -> None:
    if _from_a_bot(message) or not message.get("ts"):
        return
    ts = str(message["ts"])
    stored = reply_at(session=session, team_id=team_id, channel_id=channel, ts=ts)
    if stored is not None:
        if _first(session, body, team_id, now):
            stored.text, stored.updated_at = str(message.get("text") or ""), now
            session.add(stored)
        return
    # An edit of a reply we never saw (its event was lost): store it now.
    _new_reply(session, body, team_id, channel, message, now)


def _deleted(
    session: Session, body: dict[str, Any], team_id: str, channel: str, ts: str, now: datetime
) -> None:
    if reply_at(session=session, team_id=team_id, channel_id=channel, ts=ts) is None:
        return
    if _first(session, body, team_id, now):
        delete_reply(session=session, team_id=team_id, channel_id=channel, ts=ts)


def _thread_of(
    session: Session, team_id: str, channel: str, message: dict[str, Any]
) -> CheckinThread | None:
    """The check-in thread a person's reply belongs to; None for anything else."""
    thread_ts, ts = message.get("thread_ts"), message.get("ts")
    if _from_a_bot(message) or not message.get("user") or not thread_ts or thread_ts == ts:
        return None  # a bot, or a top-level message (a thread's parent has ts == thread_ts)
    return checkin_thread(
        session=session, team_id=team_id, channel_id=channel, thread_ts=str(thread_ts)
    )


def _from_a_bot(message: dict[str, Any]) -> bool:
    return bool(message.get("bot_id")) or message.get("subtype") == "bot_message"


def _first(session: Session, body: dict[str, Any], team_id: str, now: datetime) -> bool:
    # Only events that change something are recorded, so the table stays small.
    event_id = body.get("event_id")
    if not event_id:
        return True
    if first_delivery(session=session, team_id=team_id, event_id=str(event_id), now=now):
        return True
    log.info("event %s was already handled: a retry from Slack, ignored", event_id)
    return False


# ----- Post status ---------------------------------------------------------------------------


@guarded
def open_status(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: dict[str, Any],
    respond: Respond,
) -> None:
    ack()
    # The modal is built from the button alone: views.open goes first, within the
    # trigger's 3 seconds; the pilot is checked when the form comes back.
    click = Click.of(body, context, str(action.get("value", "")))
    pilot_id, day = click.parts(2)
    # The check-in itself, or a reminder inside its thread: the thread is the check-in.
    view = status_modal(
        pilot_id=parse_id(pilot_id),
        day=_day(day),
        channel_id=click.channel_id,
        thread_ts=clicked_thread(body),
    )
    client.views_open(trigger_id=click.trigger_id, view=view)


@guarded
def post_status(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, context: dict[str, Any]
) -> None:
    metadata = metadata_of(view)
    click = Click.of(body, context, str(metadata.get("pilot", "")))
    values: dict[str, Any] = (view.get("state") or {}).get("values") or {}
    chosen = input_value(values, ids.CHECKIN_STATUS).get("selected_option") or {}
    status, note = str(chosen.get("value") or ""), multiline_value(values, ids.CHECKIN_NOTE)
    if status not in STATUSES:
        ack(response_action="errors", errors={ids.CHECKIN_STATUS: "Pick green, yellow or red."})
        return
    if status != "green" and not note:
        ack(response_action="errors", errors={ids.CHECKIN_NOTE: NOTE_NEEDED})
        return
    channel_id, thread_ts = str(metadata.get("channel", "")), str(metadata.get("thread", ""))
    now = click.services.clock.now()
    reply = status_posted(user_id=click.user_id, status=status, note=note)
    try:
        with click.services.work() as session:
            pilot_id, _ = click.parts(2)
            pilot = pilot_named(
                session=session, workspace=click.workspace, pilot_id=parse_id(pilot_id)
            )
            thread = checkin_thread(
                session=session,
                team_id=click.workspace.team_id,
                channel_id=channel_id,
                thread_ts=thread_ts,
            )
            if thread is None:
                raise Refusal("This check-in thread is not one the bot posted.")
            # The status counts from now; the thread shows it once Slack takes the post
            # (the bot's own post is not a reply to store, so it is kept under its own id).
            posted_as = f"status:{uuid.uuid4().hex[:16]}"
            save_reply(
                session=session,
                thread=thread,
                ts=posted_as,
                user_id=click.user_id,
                text=note,
                now=now,
                status=status,
            )
            owe(
                session=session,
                pilot=pilot,
                key=status_post_key(click.user_id, posted_as),
                kind=STATUS_POST_KIND,
                message=reply.message(),
                now=now,
                thread_ts=thread.ts,
            )
    except DomainError as error:
        ack(response_action="errors", errors={ids.CHECKIN_STATUS: error.message[:2000]})
        return
    ack()


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Refusal("This button is out of date; use the latest check-in.") from None


def register(app: App) -> None:
    app.event("message")(message_event)
    app.action(ids.CHECKIN_POST_STATUS)(open_status)
    app.view(ids.CHECKIN_STATUS_MODAL)(post_status)
