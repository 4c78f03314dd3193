"""The plan and its settings: read (`/pilot plan`, `/pilot settings`) and changed by an
editor (`/pilot set key=value ...`), each change in the change log and the schedule
recomputed."""

from __future__ import annotations

from datetime import datetime

from bot.blocks import Reply
from bot.blocks.lifecycle import refusal_for_ended
from bot.blocks.plan import plan_reply
from bot.blocks.settings import settings_changed_reply, settings_reply
from bot.core.calendar import snapshot, weeks
from bot.core.errors import DomainError
from bot.core.lifecycle import PilotState
from bot.core.setting_changes import apply_settings, parse_assignments
from bot.core.settings_table import SETTINGS
from bot.features.access import Where, editable_pilot, pilot_at
from storage.db import Session
from storage.pilot_settings import change_settings
from storage.pilots import plan_of, refresh_next_due
from storage.settings import settings_of
from storage.team import log_change


def plan_view(*, session: Session, now: datetime, where: Where) -> Reply:
    pilot = pilot_at(session=session, where=where)
    plan = plan_of(pilot)
    return plan_reply(plan, weeks(plan), snapshot(plan, now), state=pilot.state)


def settings_view(*, session: Session, where: Where) -> Reply:
    pilot = pilot_at(session=session, where=where)
    return settings_reply(pilot.name, settings_of(pilot), SETTINGS)


def set_settings(
    *, session: Session, now: datetime, where: Where, user_id: str, assignments: str
) -> Reply:
    """`/pilot set key=value ...` (``assignments`` as typed); a bad key's UsageError names
    that key's form."""
    parsed = parse_assignments(assignments)
    pilot = editable_pilot(
        session=session, where=where, user_id=user_id, action="change this pilot's settings"
    )
    if pilot.state == PilotState.ENDED:
        raise DomainError(refusal_for_ended(pilot.name, pilot.state_reason))
    new, changes = apply_settings(settings_of(pilot), parsed)
    if not changes:
        return settings_changed_reply(changes)
    change_settings(session=session, pilot=pilot, settings=new, at=now)
    assert pilot.id is not None
    for change in changes:
        log_change(
            session=session,
            pilot_id=pilot.id,
            user_id=user_id,
            kind="setting",
            summary=change.summary,
            at=now,
        )
    refresh_next_due(session, pilot, now)
    return settings_changed_reply(changes)
