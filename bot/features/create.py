"""A pilot created in its channel: saved with its starter risks and a `created` change-log
entry, scheduled, and its announcement owed in the channel. A channel holds one live
pilot at a time."""

from __future__ import annotations

from datetime import datetime

from bot.blocks.create import channel_taken_text, created_announcement
from bot.core.calendar import snapshot
from bot.core.creation import NewPlan
from bot.core.errors import Refusal
from bot.core.lifecycle import PilotState
from bot.features.access import InChannel
from storage.db import Session
from storage.outbox import owe
from storage.pilots import (
    ChannelHasLivePilot,
    add_pilot,
    pilot_for_channel,
    pilot_from_plan,
    refresh_next_due,
)
from storage.risks import add_starter_risks
from storage.team import log_change


class ChannelTaken(Refusal):
    """The channel already runs a live pilot; it holds one at a time."""

    def __init__(self, pilot_name: str, owner_id: str, *, form_field: str | None = None) -> None:
        super().__init__(channel_taken_text(pilot_name, owner_id), form_field=form_field)


def live_pilot_here(*, session: Session, where: InChannel) -> tuple[str, str] | None:
    """(name, owner) of the channel's live pilot, if it has one."""
    existing = pilot_for_channel(
        session=session, workspace=where.workspace, channel_id=where.channel_id
    )
    if existing is None or existing.state == PilotState.ENDED:
        return None
    return existing.name, existing.owner_id


def create_pilot(
    *,
    session: Session,
    now: datetime,
    where: InChannel,
    owner_id: str,
    new: NewPlan,
    name_field: str | None = None,
) -> None:
    """Save the pilot and owe its announcement; ChannelTaken (shown on ``name_field`` in a
    form) if the channel runs a live pilot."""
    workspace, channel_id = where.workspace, where.channel_id
    taken = live_pilot_here(session=session, where=where)
    if taken is not None:
        raise ChannelTaken(*taken, form_field=name_field)
    pilot = pilot_from_plan(new.plan, workspace=workspace, channel_id=channel_id, owner_id=owner_id)
    pilot.created_at = pilot.updated_at = now
    try:
        add_pilot(session=session, pilot=pilot)
    except ChannelHasLivePilot:  # created a moment ago by someone else
        raced = pilot_for_channel(session=session, workspace=workspace, channel_id=channel_id)
        name, owner = (raced.name, raced.owner_id) if raced else ("a pilot", "")
        raise ChannelTaken(name, owner, form_field=name_field) from None
    assert pilot.id is not None
    add_starter_risks(session=session, pilot_id=pilot.id)
    log_change(
        session=session,
        pilot_id=pilot.id,
        user_id=owner_id,
        kind="created",
        summary=_created_summary(new),
        at=now,
    )
    refresh_next_due(session, pilot, now)
    announcement = created_announcement(
        new.plan,
        snapshot(new.plan, now),
        owner_id=owner_id,
        warnings=new.warnings,
        suggestion=new.suggestion,
    )
    owe(
        session=session,
        pilot=pilot,
        key="created",
        kind="created",
        message=announcement.message(),
        now=now,
    )


def _created_summary(new: NewPlan) -> str:
    plan = new.plan
    summary = (
        f"Created {plan.name} for {plan.customer}: a {plan.weeks}-week {plan.pilot_type} pilot"
        f" on the {plan.ramp.label}, {plan.start.isoformat()} to"
        f" {plan.hard_end_date.isoformat()}."
    )
    if new.warnings:
        summary += " Kept with override: " + " ".join(new.warnings)
    return summary
