"""Meeting notes (framework, Documentation Requirements: "Meeting notes"): **Add notes** on a
weekly or phase review opens a form; `/pilot notes <text>` adds notes to the latest review.
Notes are kept with who and when, posted in that review's thread (through delivery), and
the weekly and final reports include them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlmodel import Session

from bot.blocks import Reply, ids
from bot.blocks.docs import MAX_NOTES, notes_in_thread, notes_modal, notes_saved
from bot.core import commands as catalog
from bot.core.documentation import NOTED_KINDS, review_label
from bot.core.errors import DomainError
from bot.core.inputs import parse_id
from handlers.editing import Refusal, answers_with_usage, channel_pilot
from handlers.reviewing import (
    Click,
    Submission,
    load_pilot,
    modal_pilot,
    on_button,
    on_submit,
    require_record_keeper,
    tell_in_channel,
)
from storage.db import unit_of_work
from storage.documentation import add_meeting_note, latest_review_post, review_post_at
from storage.models import OutboxMessage, Pilot
from storage.outbox import message_for_key, owe
from storage.pilots import plan_of

if TYPE_CHECKING:
    from handlers.commands import CommandRequest

THREAD_KIND = "meeting_notes"
_ACTION = "add meeting notes"


def _too_long(text: str) -> str | None:
    if not text:
        return "Write the notes."
    if len(text) > MAX_NOTES:
        return f"Keep the notes under {MAX_NOTES} characters."
    return None


def _keep(
    session: Session, pilot: Pilot, review: OutboxMessage, text: str, user_id: str, now: datetime
) -> str:
    """Store the notes with ``review`` and owe them in its thread; returns the review's name."""
    assert pilot.id is not None
    note = add_meeting_note(
        session=session,
        pilot_id=pilot.id,
        review_key=review.key,
        text=text,
        user_id=user_id,
        at=now,
    )
    label = review_label(review.key)
    owe(
        session=session,
        pilot=pilot,
        key=f"notes:{note.id}",
        kind=THREAD_KIND,
        message=notes_in_thread(label, user_id, text).message(),
        now=now,
        after_key=review.key,  # in the review's thread, once the review is in Slack
    )
    return label


@answers_with_usage(catalog.NOTES)
def notes_command(request: CommandRequest) -> Reply | None:
    text = "\n".join(line.rstrip() for line in request.parsed.rest.strip().splitlines())
    if (problem := _too_long(text)) is not None:
        raise DomainError(problem)
    now = request.services.clock.now()
    with request.services.work() as session:
        pilot = channel_pilot(session, request)
        assert pilot.id is not None
        require_record_keeper(session, pilot, request.user_id, _ACTION)
        review = latest_review_post(session=session, pilot_id=pilot.id, kinds=NOTED_KINDS)
        if review is None:
            raise Refusal(
                "No weekly or phase review has been posted yet, and notes go with a review:"
                " `/pilot review` posts the weekly review now."
            )
        label = _keep(session, pilot, review, text, request.user_id, now)
    return notes_saved(label)


@on_button
def open_notes(click: Click, client: WebClient, respond: Respond) -> None:
    """Add notes, on a weekly or phase review: the form, for the review it was pressed on."""
    (pilot_id,) = click.parts(1)
    with unit_of_work(click.services.engine) as session:
        pilot = load_pilot(session, click, parse_id(pilot_id))
        assert pilot.id is not None
        require_record_keeper(session, pilot, click.user_id, _ACTION)
        review = review_post_at(
            session=session,
            pilot_id=pilot.id,
            channel_id=click.channel_id,
            ts=click.message_ts,
            kinds=NOTED_KINDS,
        )
        if review is None:
            raise Refusal("This review is not one the bot knows; use `/pilot notes <text>`.")
        view = notes_modal(
            pilot_id=pilot.id,
            review_key=review.key,
            plan=plan_of(pilot),
            review=review_label(review.key),
        )
    client.views_open(trigger_id=click.trigger_id, view=view)


@on_submit
def save_notes(form: Submission, ack: Ack, client: WebClient) -> None:
    click = form.click
    text = form.lines(ids.NOTES_TEXT)
    if (problem := _too_long(text)) is not None:
        ack(response_action="errors", errors={ids.NOTES_TEXT: problem})
        return
    now = click.services.clock.now()
    with click.services.work() as session:
        pilot = modal_pilot(session, click, ack, _ACTION, ids.NOTES_TEXT)
        if pilot is None:
            return
        assert pilot.id is not None
        review = message_for_key(
            session=session, pilot_id=pilot.id, key=str(form.metadata.get("review") or "")
        )
        if review is None or review.kind not in NOTED_KINDS:
            ack(response_action="errors", errors={ids.NOTES_TEXT: "That review is gone."})
            return
        label = _keep(session, pilot, review, text, click.user_id, now)
        channel_id = pilot.channel_id
    ack()
    tell_in_channel(client, channel_id, click.user_id, notes_saved(label))


def register(app: App) -> None:
    app.action(ids.NOTES_ADD)(open_notes)
    app.view(ids.NOTES_MODAL)(save_notes)
