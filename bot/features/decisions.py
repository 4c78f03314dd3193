"""The decision maker's decisions at the end of a phase (Go / No-go) and at the end of the
pilot (the recommendation). Each is recorded once, lands in the change log with who, when
and why, rewrites the review post and is told in the channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.blocks import Reply
from bot.blocks.phase import (
    decided_line,
    no_go_modal,
    phase_decided_notice,
    recommendation_modal,
    recommendation_notice,
)
from bot.core.changes import propose_end
from bot.core.checklists import POST_PILOT
from bot.core.decisions import RECOMMENDATION, Decided, Decision
from bot.core.errors import DomainError, Refusal
from bot.core.inputs import parse_weeks
from bot.core.localtime import local_date
from bot.core.phases import Phase
from bot.core.plan import Plan
from bot.core.traffic import traffic
from bot.features.access import Named, pilot_at, require_decider
from bot.features.change import open_change_request
from bot.features.phase_review import owe_review_rewrite, reviewed_phase
from schedules.reviews import decided_of, deciders_of, phase_review_of
from storage.db import Session
from storage.decisions import ramp_hold, record_decision
from storage.models import Pilot, PilotDecision
from storage.outbox import owe
from storage.pilots import plan_of
from storage.team import log_change


@dataclass(frozen=True)
class Outcome:
    """A decision button or form: ``answer`` tells the decider why nothing was recorded
    (None: recorded, and the post and the channel will say so)."""

    answer: str | None = None


@dataclass(frozen=True)
class Form:
    """A decision's form to open, or why it does not open (``answer``)."""

    view: dict[str, Any] | None = None
    answer: str | None = None


def next_phase_name(phase: Phase) -> str:
    order = list(Phase)
    return order[order.index(phase) + 1].display_name


def _already(decided: Decided, plan: Plan, what: str) -> str:
    return "Already decided. " + decided_line(decided, plan, what=what)


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


def _held_pct(session: Session, pilot: Pilot, plan: Plan, now: datetime) -> int:
    assert pilot.id is not None
    hold = ramp_hold(session=session, pilot_id=pilot.id, as_of=now)
    return hold.pct if hold is not None else traffic(plan, now, [], None).planned


def _told(session: Session, pilot: Pilot, plan: Plan, phase: Phase, now: datetime) -> None:
    """A phase decision recorded: the review post rewritten, and the channel told."""
    assert pilot.id is not None
    decided = decided_of(session, pilot.id, phase.value)
    assert decided is not None
    owe_review_rewrite(session=session, pilot=pilot, plan=plan, name=phase.value, now=now)
    notice = phase_decided_notice(plan, phase, decided)
    _owe_notice(session, pilot, f"decision:{phase.value}", notice, now)


# ----- Go / No-go ---------------------------------------------------------------------------


def go(*, session: Session, now: datetime, where: Named, phase_value: str, user_id: str) -> Outcome:
    """Go for the next phase, with the checklist as it stands as the reason."""
    phase = reviewed_phase(phase_value)
    pilot = pilot_at(session=session, where=where)
    assert pilot.id is not None
    plan = plan_of(pilot)
    deciders = deciders_of(session, pilot.id)
    earlier = decided_of(session, pilot.id, phase.value)
    if earlier is not None:
        return Outcome(_already(earlier, plan, f"for {next_phase_name(phase)}"))
    require_decider(deciders, user_id, f"go / no-go for {next_phase_name(phase)}")
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
            decided_by=user_id,
            role=deciders.role.value,
            decided_at=now,
        ),
    ):
        return Outcome("Someone decided a moment ago; see the post.")
    log_change(
        session=session,
        pilot_id=pilot.id,
        user_id=user_id,
        kind="decision",
        summary=(
            f"Go for {next_phase_name(phase)} at the end of {phase.display_name}, by"
            f" <@{user_id}> ({deciders.role_name})"
        ),
        reason=why,
        at=now,
    )
    _told(session, pilot, plan, phase, now)
    return Outcome()


def no_go_form(
    *, session: Session, now: datetime, where: Named, phase_value: str, user_id: str
) -> Form:
    """The No-go form: the reason, and the extension the change request proposes."""
    phase = reviewed_phase(phase_value)
    pilot = pilot_at(session=session, where=where)
    assert pilot.id is not None
    plan = plan_of(pilot)
    earlier = decided_of(session, pilot.id, phase.value)
    if earlier is not None:
        return Form(answer=_already(earlier, plan, f"for {next_phase_name(phase)}"))
    require_decider(
        deciders_of(session, pilot.id), user_id, f"go / no-go for {next_phase_name(phase)}"
    )
    return Form(
        view=no_go_modal(
            pilot_id=pilot.id,
            channel_id=pilot.channel_id,
            plan=plan,
            phase=phase,
            held_pct=_held_pct(session, pilot, plan, now),
        )
    )


