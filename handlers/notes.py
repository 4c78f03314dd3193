"""Meeting notes: **Add notes** on a weekly or phase review opens a form; `/pilot notes
<text>` adds notes to the latest review (bot/features/notes.py does the work)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.blocks import Reply, ids
from bot.blocks.docs import notes_saved
from bot.features import notes
from bot.features.access import Named
from handlers.answers import work
from handlers.clicks import Click, Submission, on_button, on_submit, tell_in_channel
from storage.db import unit_of_work

if TYPE_CHECKING:
    from handlers.commands import CommandRequest


def notes_command(request: CommandRequest) -> Reply | None:
    text = "\n".join(line.rstrip() for line in request.parsed.rest.strip().splitlines())
    notes.check_notes(text)
    with work(request.services) as session:
        kept = notes.add_to_latest(
            session=session,
            now=request.services.clock.now(),
            where=request.where,
            user_id=request.user_id,
            text=text,
        )
    return notes_saved(kept.label)


@on_button
def open_notes(click: Click, client: WebClient) -> None:
    """Add notes, on a weekly or phase review: the form, for the review it was pressed on."""
    with unit_of_work(click.services.engine) as session:
        view = notes.notes_form(
            session=session,
            where=Named(click.workspace, click.pilot_id()),
            user_id=click.user_id,
            channel_id=click.channel_id,
            message_ts=click.message_ts,
        )
    client.views_open(trigger_id=click.trigger_id, view=view)


@on_submit(field=ids.NOTES_TEXT)
def save_notes(form: Submission, ack: Ack, client: WebClient) -> None:
    click = form.click
    text = form.lines(ids.NOTES_TEXT)
    notes.check_notes(text)
    with work(click.services) as session:
        kept = notes.add_to_review(
            session=session,
            now=click.services.clock.now(),
            where=Named(click.workspace, click.pilot_id()),
            user_id=click.user_id,
            review_key=str(form.metadata.get("review") or ""),
            text=text,
        )
    ack()
    tell_in_channel(client, kept.channel_id, click.user_id, notes_saved(kept.label))


def register(app: App) -> None:
    app.action(ids.NOTES_ADD)(open_notes)
    app.view(ids.NOTES_MODAL)(save_notes)
