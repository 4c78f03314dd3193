"""End of phase and end of pilot: checklist ticks, Go / No-go, lessons learned and the
final recommendation. Every decision lands in the change log with who, when and why."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlmodel import Session

from bot.blocks import Reply, ids
from bot.blocks.phase import (
    decided_line,
    final_evaluation_message,
    lessons_modal,
    no_go_modal,
    note_saved,
    phase_decided_notice,
    phase_review_message,
    recommendation_modal,
    recommendation_notice,
)
from bot.core.changes import propose_end
from bot.core.checklists import POST_PILOT, checklist
from bot.core.decisions import RECOMMENDATION, Decided, Decision
from bot.core.errors import DomainError
from bot.core.inputs import parse_id, parse_weeks
from bot.core.localtime import local_date
from bot.core.phases import Phase
from bot.core.plan import Plan
from bot.core.traffic import traffic
from handlers.change import MAX_REASON_LENGTH, open_change_request
from handlers.editing import Refusal
from handlers.reply import guarded
from handlers.reviewing import (
    Click,
    Submission,
    input_value,
    load_pilot,
    on_button,
    on_submit,
    reason_problem,
    require_decider,
    require_record_keeper,
    tell,
    tell_in_channel,
)
from schedules.reviews import (
    decided_of,
    deciders_of,
    final_evaluation_of,
    phase_review_of,
)
from storage.db import unit_of_work
from storage.models import Pilot, PilotDecision
from storage.outbox import UPDATE, message_for_key, owe
from storage.pilots import plan_of
from storage.reviews import LESSONS, add_note, ramp_hold, record_decision, tick_checklist
from storage.team import log_change

log = logging.getLogger(__name__)

MAX_LESSONS = 3000
_REVIEWED = (Phase.SETUP, Phase.SOFT_LAUNCH, Phase.EXPANDED)
_GROUP_PREFIX = {
    ids.CHECKLIST_DELIVERABLES: "d",
    ids.CHECKLIST_EXIT_CRITERIA: "e",
    ids.CHECKLIST_POST_PILOT: "p",
}


# ----- the review posts, rendered again after each answer ------------------------------------


def _post_key(name: str) -> str:
    return "final_evaluation" if name == POST_PILOT else f"phase_review:{name}"


def _rendered(session: Session, pilot: Pilot, plan: Plan, name: str, now: datetime) -> Reply:
    """The phase review (``name``: a phase) or final evaluation (``post_pilot``) as it
    stands: metrics as of its due time, ticks and decisions as they are now."""
    assert pilot.id is not None
    row = message_for_key(session=session, pilot_id=pilot.id, key=_post_key(name))
    at = row.due_at if row is not None else now
    if name == POST_PILOT:
        return final_evaluation_message(final_evaluation_of(session, pilot, plan, at))
    return phase_review_message(phase_review_of(session, pilot, plan, Phase(name), at))


def owe_review_rewrite(
    session: Session, pilot: Pilot, plan: Plan, name: str, now: datetime
) -> None:
    """The review post (``name``: a phase, or ``post_pilot``) rewritten as it stands now:
    once it is in Slack, and superseding any older rewrite still waiting."""
    reply = _rendered(session, pilot, plan, name, now)
    post_key = _post_key(name)
    owe(
        session=session,
        pilot=pilot,
        key=f"{post_key}:shown:{uuid.uuid4().hex[:12]}",
        kind="review_update",
        message=reply.message(),
        now=now,
        method=UPDATE,
        after_key=post_key,
    )


def _owe_notice(session: Session, pilot: Pilot, key: str, reply: Reply, now: datetime) -> None:
    """A decision told in the channel (each decision is recorded once, so is its notice)."""
    owe(
        session=session,
        pilot=pilot,
        key=key,
        kind="decision_notice",
        message=reply.message(),
        now=now,
    )


# ----- checklists -------------------------------------------------------------------------


@guarded
def tick(
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    context: dict[str, Any],
    respond: Respond,
) -> None:
    """A checkbox group changed: store its items as ticked now, and show them to everyone."""
    ack()
    click = Click.of(body, context, str(action.get("block_id", "")))
    parts = click.value.split(":")
    if len(parts) != 4 or parts[0] != "checklist":
        raise Refusal("This checklist is out of date; use the latest post in the channel.")
    pilot_id, name = parse_id(parts[1]), parts[2]
    try:
        items = checklist(name)
    except ValueError:
        raise Refusal("This checklist is out of date; use the latest post.") from None
    # A message has one checkbox group per part (deliverables, exit criteria, documents):
    # the action names the group, its selected options are the group's ticked items.
    prefix = _GROUP_PREFIX.get(str(action.get("action_id", "")), "")
    ticked = {str(o.get("value")) for o in action.get("selected_options") or []}
    group = [item.key for item in items if item.key.startswith(prefix)]
    now = click.services.clock.now()
    with click.services.work() as session:
        pilot = load_pilot(session, click, pilot_id)
        plan = plan_of(pilot)
        may = True
        try:
            require_record_keeper(session, pilot, click.user_id, "tick the checklist")
        except Refusal as refusal:
            may, answer = False, refusal
        if may:
            tick_checklist(
                session=session,
                pilot_id=pilot_id,
                checklist=name,
                items=group,
                checked=ticked,
                user_id=click.user_id,
                at=now,
            )
        # Everyone sees the ticks as stored (a refused tick is undone on screen).
        owe_review_rewrite(session, pilot, plan, name, now)
    if not may:
        raise answer


# ----- Go / No-go ---------------------------------------------------------------------------


def _already(decided: Decided, plan: Plan, what: str) -> str:
    return "Already decided. " + decided_line(decided, plan, what=what)


def _phase_of(value: str) -> Phase:
    try:
        phase = Phase(value)
    except ValueError:
        phase = None
    if phase not in _REVIEWED:
        raise Refusal("This button is out of date; use the latest post in the channel.")
    assert phase is not None
    return phase


def _next_name(phase: Phase) -> str:
    order = list(Phase)
    return order[order.index(phase) + 1].display_name


@on_button
def go(click: Click, client: WebClient, respond: Respond) -> None:
    pilot_id, phase_value = click.parts(2)
    phase = _phase_of(phase_value)
    what = f"go / no-go for {_next_name(phase)}"
    now = click.services.clock.now()
    with click.services.work() as session:
        pilot = load_pilot(session, click, parse_id(pilot_id))
        assert pilot.id is not None
        plan = plan_of(pilot)
        deciders = deciders_of(session, pilot.id)
        earlier = decided_of(session, pilot.id, phase.value)
        if earlier is not None:
            tell(respond, _already(earlier, plan, f"for {_next_name(phase)}"))
            return
        require_decider(deciders, click.user_id, what)
        review = phase_review_of(session, pilot, plan, phase, now)
        open_items = [i.label for i in review.items if i.key not in review.ticked]
        why = f"checklist {len(review.ticked)} of {len(review.items)} ticked"
        if open_items:
            why += " (open: " + "; ".join(open_items) + ")"
        if not record_decision(
            session=session,
            decision=PilotDecision(
                pilot_id=pilot.id,
                subject=phase.value,
                outcome=Decision.GO.value,
                reason=why,
                decided_by=click.user_id,
                role=deciders.role.value,
                decided_at=now,
            ),
        ):
            tell(respond, "Someone decided a moment ago; see the post.")
            return
        log_change(
            session=session,
            pilot_id=pilot.id,
            user_id=click.user_id,
            kind="decision",
            summary=(
                f"Go for {_next_name(phase)} at the end of {phase.display_name}, by"
                f" <@{click.user_id}> ({deciders.role_name})"
            ),
            reason=why,
            at=now,
        )
        decided = decided_of(session, pilot.id, phase.value)
        assert decided is not None
        owe_review_rewrite(session, pilot, plan, phase.value, now)
        notice = phase_decided_notice(plan, phase, decided)
        _owe_notice(session, pilot, f"decision:{phase.value}", notice, now)


@on_button
def no_go(click: Click, client: WebClient, respond: Respond) -> None:
    """Open the No-go modal: the reason, and the extension the change request proposes."""
    pilot_id, phase_value = click.parts(2)
    phase = _phase_of(phase_value)
    now = click.services.clock.now()
    with unit_of_work(click.services.engine) as session:
        pilot = load_pilot(session, click, parse_id(pilot_id))
        assert pilot.id is not None
        plan = plan_of(pilot)
        earlier = decided_of(session, pilot.id, phase.value)
        if earlier is not None:
            tell(respond, _already(earlier, plan, f"for {_next_name(phase)}"))
            return
        require_decider(
            deciders_of(session, pilot.id), click.user_id, f"go / no-go for {_next_name(phase)}"
        )
        view = no_go_modal(
            pilot_id=pilot.id,
            channel_id=pilot.channel_id,
            plan=plan,
            phase=phase,
            held_pct=_held_pct(session, pilot, plan, now),
        )
    client.views_open(trigger_id=click.trigger_id, view=view)


def _held_pct(session: Session, pilot: Pilot, plan: Plan, now: datetime) -> int:
    assert pilot.id is not None
    hold = ramp_hold(session=session, pilot_id=pilot.id, as_of=now)
    return hold.pct if hold is not None else traffic(plan, now, [], None).planned


@on_submit
def record_no_go(form: Submission, ack: Ack, client: WebClient) -> None:
    click, metadata = form.click, form.metadata
    reason = form.text(ids.NO_GO_REASON)
    if (problem := reason_problem(reason, MAX_REASON_LENGTH)) is not None:
        ack(response_action="errors", errors={ids.NO_GO_REASON: problem})
        return
    now = click.services.clock.now()
    with click.services.work() as session:
        try:
            pilot = load_pilot(session, click, parse_id(click.parts(1)[0]))
            assert pilot.id is not None
            phase = _phase_of(str(metadata.get("phase", "")))
            plan = plan_of(pilot)
            if decided_of(session, pilot.id, phase.value) is not None:
                raise Refusal("Someone decided meanwhile; see the review post.")
            deciders = deciders_of(session, pilot.id)
            require_decider(deciders, click.user_id, f"go / no-go for {_next_name(phase)}")
        except DomainError as error:
            ack(response_action="errors", errors={ids.NO_GO_REASON: error.message[:2000]})
            return
        try:
            extra = parse_weeks(form.text(ids.NO_GO_WEEKS))
            proposal = propose_end(
                plan, end=None, weeks=plan.weeks + extra, today=local_date(now, plan.zone)
            )
        except DomainError as error:
            ack(response_action="errors", errors={ids.NO_GO_WEEKS: error.message[:2000]})
            return
        held = _held_pct(session, pilot, plan, now)
        opened = open_change_request(
            session,
            pilot=pilot,
            proposal=proposal,
            reason=f"No-go at the end of {phase.display_name}: {reason}",
            user_id=click.user_id,
            now=now,
        )
        assert opened is not None  # the decider holds the deciding role
        record_decision(
            session=session,
            decision=PilotDecision(
                pilot_id=pilot.id,
                subject=phase.value,
                outcome=Decision.NO_GO.value,
                reason=reason,
                decided_by=click.user_id,
                role=deciders.role.value,
                decided_at=now,
                held_pct=held,
                change_request_id=opened.view.change_id,
            ),
        )
        log_change(
            session=session,
            pilot_id=pilot.id,
            user_id=click.user_id,
            kind="decision",
            summary=(
                f"No-go for {_next_name(phase)} at the end of {phase.display_name}, by"
                f" <@{click.user_id}> ({deciders.role_name}). The ramp holds at {held}% until"
                f" a change is approved; {opened.view.ref} proposes {proposal.summary}."
            ),
            reason=reason,
            at=now,
        )
        decided = decided_of(session, pilot.id, phase.value)
        assert decided is not None
        owe_review_rewrite(session, pilot, plan, phase.value, now)
        notice = phase_decided_notice(plan, phase, decided)
        _owe_notice(session, pilot, f"decision:{phase.value}", notice, now)
    ack()


# ----- lessons learned ------------------------------------------------------------------------


@on_button
def add_lessons(click: Click, client: WebClient, respond: Respond) -> None:
    pilot_id, phase_value = click.parts(2)
    phase = _phase_of(phase_value)
    with unit_of_work(click.services.engine) as session:
        pilot = load_pilot(session, click, parse_id(pilot_id))
        require_record_keeper(session, pilot, click.user_id, "record lessons learned")
        view = lessons_modal(pilot_id=parse_id(pilot_id), plan=plan_of(pilot), phase=phase)
    client.views_open(trigger_id=click.trigger_id, view=view)


@on_submit
def save_lessons(form: Submission, ack: Ack, client: WebClient) -> None:
    click, metadata = form.click, form.metadata
    text = form.lines(ids.LESSONS_TEXT)
    if not text or len(text) > MAX_LESSONS:
        problem = "Write at least one." if not text else f"Keep it under {MAX_LESSONS} characters."
        ack(response_action="errors", errors={ids.LESSONS_TEXT: problem})
        return
    now = click.services.clock.now()
    with click.services.work() as session:
        try:
            pilot = load_pilot(session, click, parse_id(click.parts(1)[0]))
            require_record_keeper(session, pilot, click.user_id, "record lessons learned")
            phase = _phase_of(str(metadata.get("phase", "")))
        except DomainError as error:
            ack(response_action="errors", errors={ids.LESSONS_TEXT: error.message[:2000]})
            return
        assert pilot.id is not None
        add_note(
            session=session,
            pilot_id=pilot.id,
            kind=LESSONS,
            period=phase.value,
            text=text,
            user_id=click.user_id,
            at=now,
        )
        owe_review_rewrite(session, pilot, plan_of(pilot), phase.value, now)
        channel_id = pilot.channel_id
    ack()
    saved = (
        f"Saved your lessons learned for {phase.display_name}; the final evaluation counts them."
    )
    tell_in_channel(client, channel_id, click.user_id, note_saved(saved))


# ----- the final recommendation -------------------------------------------------------------


@on_button
def open_recommendation(click: Click, client: WebClient, respond: Respond) -> None:
    (pilot_id,) = click.parts(1)
    with unit_of_work(click.services.engine) as session:
        pilot = load_pilot(session, click, parse_id(pilot_id))
        assert pilot.id is not None
        plan = plan_of(pilot)
        earlier = decided_of(session, pilot.id, RECOMMENDATION)
        if earlier is not None:
            tell(respond, _already(earlier, plan, "recommended"))
            return
        require_decider(deciders_of(session, pilot.id), click.user_id, "the recommendation")
        view = recommendation_modal(pilot_id=pilot.id, plan=plan)
    client.views_open(trigger_id=click.trigger_id, view=view)


@on_submit
def record_recommendation(form: Submission, ack: Ack, client: WebClient) -> None:
    click = form.click
    choice = input_value(form.values, ids.RECOMMENDATION_CHOICE).get("selected_option") or {}
    rationale = form.text(ids.RECOMMENDATION_RATIONALE)
    errors = {}
    if choice.get("value") not in (Decision.GO.value, Decision.NO_GO.value):
        errors[ids.RECOMMENDATION_CHOICE] = "Choose go or no-go."
    if not rationale:
        errors[ids.RECOMMENDATION_RATIONALE] = "Give the rationale (the log keeps it)."
    elif len(rationale) > MAX_REASON_LENGTH * 2:
        errors[ids.RECOMMENDATION_RATIONALE] = f"Keep it under {MAX_REASON_LENGTH * 2} characters."
    if errors:
        ack(response_action="errors", errors=errors)
        return
    outcome = Decision(str(choice["value"]))
    now = click.services.clock.now()
    with click.services.work() as session:
        try:
            pilot = load_pilot(session, click, parse_id(click.parts(1)[0]))
            assert pilot.id is not None
            deciders = deciders_of(session, pilot.id)
            require_decider(deciders, click.user_id, "the recommendation")
            if decided_of(session, pilot.id, RECOMMENDATION) is not None:
                raise Refusal("A recommendation was recorded meanwhile; see the channel.")
        except DomainError as error:
            ack(
                response_action="errors",
                errors={ids.RECOMMENDATION_RATIONALE: error.message[:2000]},
            )
            return
        record_decision(
            session=session,
            decision=PilotDecision(
                pilot_id=pilot.id,
                subject=RECOMMENDATION,
                outcome=outcome.value,
                reason=rationale,
                decided_by=click.user_id,
                role=deciders.role.value,
                decided_at=now,
            ),
        )
        log_change(
            session=session,
            pilot_id=pilot.id,
            user_id=click.user_id,
            kind="decision",
            summary=(
                f"Recommendation: {outcome.label} for the full rollout, by <@{click.user_id}>"
                f" ({deciders.role_name})"
            ),
            reason=rationale,
            at=now,
        )
        plan = plan_of(pilot)
        decided = decided_of(session, pilot.id, RECOMMENDATION)
        assert decided is not None
        owe_review_rewrite(session, pilot, plan, POST_PILOT, now)
        notice = recommendation_notice(plan, decided)
        _owe_notice(session, pilot, f"decision:{RECOMMENDATION}", notice, now)
    ack()


def register(app: App) -> None:
    for action_id in (
        ids.CHECKLIST_DELIVERABLES,
        ids.CHECKLIST_EXIT_CRITERIA,
        ids.CHECKLIST_POST_PILOT,
    ):
        app.action(action_id)(tick)
    app.action(ids.PHASE_GO)(go)
    app.action(ids.PHASE_NO_GO)(no_go)
    app.view(ids.NO_GO_MODAL)(record_no_go)
    app.action(ids.LESSONS_ADD)(add_lessons)
    app.view(ids.LESSONS_MODAL)(save_lessons)
    app.action(ids.RECOMMENDATION_RECORD)(open_recommendation)
    app.view(ids.RECOMMENDATION_MODAL)(record_recommendation)
