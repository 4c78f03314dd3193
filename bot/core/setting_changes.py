"""`/pilot set`: its ``key=value`` words read, and the settings table applied to them
all at once or not at all."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.core.errors import DomainError, PlanError
from bot.core.grammar import UsageError, tokenize
from bot.core.pilot_settings import PilotSettings, Updates
from bot.core.plan import Plan
from bot.core.settings_table import SETTINGS_BY_KEY

SET_USAGE = "/pilot set key=value [key=value ...]"
# The plan itself, not settings: `/pilot change` handles these.
PLAN_KEYS = frozenset({"ramp", "weeks", "end", "start", "type", "name", "customer", "override"})
CHANGE_USAGE = '/pilot change ramp|end ... reason="..."'
_ASSIGNMENT = re.compile(r"^([A-Za-z_]+)=(.*)$", re.DOTALL)


@dataclass(frozen=True)
class SettingChange:
    key: str
    old: str
    new: str

    @property
    def summary(self) -> str:
        return f"{self.key}: {self.old} -> {self.new}"


def apply_settings(
    current: PilotSettings, assignments: Mapping[str, str]
) -> tuple[PilotSettings, list[SettingChange]]:
    """All of `assignments` applied at once, or none: raises UsageError naming the bad one.

    Returns the new settings and the keys whose shown value changed.
    """
    if not assignments:
        raise UsageError("Give at least one key=value.", SET_USAGE)
    updates: dict[str, Any] = {}
    for key, text in assignments.items():
        setting = SETTINGS_BY_KEY.get(key)
        if setting is None and key in PLAN_KEYS:
            raise UsageError(
                f"`{key}` is part of the plan, not a setting: propose it with `/pilot change`.",
                CHANGE_USAGE,
            )
        if setting is None:
            known = ", ".join(SETTINGS_BY_KEY)
            raise UsageError(f"Unknown setting `{key}` (settings: {known}).", SET_USAGE)
        try:
            updates.update(setting.parse(text, current))
        except DomainError as error:
            raise UsageError(f"`{key}`: {error.message}", setting.usage) from error
    try:
        new = _with_updates(current, updates)
    except PlanError as error:
        # A rule across keys, such as the reminder falling before the check-in.
        raise UsageError(error.message, SET_USAGE) from error
    changes = [
        SettingChange(key, row.show(current), row.show(new))
        for key in assignments
        for row in (SETTINGS_BY_KEY[key],)
        if row.show(current) != row.show(new)
    ]
    return new, changes


def parse_assignments(text: str) -> dict[str, str]:
    """`checkin=10:00 review="thu 15:00"` -> {"checkin": "10:00", "review": "thu 15:00"}."""
    assignments: dict[str, str] = {}
    for token in tokenize(text):
        match = None if token.quoted else _ASSIGNMENT.match(token.value)
        if match is None:
            raise UsageError(
                f"`{token.value}` is not key=value; quote values with spaces.", SET_USAGE
            )
        key, value = match.group(1).lower(), match.group(2)
        if key in assignments:
            raise UsageError(f"`{key}` is given twice; give each key once.", SET_USAGE)
        assignments[key] = value
    if not assignments:
        raise UsageError("Give at least one key=value.", SET_USAGE)
    return assignments


def _with_updates(current: PilotSettings, updates: Updates) -> PilotSettings:
    plan_fields = {f.name for f in dataclasses.fields(Plan)}
    on_plan = {k: v for k, v in updates.items() if k in plan_fields}
    own = {k: v for k, v in updates.items() if k not in plan_fields}
    # One replace for all plan fields, so a rule across fields sees the final values.
    plan = dataclasses.replace(current.plan, **on_plan) if on_plan else current.plan
    return dataclasses.replace(current, plan=plan, **own)
