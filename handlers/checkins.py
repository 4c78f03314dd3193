"""Check-ins: replies in the daily thread, and the thread's Post status button
(bot/features/checkins.py does the work).

Each reply in a check-in thread is that person's check-in for the day. One
listener for every ``message`` event (Bolt runs the first listener that
matches, so there is one): a reply in a check-in thread is stored, an edit
updates it, a deletion removes it. The bot's own posts, other bots, top-level
messages, other threads and other channels change nothing. A retried delivery
of the same event (``X-Slack-Retry-Num``, same ``event_id``) is acted on once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.blocks import ids
from bot.blocks.checkin import NOTE_NEEDED, STATUSES, status_modal
from bot.core.errors import DomainError, Refusal
from bot.core.inputs import parse_id
from bot.features import checkins
from bot.features.access import Named
from handlers.answers import guarded, work
from handlers.clicks import Click, Submission, on_button, on_submit
from handlers.flags import flag_from_reply
from storage.db import unit_of_work

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
    event_id = body.get("event_id")
    delivery = checkins.Delivery(team_id, channel, str(event_id) if event_id else None)
    now = services.clock.now()
    # Nobody waits for an answer to an event, so nothing needs the listener's answer path.
    with unit_of_work(services.engine) as session:
        if subtype in _NEW_MESSAGE:
            checkins.new_reply(
                session=session, now=now, delivery=delivery, message=_person_message(event)
            )
        elif subtype == "message_changed":
            checkins.edited(
                session=session,
                now=now,
                delivery=delivery,
                message=_person_message(event.get("message") or {}),
            )
        elif subtype == "message_deleted":
            ts = str(event.get("deleted_ts", ""))
            checkins.deleted(session=session, now=now, delivery=delivery, ts=ts)
    if subtype in _NEW_MESSAGE:
        # A reply that starts with flag: (or the flag emoji) also raises an issue flag.
        flag_from_reply(client, services, team_id, channel, event)


def _person_message(message: dict[str, Any]) -> checkins.PersonMessage:
    return checkins.PersonMessage(
        ts=str(message.get("ts") or ""),
        thread_ts=str(message.get("thread_ts") or ""),
        user_id=str(message.get("user") or ""),
        text=str(message.get("text") or ""),
        from_bot=bool(message.get("bot_id")) or message.get("subtype") == "bot_message",
    )


# ----- Post status ---------------------------------------------------------------------------


@on_button
def open_status(click: Click, client: WebClient) -> None:
    # The modal is built from the button alone: views.open goes first, within the
    # trigger's 3 seconds; the pilot is checked when the form comes back.
    pilot_id, day = click.parts(2)
    # The check-in itself, or a reminder inside its thread: the thread is the check-in.
    view = status_modal(
        pilot_id=parse_id(pilot_id),
        day=_day(day),
        channel_id=click.channel_id,
        thread_ts=click.thread_ts,
    )
    client.views_open(trigger_id=click.trigger_id, view=view)


@on_submit(field=ids.CHECKIN_STATUS)
def post_status(form: Submission, ack: Ack, client: WebClient) -> None:
    click, metadata = form.click, form.metadata
    status, note = form.choice(ids.CHECKIN_STATUS), form.lines(ids.CHECKIN_NOTE)
    if status not in STATUSES:
        raise DomainError("Pick green, yellow or red.", form_field=ids.CHECKIN_STATUS)
    if status != "green" and not note:
        raise DomainError(NOTE_NEEDED, form_field=ids.CHECKIN_NOTE)
    with work(click.services) as session:
        checkins.post_status(
            session=session,
            now=click.services.clock.now(),
            where=Named(click.workspace, click.pilot_id(2)),
            user_id=click.user_id,
            channel_id=str(metadata.get("channel", "")),
            thread_ts=str(metadata.get("thread", "")),
            status=status,
            note=note,
        )
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
