"""End of phase and end of pilot, from Slack: checklist ticks, Go / No-go, lessons learned
and the final recommendation (bot/features/phase_review.py and decisions.py do the work)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.blocks import ids
from bot.blocks.phase import note_saved
from bot.core.decisions import Decision
from bot.core.errors import DomainError
from bot.core.inputs import parse_id
from bot.features import decisions, phase_review
from bot.features.access import Named
from bot.features.change import MAX_REASON_LENGTH
from bot.features.phase_review import MAX_LESSONS
from handlers.answers import guarded, work
from handlers.clicks import (
    Click,
    Submission,
    on_button,
    on_submit,
    reason_problem,
    tell,
    tell_in_channel,
)
from storage.db import unit_of_work


@guarded
def tick(
    ack: Ack, body: dict[str, Any], action: dict[str, Any], context: dict[str, Any], respond: Any
) -> None:
    """A checkbox group changed: store its items as ticked now, and show them to everyone."""
    ack()
    click = Click.of(body, context, str(action.get("block_id", "")))
    pilot_id, name = ids.checklist_block(click.value)
    with work(click.services) as session:
        ticked = phase_review.tick(
            session=session,
            now=click.services.clock.now(),
            where=Named(click.workspace, pilot_id),
            name=name,
            group_prefix=ids.CHECKLIST_GROUP_PREFIX.get(str(action.get("action_id", "")), ""),
            ticked=[str(o.get("value")) for o in action.get("selected_options") or []],
            user_id=click.user_id,
        )
    if ticked.refused is not None:
        tell(respond, ticked.refused)


# ----- Go / No-go ---------------------------------------------------------------------------


@on_button
def go(click: Click, client: WebClient) -> str | None:
    pilot_id, phase = click.parts(2)
    with work(click.services) as session:
        done = decisions.go(
            session=session,
            now=click.services.clock.now(),
            where=Named(click.workspace, parse_id(pilot_id)),
            phase_value=phase,
            user_id=click.user_id,
        )
    return done.answer


@on_button
def no_go(click: Click, client: WebClient) -> str | None:
    """Open the No-go modal: the reason, and the extension the change request proposes."""
    pilot_id, phase = click.parts(2)
    with unit_of_work(click.services.engine) as session:
        form = decisions.no_go_form(
            session=session,
            now=click.services.clock.now(),
            where=Named(click.workspace, parse_id(pilot_id)),
            phase_value=phase,
            user_id=click.user_id,
        )
    if form.view is not None:
        client.views_open(trigger_id=click.trigger_id, view=form.view)
    return form.answer


@on_submit(field=ids.NO_GO_REASON)
def record_no_go(form: Submission, ack: Ack, client: WebClient) -> None:
    click = form.click
    reason = form.text(ids.NO_GO_REASON)
    if (problem := reason_problem(reason, MAX_REASON_LENGTH)) is not None:
        raise DomainError(problem, form_field=ids.NO_GO_REASON)
    with work(click.services) as session:
        decisions.no_go(
            session=session,
            now=click.services.clock.now(),
            where=Named(click.workspace, click.pilot_id()),
            phase_value=str(form.metadata.get("phase", "")),
            user_id=click.user_id,
            reason=reason,
            extra_weeks=form.text(ids.NO_GO_WEEKS),
            weeks_field=ids.NO_GO_WEEKS,
        )
    ack()


# ----- lessons learned ------------------------------------------------------------------------


@on_button
def add_lessons(click: Click, client: WebClient) -> None:
    pilot_id, phase = click.parts(2)
    reviewed = phase_review.reviewed_phase(phase)
    with unit_of_work(click.services.engine) as session:
        view = phase_review.lessons_form(
            session=session,
            where=Named(click.workspace, parse_id(pilot_id)),
            phase=reviewed,
            user_id=click.user_id,
        )
    client.views_open(trigger_id=click.trigger_id, view=view)


@on_submit(field=ids.LESSONS_TEXT)
def save_lessons(form: Submission, ack: Ack, client: WebClient) -> None:
    click = form.click
    text = form.lines(ids.LESSONS_TEXT)
    if not text:
        raise DomainError("Write at least one.")
    if len(text) > MAX_LESSONS:
        raise DomainError(f"Keep it under {MAX_LESSONS} characters.")
    with work(click.services) as session:
        saved = phase_review.save_lessons(
            session=session,
            now=click.services.clock.now(),
            where=Named(click.workspace, click.pilot_id()),
            phase_value=str(form.metadata.get("phase", "")),
            user_id=click.user_id,
            text=text,
        )
    ack()
    tell_in_channel(client, saved.channel_id, click.user_id, note_saved(saved.answer))


# ----- the final recommendation -------------------------------------------------------------


@on_button
def open_recommendation(click: Click, client: WebClient) -> str | None:
    with unit_of_work(click.services.engine) as session:
        form = decisions.recommendation_form(
            session=session, where=Named(click.workspace, click.pilot_id()), user_id=click.user_id
        )
    if form.view is not None:
        client.views_open(trigger_id=click.trigger_id, view=form.view)
    return form.answer


@on_submit(field=ids.RECOMMENDATION_RATIONALE)
def record_recommendation(form: Submission, ack: Ack, client: WebClient) -> None:
    click = form.click
    choice = form.choice(ids.RECOMMENDATION_CHOICE)
    rationale = form.text(ids.RECOMMENDATION_RATIONALE)
    errors = {}
    if choice not in (Decision.GO.value, Decision.NO_GO.value):
        errors[ids.RECOMMENDATION_CHOICE] = "Choose go or no-go."
    if not rationale:
        errors[ids.RECOMMENDATION_RATIONALE] = "Give the rationale (the log keeps it)."
    elif len(rationale) > MAX_REASON_LENGTH * 2:
        errors[ids.RECOMMENDATION_RATIONALE] = f"Keep it under {MAX_REASON_LENGTH * 2} characters."
    if errors:  # every field's problem at once, so one more try can fix them all
        ack(response_action="errors", errors=errors)
        return
    with work(click.services) as session:
        decisions.recommend(
            session=session,
            now=click.services.clock.now(),
            where=Named(click.workspace, click.pilot_id()),
            user_id=click.user_id,
            outcome=Decision(choice),
            rationale=rationale,
        )
    ack()


def register(app: App) -> None:
    for action_id in ids.CHECKLIST_GROUP_PREFIX:
        app.action(action_id)(tick)
    app.action(ids.PHASE_GO)(go)
    app.action(ids.PHASE_NO_GO)(no_go)
    for callback_id in ids.callback_ids(ids.NO_GO_MODAL):
        app.view(callback_id)(record_no_go)
    app.action(ids.LESSONS_ADD)(add_lessons)
    app.view(ids.LESSONS_MODAL)(save_lessons)
    app.action(ids.RECOMMENDATION_RECORD)(open_recommendation)
    app.view(ids.RECOMMENDATION_MODAL)(record_recommendation)
