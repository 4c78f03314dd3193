"""The ramp announcement's buttons: Applied and Hold (bot/features/ramp.py does the work)."""

from __future__ import annotations

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.blocks import ids
from bot.blocks.change import no_decider_reply, requested_reply
from bot.core.errors import DomainError
from bot.core.inputs import parse_id
from bot.features import ramp
from bot.features.access import Named
from bot.features.change import MAX_REASON_LENGTH
from handlers.answers import work
from handlers.clicks import Click, Submission, on_button, on_submit, reason_problem, tell_in_channel
from storage.db import unit_of_work


@on_button
def applied(click: Click, client: WebClient) -> str | None:
    """Record who confirmed the step in production, and when; the post says so."""
    pilot_id, week, pct = (parse_id(part) for part in click.parts(3))
    with work(click.services) as session:
        done = ramp.confirm_applied(
            session=session,
            now=click.services.clock.now(),
            where=Named(click.workspace, pilot_id),
            week=week,
            pct=pct,
            user_id=click.user_id,
            clicked=click.clicked,
        )
    return done.answer


@on_button
def hold(click: Click, client: WebClient) -> None:
    """Open the change request for the ramp, pre-filled with the step put off a week."""
    pilot_id, week = click.parts(2)
    with unit_of_work(click.services.engine) as session:
        view = ramp.hold_form(
            session=session,
            where=Named(click.workspace, parse_id(pilot_id)),
            week=parse_id(week),
            user_id=click.user_id,
        )
    client.views_open(trigger_id=click.trigger_id, view=view)


@on_submit(field=ids.RAMP_HOLD_RAMP)
def request_hold(form: Submission, ack: Ack, client: WebClient) -> None:
    click = form.click
    reason = form.text(ids.RAMP_HOLD_REASON)
    if (problem := reason_problem(reason, MAX_REASON_LENGTH)) is not None:
        raise DomainError(problem, form_field=ids.RAMP_HOLD_REASON)
    with work(click.services) as session:
        held = ramp.request_hold(
            session=session,
            now=click.services.clock.now(),
            where=Named(click.workspace, click.pilot_id()),
            user_id=click.user_id,
            ramp=form.text(ids.RAMP_HOLD_RAMP),
            reason=f"Hold on week {form.metadata.get('week')}'s ramp step: {reason}",
            ramp_field=ids.RAMP_HOLD_RAMP,
        )
    if held.opened is None:
        raise DomainError(no_decider_reply().text, form_field=ids.RAMP_HOLD_REASON)
    ack()
    confirmation = requested_reply(held.opened.view, held.opened.deciders, held.opened.role_name)
    tell_in_channel(client, held.channel_id, click.user_id, confirmation)


def register(app: App) -> None:
    app.action(ids.RAMP_APPLIED)(applied)
    app.action(ids.RAMP_HOLD)(hold)
    for callback_id in ids.callback_ids(ids.RAMP_HOLD_MODAL):
        app.view(callback_id)(request_hold)
