"""An escalation policy: when the project leads, the account owner and the executives
are told, and on which clock.

The three delays can change per pilot and per severity (``escalation_critical="1h 4h
8h"``). A flag keeps the policy it was raised under (``EscalationPolicy.encode`` is
what is frozen on it), so a later change of settings does not move its deadlines.

Delays count calendar time by default, as the framework states them. With business
hours (``business_hours=09:00-18:00``) they count only the working hours of the
pilot's workdays (weekends, its country's holidays and skip dates excluded) in its
timezone, so a deadline that would fall outside them moves to the next working
morning (``advance``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from bot.core.errors import DomainError, PlanError
from bot.core.escalation import EscalationStep, Severity
from bot.core.inputs import format_time, parse_time
from bot.core.localtime import local_date, local_instant, require_aware
from bot.core.plan import Plan
from bot.core.spans import describe_span, format_span, parse_span
from bot.core.workdays import is_workday

MIN_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(days=30)
DELAYS_FORM = (
    "three delays after the flag is raised, for the project leads, the account owner"
    ' and the executives, each later than the one before, such as "4h 24h 48h"'
)
HOURS_FORM = "HH:MM-HH:MM, such as 09:00-18:00, or none for calendar hours"
_ONE_DAY = timedelta(days=1)
_SEARCH_DAYS = 366 * 5  # working hours run out only in a plan that skips everything
_NO_HOURS = frozenset({"none", "no", "off", "calendar", "24h", "-"})


@dataclass(frozen=True)
class EscalationDelays:
    """When the project leads, the account owner and the executives are told, counted
    from the moment the flag was raised (the technical team is told at once)."""

    project_leads: timedelta = timedelta(hours=4)
    account_owner: timedelta = timedelta(hours=24)
    executives: timedelta = timedelta(hours=48)

    def __post_init__(self) -> None:
        spans = (self.project_leads, self.account_owner, self.executives)
        for span in spans:
            if not MIN_DELAY <= span <= MAX_DELAY:
                raise DomainError(
                    f"{describe_span(span)} is not a delay the bot runs:"
                    f" use 1 minute to {MAX_DELAY.days} days."
                )
        if not spans[0] < spans[1] < spans[2]:
            raise DomainError(
                f"Each escalation delay must be later than the one before ({self.format()} is not)."
            )

    def of(self, step: EscalationStep) -> timedelta:
        return {
            EscalationStep.TECHNICAL_TEAM: timedelta(0),
            EscalationStep.PROJECT_LEADS: self.project_leads,
            EscalationStep.ACCOUNT_OWNER: self.account_owner,
            EscalationStep.EXECUTIVES: self.executives,
        }[step]

    @classmethod
    def parse(cls, text: str) -> EscalationDelays:
        """ "1h 4h 8h" (commas allowed) -> the delays; raises DomainError."""
        parts = [part for part in re.split(r"[\s,;]+", text.strip()) if part]
        if len(parts) != 3:
            raise DomainError(f"'{text.strip()}' is not three delays. Give {DELAYS_FORM}.")
        first, second, third = (parse_span(part) for part in parts)
        return cls(first, second, third)

    def format(self) -> str:
        spans = (self.project_leads, self.account_owner, self.executives)
        return " ".join(format_span(span) for span in spans)


DEFAULT_DELAYS = EscalationDelays()


@dataclass(frozen=True)
class BusinessHours:
    """The working hours of each workday, in the pilot's timezone."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start >= self.end:
            raise DomainError(
                f"Business hours must start before they end ({self.format()} does not)."
            )

    @classmethod
    def parse(cls, text: str) -> BusinessHours | None:
        """ "09:00-18:00", "9am-6pm" -> the hours; "none" -> None (calendar hours)."""
        cleaned = text.strip()
        if cleaned.lower() in _NO_HOURS or cleaned.lower().startswith("none"):
            return None
        parts = re.split(r"\s*(?:-|–|to)\s*", cleaned, maxsplit=1)
        if len(parts) != 2:
            raise DomainError(f"'{cleaned}' is not business hours. Use {HOURS_FORM}.")
        try:
            return cls(parse_time(parts[0]), parse_time(parts[1]))
        except DomainError as error:
            raise DomainError(f"{error.message} Business hours are {HOURS_FORM}.") from error

    def format(self) -> str:
        return f"{format_time(self.start)}-{format_time(self.end)}"


@dataclass(frozen=True)
class EscalationPolicy:
    """The policy a flag is raised under, frozen on it."""

    delays: EscalationDelays = DEFAULT_DELAYS
    business_hours: BusinessHours | None = None
    ack_pauses: bool = False

    def due_after(self, step: EscalationStep) -> timedelta:
        return self.delays.of(step)

    def encode(self) -> str:
        """ "4h 24h 48h", then " hours=09:00-18:00" and " ack=pauses" when set."""
        text = self.delays.format()
        if self.business_hours is not None:
            text += f" hours={self.business_hours.format()}"
        if self.ack_pauses:
            text += " ack=pauses"
        return text

    @classmethod
    def decode(cls, text: str) -> EscalationPolicy:
        words = text.split()
        delays = EscalationDelays.parse(" ".join(words[:3]))
        hours: BusinessHours | None = None
        ack_pauses = False
        for word in words[3:]:
            key, _, value = word.partition("=")
            if key == "hours":
                hours = BusinessHours.parse(value)
            elif key == "ack":
                ack_pauses = value == "pauses"
        return cls(delays, hours, ack_pauses)

    @property
    def clock(self) -> str:
        """How the delays are counted, in words."""
        if self.business_hours is None:
            return "calendar hours"
        return f"working hours ({self.business_hours.format()} on workdays)"


@dataclass(frozen=True)
class EscalationSettings:
    """A pilot's escalation settings: the delays per severity, and how time is counted."""

    critical: EscalationDelays = DEFAULT_DELAYS
    major: EscalationDelays = DEFAULT_DELAYS
    minor: EscalationDelays = DEFAULT_DELAYS
    business_hours: BusinessHours | None = None
    ack_pauses: bool = False

    def delays_for(self, severity: Severity) -> EscalationDelays:
        return {
            Severity.CRITICAL: self.critical,
            Severity.MAJOR: self.major,
            Severity.MINOR: self.minor,
        }[severity]

    def policy_for(self, severity: Severity) -> EscalationPolicy:
        """What a flag of ``severity`` raised now is frozen with."""
        return EscalationPolicy(self.delays_for(severity), self.business_hours, self.ack_pauses)


def advance(start: datetime, span: timedelta, policy: EscalationPolicy, plan: Plan) -> datetime:
    """The instant ``span`` after ``start`` on the policy's clock (UTC).

    Calendar hours: plain elapsed time (DST changes do not stretch or shrink it).
    Business hours: only the working hours of the pilot's workdays count; a start
    outside them counts from the next working morning.
    """
    require_aware(start, "start")
    start = start.astimezone(UTC)
    hours = policy.business_hours
    if hours is None:
        return start + span
    zone = plan.zone
    remaining = span
    day = local_date(start, zone)
    for _ in range(_SEARCH_DAYS):
        if is_workday(plan, day):
            opens = local_instant(day, hours.start, zone).astimezone(UTC)
            closes = local_instant(day, hours.end, zone).astimezone(UTC)
            begin = max(opens, start)
            available = closes - begin
            if available > timedelta(0) and remaining <= available:
                return begin + remaining
            if available > timedelta(0):
                remaining -= available
        day += _ONE_DAY
    raise PlanError("There are no working hours in the next five years; check the skip dates.")
