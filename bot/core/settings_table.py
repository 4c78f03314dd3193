"""Per-pilot settings: one table of keys that `/pilot settings`, `/pilot set`, help
and the README all read.

A later feature adds a key by adding a row (and, if it is not a plan field, a
field of `PilotSettings` and its column). Changes to the plan itself (ramp,
length, start) are not settings: once a pilot has started they go through the
change process.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.core.errors import DomainError, PlanError
from bot.core.escalation_policy import (
    DEFAULT_DELAYS,
    DELAYS_FORM,
    HOURS_FORM,
    BusinessHours,
    EscalationDelays,
    EscalationSettings,
)
from bot.core.grammar import UsageError, tokenize
from bot.core.inputs import (
    COUNTRY_FORM,
    DATE_FORM,
    REVIEW_FORM,
    TIME_FORM,
    TZ_FORM,
    format_review_slot,
    format_time,
    parse_country,
    parse_date,
    parse_evaluation_weeks,
    parse_review_slot,
    parse_time,
    parse_timezone,
    parse_yes_no,
)
from bot.core.phases import Phase
from bot.core.plan import MAX_EVALUATION_WEEKS, Plan
from bot.core.roles import Role

DEFAULT_REMINDER_ROLES: tuple[Role, ...] = (Role.PROJECT_LEAD, Role.IMPLEMENTATION_LEAD)
SET_USAGE = "/pilot set key=value [key=value ...]"
# The plan itself, not settings: `/pilot change` handles these.
PLAN_KEYS = frozenset({"ramp", "weeks", "end", "start", "type", "name", "customer", "override"})
CHANGE_USAGE = '/pilot change ramp|end ... reason="..."'
_ASSIGNMENT = re.compile(r"^([A-Za-z_]+)=(.*)$", re.DOTALL)


@dataclass(frozen=True)
class PilotSettings:
    """Everything `/pilot set` can change: the plan's schedule fields and the pilot's own."""

    plan: Plan
    reminder_roles: tuple[Role, ...] = DEFAULT_REMINDER_ROLES
    # The escalation timer (bot.core.escalation): delays per severity, how time counts.
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


# ----- parsers and shows, one pair per key ---------------------------------------------------


def _tz(text: str, _current: PilotSettings) -> Updates:
    return {"tz": parse_timezone(text)}


def _checkin(text: str, _current: PilotSettings) -> Updates:
    return {"checkin": parse_time(text)}


def _review(text: str, _current: PilotSettings) -> Updates:
    weekday, at = parse_review_slot(text)
    return {"review_weekday": weekday, "review_time": at}


def _holidays(text: str, _current: PilotSettings) -> Updates:
    return {"holiday_country": parse_country(text)}


def _show_holidays(settings: PilotSettings) -> str:
    return settings.plan.holiday_country or "none"


def parse_skip_dates(text: str, current: frozenset[date]) -> frozenset[date]:
    """ "+2026-12-24" adds, "-2026-12-24" removes, "2026-12-24,2026-12-31" replaces, "none"
    clears; "+a,+b" and "-a,-b" edit several at once."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items or (len(items) == 1 and items[0].lower() == "none"):
        return frozenset()
    signed = [item[0] in "+-" for item in items]
    if any(signed) and not all(signed):
        raise DomainError(
            "Either edit the list with +date / -date, or give the whole list; not both."
        )
    if not any(signed):
        return frozenset(parse_date(item) for item in items)
    dates = set(current)
    for item in items:
        day = parse_date(item[1:])
        if item[0] == "+":
            dates.add(day)
        elif day in dates:
            dates.remove(day)
        else:
            raise DomainError(f"{day.isoformat()} is not a skip date, so it cannot be removed.")
    return frozenset(dates)


def _skip(text: str, current: PilotSettings) -> Updates:
    return {"skip_dates": parse_skip_dates(text, current.plan.skip_dates)}


def _show_skip(settings: PilotSettings) -> str:
    dates = sorted(settings.plan.skip_dates)
    return ",".join(d.isoformat() for d in dates) if dates else "none"


def _checkins_from(text: str, _current: PilotSettings) -> Updates:
    phase = Phase.parse(text)
    if phase not in (Phase.SETUP, Phase.SOFT_LAUNCH):
        raise DomainError("Daily check-ins can start in soft_launch or setup.")
    return {"checkins_from": phase}


def _reminder(text: str, _current: PilotSettings) -> Updates:
    if text.strip().lower().startswith(("default", "auto")):  # also the shown "default (...)"
        return {"reminder": None}
    return {"reminder": parse_time(text)}


def _show_reminder(settings: PilotSettings) -> str:
    plan = settings.plan
    if plan.reminder is None:
        return f"default ({format_time(plan.reminder_time)}, check-in + 4 h)"
    return format_time(plan.reminder)


