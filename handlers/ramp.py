"""The ramp announcement's buttons: Applied (confirmed in production) and Hold (a change
request for the ramp, through the change process, pre-filled with the step put off)."""

from __future__ import annotations

import logging

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks import ids
from bot.blocks.change import no_decider_reply, requested_reply
from bot.blocks.ramp import hold_modal, ramp_change_message
from bot.blocks.review import local_when
from bot.core.changes import propose_ramp
from bot.core.errors import DomainError
from bot.core.inputs import parse_id
from bot.core.lifecycle import PilotState
from bot.core.localtime import local_date
from bot.core.traffic import Confirmation, held_ramp, ramp_step
from handlers.change import MAX_REASON_LENGTH, open_change_request
from handlers.editing import Refusal, require_editor
from handlers.reviewing import (
    Click,
    Submission,
    load_pilot,
    on_button,
    on_submit,
    reason_problem,
    require_record_keeper,
    tell,
    tell_in_channel,
)
from storage.db import unit_of_work
from storage.pilots import plan_of
from storage.reviews import confirm_ramp, confirmation_of
from storage.team import log_change

log = logging.getLogger(__name__)


@on_button
def applied(click: Click, client: WebClient, respond: Respond) -> None:
    """Record who confirmed the step in production, and when; the post says so."""
    pilot_id, week_text, pct_text = click.parts(3)
    week, pct = parse_id(week_text), parse_id(pct_text)
    now = click.services.clock.now()
    with click.services.work() as session:
        pilot = load_pilot(session, click, parse_id(pilot_id))
        require_record_keeper(session, pilot, click.user_id, "confirm a ramp step")
        assert pilot.id is not None
        plan = plan_of(pilot)
        if not confirm_ramp(
            session=session,
            pilot_id=pilot.id,
            week=week,
            pct=pct,
            user_id=click.user_id,
            at=now,
        ):
            first = confirmation_of(session=session, pilot_id=pilot.id, week=week)
            assert first is not None
            tell(
                respond,
                f"Week {week}'s step to {first.pct}% was already confirmed by"
                f" <@{first.confirmed_by}> at {local_when(first.confirmed_at, plan)}.",
            )
            return
        log_change(
            session=session,
            pilot_id=pilot.id,
            user_id=click.user_id,
            kind="ramp",
            summary=f"Week {week}: traffic at {pct}% confirmed applied in production",
            at=now,
        )
        step = ramp_step(plan, week)
        if step is not None:  # the post shows who confirmed it, and drops Applied
            confirmed = Confirmation(week=week, pct=pct, by=click.user_id, at=now)
            reply = ramp_change_message(
                plan, step, pilot_id=parse_id(pilot_id), confirmed=confirmed
            )
            click.owe_update(session, pilot, reply, kind="ramp_applied", now=now)
    if step is None:  # the plan changed since: say it plainly, without the buttons
        tell(respond, f"Recorded: week {week} runs at {pct}% in production.")


@on_button
def hold(click: Click, client: WebClient, respond: Respond) -> None:
    """Open the change request for the ramp, pre-filled with the step put off a week."""
    pilot_id, week_text = click.parts(2)
    with unit_of_work(click.services.engine) as session:
        pilot = load_pilot(session, click, parse_id(pilot_id))
        require_editor(session, pilot, click.user_id, "hold the ramp")
        if pilot.state == PilotState.ENDED:
            raise Refusal("This pilot has ended; its ramp no longer changes.")
        plan = plan_of(pilot)
        step = ramp_step(plan, parse_id(week_text))
        if step is None:
            raise Refusal(f"The plan has no ramp step in week {week_text} any more.")
        view = hold_modal(
            pilot_id=parse_id(pilot_id),
            channel_id=pilot.channel_id,
            plan=plan,
            step=step,
            proposal=held_ramp(plan, step.week),
        )
    client.views_open(trigger_id=click.trigger_id, view=view)


@on_submit
def request_hold(form: Submission, ack: Ack, client: WebClient) -> None:
    click = form.click
    ramp_text = form.text(ids.RAMP_HOLD_RAMP)
    reason = form.text(ids.RAMP_HOLD_REASON)
    if (problem := reason_problem(reason, MAX_REASON_LENGTH)) is not None:
        ack(response_action="errors", errors={ids.RAMP_HOLD_REASON: problem})
        return
    now = click.services.clock.now()
    with click.services.work() as session:
        try:
            pilot = load_pilot(session, click, parse_id(click.parts(1)[0]))
            require_editor(session, pilot, click.user_id, "hold the ramp")
            plan = plan_of(pilot)
            proposal = propose_ramp(plan, ramp_text, today=local_date(now, plan.zone))
        except DomainError as error:
            ack(response_action="errors", errors={ids.RAMP_HOLD_RAMP: error.message[:2000]})
            return
        opened = open_change_request(
            session,
            pilot=pilot,
            proposal=proposal,
            reason=f"Hold on week {form.metadata.get('week')}'s ramp step: {reason}",
            user_id=click.user_id,
            now=now,
        )
        if opened is None:
            ack(response_action="errors", errors={ids.RAMP_HOLD_REASON: no_decider_reply().text})
            return
        channel_id = pilot.channel_id
    ack()
    confirmation = requested_reply(opened.view, opened.deciders, opened.role_name)
    tell_in_channel(client, channel_id, click.user_id, confirmation)


def register(app: App) -> None:
    app.action(ids.RAMP_APPLIED)(applied)
    app.action(ids.RAMP_HOLD)(hold)
    app.view(ids.RAMP_HOLD_MODAL)(request_hold)
