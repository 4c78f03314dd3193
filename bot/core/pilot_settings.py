"""A pilot's settings as one value (``PilotSettings``), and the shape of a row of the
settings table (``Setting``, in ``bot.core.settings_table``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.escalation_policy import (
    DEFAULT_DELAYS,
    BusinessHours,
    EscalationDelays,
    EscalationSettings,
)
from bot.core.plan import Plan
from bot.core.roles import Role

DEFAULT_REMINDER_ROLES: tuple[Role, ...] = (Role.PROJECT_LEAD, Role.IMPLEMENTATION_LEAD)


@dataclass(frozen=True)
class PilotSettings:
    """Everything `/pilot set` can change: the plan's schedule fields and the pilot's own."""

    plan: Plan
    reminder_roles: tuple[Role, ...] = DEFAULT_REMINDER_ROLES
    # The escalation policy (bot.core.escalation_policy): delays per severity, how time counts.
    escalation_critical: EscalationDelays = DEFAULT_DELAYS
    escalation_major: EscalationDelays = DEFAULT_DELAYS
    escalation_minor: EscalationDelays = DEFAULT_DELAYS
    business_hours: BusinessHours | None = None
    ack_pauses_escalation: bool = False

    @property
    def escalation(self) -> EscalationSettings:
        return EscalationSettings(
            critical=self.escalation_critical,
            major=self.escalation_major,
            minor=self.escalation_minor,
            business_hours=self.business_hours,
            ack_pauses=self.ack_pauses_escalation,
        )


# What a row's parser returns: new values by field name, of Plan or of PilotSettings.
Updates = Mapping[str, Any]


@dataclass(frozen=True)
class Setting:
    key: str
    description: str
    form: str  # the correct form, in words
    example: str  # a value that parses, shown in `/pilot set key=<example>`
    parse: Callable[[str, PilotSettings], Updates]  # the current settings, for relative edits
    show: Callable[[PilotSettings], str]  # the current value, in a form `parse` accepts

    @property
    def usage(self) -> str:
        value = f'"{self.example}"' if " " in self.example else self.example
        return f"/pilot set {self.key}={value}"
