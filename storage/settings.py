"""A pilot's settings (`bot.core.pilot_settings.PilotSettings`) to and from its row."""

from __future__ import annotations

from bot.core.escalation_policy import BusinessHours, EscalationDelays
from bot.core.pilot_settings import PilotSettings
from bot.core.roles import Role
from storage.models import Pilot
from storage.pilots import PLAN_COLUMNS, pilot_from_plan, plan_of
from storage.scope import Workspace


def settings_of(pilot: Pilot) -> PilotSettings:
    roles = tuple(Role(role) for role in pilot.reminder_roles.split(",") if role)
    return PilotSettings(
        plan=plan_of(pilot),
        reminder_roles=roles,
        escalation_critical=EscalationDelays.parse(pilot.escalation_critical),
        escalation_major=EscalationDelays.parse(pilot.escalation_major),
        escalation_minor=EscalationDelays.parse(pilot.escalation_minor),
        business_hours=BusinessHours.parse(pilot.business_hours or "none"),
        ack_pauses_escalation=pilot.ack_pauses_escalation,
    )


def write_settings(*, pilot: Pilot, settings: PilotSettings) -> None:
    """Copy `settings` onto the row; the caller's unit of work saves it."""
    fresh = pilot_from_plan(
        settings.plan,
        workspace=Workspace(team_id=pilot.team_id, enterprise_id=pilot.enterprise_id),
        channel_id=pilot.channel_id,
        owner_id=pilot.owner_id,
    )
    for column in PLAN_COLUMNS:
        setattr(pilot, column, getattr(fresh, column))
    pilot.reminder_roles = ",".join(settings.reminder_roles)
    pilot.escalation_critical = settings.escalation_critical.format()
    pilot.escalation_major = settings.escalation_major.format()
    pilot.escalation_minor = settings.escalation_minor.format()
    hours = settings.business_hours
    pilot.business_hours = "" if hours is None else hours.format()
    pilot.ack_pauses_escalation = settings.ack_pauses_escalation
