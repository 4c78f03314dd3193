"""The ramp announcement's buttons: Applied (the step confirmed in production) and Hold
(a change request for the ramp, through the change process, the step put off a week)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.blocks.ramp import hold_modal, ramp_change_message
from bot.blocks.review import local_when
from bot.core.changes import propose_ramp
from bot.core.errors import DomainError, Refusal
from bot.core.lifecycle import PilotState
from bot.core.localtime import local_date
from bot.core.traffic import Confirmation, held_ramp, ramp_step
from bot.features.access import (
    Named,
    editable_pilot,
    pilot_at,
    require_record_keeper,
)
from bot.features.change import OpenedRequest, open_change_request
from bot.features.clicked import Clicked, owe_update
from storage.db import Session
from storage.decisions import confirm_ramp, confirmation_of
from storage.pilots import plan_of
from storage.team import log_change


@dataclass(frozen=True)
class StepConfirmed:
    """A click on Applied: ``answer`` is what the clicker is told (None: the post says it)."""

    answer: str | None = None


def confirm_applied(
    *,
    session: Session,
    now: datetime,
    where: Named,
    week: int,
    pct: int,
    user_id: str,
    clicked: Clicked,
) -> StepConfirmed:
    """Record who confirmed the step in production, and when; the post is owed the news."""
    pilot = pilot_at(session=session, where=where)
    require_record_keeper(
        session=session, pilot=pilot, user_id=user_id, action="confirm a ramp step"
    )
    assert pilot.id is not None
    plan = plan_of(pilot)
    if not confirm_ramp(
        session=session, pilot_id=pilot.id, week=week, pct=pct, user_id=user_id, at=now
    ):
        first = confirmation_of(session=session, pilot_id=pilot.id, week=week)
        assert first is not None
        return StepConfirmed(
            f"Week {week}'s step to {first.pct}% was already confirmed by"
            f" <@{first.confirmed_by}> at {local_when(first.confirmed_at, plan)}."
        )
    log_change(
        session=session,
        pilot_id=pilot.id,
        user_id=user_id,
        kind="ramp",
        summary=f"Week {week}: traffic at {pct}% confirmed applied in production",
        at=now,
    )
    step = ramp_step(plan, week)
    if step is None:  # the plan changed since: say it plainly, without the buttons
        return StepConfirmed(f"Recorded: week {week} runs at {pct}% in production.")
    # The post shows who confirmed it, and drops Applied.
    confirmed = Confirmation(week=week, pct=pct, by=user_id, at=now)
    reply = ramp_change_message(plan, step, pilot_id=pilot.id, confirmed=confirmed)
    owe_update(
        session=session, pilot=pilot, clicked=clicked, reply=reply, kind="ramp_applied", now=now
    )
    return StepConfirmed()


def hold_form(*, session: Session, where: Named, week: int, user_id: str) -> dict[str, Any]:
    """The change request form for the ramp, pre-filled with the step put off a week."""
    pilot = editable_pilot(session=session, where=where, user_id=user_id, action="hold the ramp")
    if pilot.state == PilotState.ENDED:
        raise Refusal("This pilot has ended; its ramp no longer changes.")
    plan = plan_of(pilot)
    step = ramp_step(plan, week)
    if step is None:
        raise Refusal(f"The plan has no ramp step in week {week} any more.")
    return hold_modal(
        pilot_id=where.pilot_id,
        channel_id=pilot.channel_id,
        plan=plan,
        step=step,
        proposal=held_ramp(plan, step.week),
    )


@dataclass(frozen=True)
class HoldRequested:
    """The change request a Hold opened (None: nobody holds the deciding role)."""

    opened: OpenedRequest | None
    channel_id: str


def request_hold(
    *,
    session: Session,
    now: datetime,
    where: Named,
    user_id: str,
    ramp: str,
    reason: str,
    ramp_field: str,
) -> HoldRequested:
    """Hold: the ramp as typed in the form, asked for through the change process."""
    pilot = editable_pilot(session=session, where=where, user_id=user_id, action="hold the ramp")
    plan = plan_of(pilot)
    try:
        proposal = propose_ramp(plan, ramp, today=local_date(now, plan.zone))
    except DomainError as error:  # about the ramp typed: shown on its field
        raise DomainError(error.message, form_field=ramp_field) from None
    opened = open_change_request(
        session=session, pilot=pilot, proposal=proposal, reason=reason, user_id=user_id, now=now
    )
    return HoldRequested(opened, pilot.channel_id)