def no_go(
    *,
    session: Session,
    now: datetime,
    where: Named,
    phase_value: str,
    user_id: str,
    reason: str,
    extra_weeks: str,
    weeks_field: str,
) -> None:
    """No-go: the ramp holds where it is, and a change request proposes the extension."""
    pilot = pilot_at(session=session, where=where)
    assert pilot.id is not None
    phase = reviewed_phase(phase_value)
    plan = plan_of(pilot)
    if decided_of(session, pilot.id, phase.value) is not None:
        raise Refusal("Someone decided meanwhile; see the review post.")
    deciders = deciders_of(session, pilot.id)
    require_decider(deciders, user_id, f"go / no-go for {next_phase_name(phase)}")
    try:
        extra = parse_weeks(extra_weeks)
        proposal = propose_end(
            plan, end=None, weeks=plan.weeks + extra, today=local_date(now, plan.zone)
        )
    except DomainError as error:  # about the weeks typed: shown on their field
        raise DomainError(error.message, form_field=weeks_field) from None
    held = _held_pct(session, pilot, plan, now)
    opened = open_change_request(
        session=session,
        pilot=pilot,
        proposal=proposal,
        reason=f"No-go at the end of {phase.display_name}: {reason}",
        user_id=user_id,
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
            decided_by=user_id,
            role=deciders.role.value,
            decided_at=now,
            held_pct=held,
            change_request_id=opened.view.change_id,
        ),
    )
    log_change(
        session=session,
        pilot_id=pilot.id,
        user_id=user_id,
        kind="decision",
        summary=(
            f"No-go for {next_phase_name(phase)} at the end of {phase.display_name}, by"
            f" <@{user_id}> ({deciders.role_name}). The ramp holds at {held}% until"
            f" a change is approved; {opened.view.ref} proposes {proposal.summary}."
        ),
        reason=reason,
        at=now,
    )
    _told(session, pilot, plan, phase, now)


# ----- the final recommendation -------------------------------------------------------------


def recommendation_form(*, session: Session, where: Named, user_id: str) -> Form:
    pilot = pilot_at(session=session, where=where)
    assert pilot.id is not None
    plan = plan_of(pilot)
    earlier = decided_of(session, pilot.id, RECOMMENDATION)
    if earlier is not None:
        return Form(answer=_already(earlier, plan, "recommended"))
    require_decider(deciders_of(session, pilot.id), user_id, "the recommendation")
    return Form(view=recommendation_modal(pilot_id=pilot.id, plan=plan))


def recommend(
    *,
    session: Session,
    now: datetime,
    where: Named,
    user_id: str,
    outcome: Decision,
    rationale: str,
) -> None:
    """The final recommendation for the full rollout, once."""
    pilot = pilot_at(session=session, where=where)
    assert pilot.id is not None
    deciders = deciders_of(session, pilot.id)
    require_decider(deciders, user_id, "the recommendation")
    if decided_of(session, pilot.id, RECOMMENDATION) is not None:
        raise Refusal("A recommendation was recorded meanwhile; see the channel.")
    record_decision(
        session=session,
        decision=PilotDecision(
            pilot_id=pilot.id,
            subject=RECOMMENDATION,
            outcome=outcome.value,
            reason=rationale,
            decided_by=user_id,
            role=deciders.role.value,
            decided_at=now,
        ),
    )
    log_change(
        session=session,
        pilot_id=pilot.id,
        user_id=user_id,
        kind="decision",
        summary=(
            f"Recommendation: {outcome.label} for the full rollout, by <@{user_id}>"
            f" ({deciders.role_name})"
        ),
        reason=rationale,
        at=now,
    )
    plan = plan_of(pilot)
    decided = decided_of(session, pilot.id, RECOMMENDATION)
    assert decided is not None
    owe_review_rewrite(session=session, pilot=pilot, plan=plan, name=POST_PILOT, now=now)
    _owe_notice(
        session, pilot, f"decision:{RECOMMENDATION}", recommendation_notice(plan, decided), now
    )
