"""Per-pilot settings: one table of keys that `/pilot settings`, `/pilot set`, help
and the README all read.

A later feature adds a key by adding a row (and, if it is not a plan field, a
field of `PilotSettings` and its column). Changes to the plan itself (ramp,
length, start) are not settings: once a pilot has started they go through the
change process.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from bot.core.errors import DomainError
from bot.core.escalation_policy import DELAYS_FORM, HOURS_FORM, BusinessHours, EscalationDelays
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
from bot.core.pilot_settings import PilotSettings, Setting, Updates
from bot.core.plan import MAX_EVALUATION_WEEKS
from bot.core.roles import Role


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