def parse_roles(text: str) -> tuple[Role, ...]:
    roles: list[Role] = []
    for part in text.split(","):
        if part.strip():
            role = Role.parse(part)
            if role not in roles:
                roles.append(role)
    if not roles:
        raise DomainError("Name at least one role, such as project_lead.")
    return tuple(roles)


def _reminder_roles(text: str, _current: PilotSettings) -> Updates:
    return {"reminder_roles": parse_roles(text)}


def _evaluation_weeks(text: str, _current: PilotSettings) -> Updates:
    return {"evaluation_weeks": parse_evaluation_weeks(text)}


def _delays(field: str) -> Callable[[str, PilotSettings], Updates]:
    def parse(text: str, _current: PilotSettings) -> Updates:
        return {field: EscalationDelays.parse(text)}

    return parse


def _business_hours(text: str, _current: PilotSettings) -> Updates:
    return {"business_hours": BusinessHours.parse(text)}


def _show_business_hours(settings: PilotSettings) -> str:
    hours = settings.business_hours
    return "none" if hours is None else hours.format()


def _ack_pauses(text: str, _current: PilotSettings) -> Updates:
    return {"ack_pauses_escalation": parse_yes_no(text)}


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "tz",
        "The pilot's timezone: every time below is a wall time there.",
        TZ_FORM,
        "America/New_York",
        _tz,
        lambda s: s.plan.tz,
    ),
    Setting(
        "checkin",
        "Daily check-in time, on workdays.",
        TIME_FORM,
        "09:30",
        _checkin,
        lambda s: format_time(s.plan.checkin),
    ),
    Setting(
        "review",
        "Weekly review slot (the next workday in the same pilot week if it falls on a day off).",
        REVIEW_FORM,
        "mon 10:00",
        _review,
        lambda s: format_review_slot(s.plan.review_weekday, s.plan.review_time),
    ),
    Setting(
        "holidays",
        "Country whose public holidays get no check-ins or reviews.",
        COUNTRY_FORM,
        "US",
        _holidays,
        _show_holidays,
    ),
    Setting(
        "skip",
        "Extra days off (no check-ins or reviews).",
        f"+date adds, -date removes, a comma-separated list replaces, none clears; "
        f"dates are {DATE_FORM}",
        "+2026-12-24",
        _skip,
        _show_skip,
    ),
    Setting(
        "checkins_from",
        "Phase in which daily check-ins start.",
        "soft_launch or setup",
        "setup",
        _checkins_from,
        lambda s: str(s.plan.checkins_from),
    ),
    Setting(
        "reminder",
        "Time to remind who has not answered the check-in.",
        f"{TIME_FORM}, or default (check-in + 4 h)",
        "14:00",
        _reminder,
        _show_reminder,
    ),
    Setting(
        "reminder_roles",
        "Roles reminded when the check-in is unanswered.",
        "comma-separated roles, such as project_lead,implementation_lead",
        "project_lead,implementation_lead",
        _reminder_roles,
        lambda s: ",".join(s.reminder_roles),
    ),
    Setting(
        "evaluation_weeks",
        "Weeks of Evaluation after the hard end date.",
        f"a whole number 1 to {MAX_EVALUATION_WEEKS}",
        "1",
        _evaluation_weeks,
        lambda s: str(s.plan.evaluation_weeks),
    ),
    Setting(
        "escalation_critical",
        "When an unresolved critical flag reaches the project leads, the account owner and"
        " the executives (a flag keeps the delays it was raised under).",
        DELAYS_FORM,
        "1h 4h 8h",
        _delays("escalation_critical"),
        lambda s: s.escalation_critical.format(),
    ),
    Setting(
        "escalation_major",
        "The same three delays for a major flag.",
        DELAYS_FORM,
        "2h 12h 24h",
        _delays("escalation_major"),
        lambda s: s.escalation_major.format(),
    ),
    Setting(
        "escalation_minor",
        "The same three delays for a minor flag.",
        DELAYS_FORM,
        "8h 48h 96h",
        _delays("escalation_minor"),
        lambda s: s.escalation_minor.format(),
    ),
    Setting(
        "business_hours",
        "Count escalation delays in these working hours of workdays only"
        " (none: calendar hours, as the framework states them).",
        HOURS_FORM,
        "09:00-18:00",
        _business_hours,
        _show_business_hours,
    ),
    Setting(
        "ack_pauses_escalation",
        "Whether acknowledging a flag pauses its escalation (no: only resolving stops it).",
        "yes or no",
        "yes",
        _ack_pauses,
        lambda s: "yes" if s.ack_pauses_escalation else "no",
    ),
)

SETTINGS_BY_KEY: dict[str, Setting] = {setting.key: setting for setting in SETTINGS}
