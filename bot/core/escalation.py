"""The framework's Escalation Path, run as a timer over each unresolved flag.

    Issue detected
        -> Technical team attempts fix (4 hours)
        -> Project leads notified
        -> Account owner engaged (24 hours)
        -> Executive escalation (48 hours)

The four steps (``EscalationStep``) and the roles each goes to are fixed; the three
delays can change per pilot and per severity (``escalation_critical="1h 4h 8h"``).
A flag keeps the policy it was raised under (``EscalationPolicy.encode`` is what is
frozen on it), so a later change of settings does not move its deadlines.

Delays count calendar time by default, as the framework states them. With business
hours (``business_hours=09:00-18:00``) they count only the working hours of the
pilot's workdays (weekends, its country's holidays and skip dates excluded) in its
timezone, so a deadline that would fall outside them moves to the next working
morning. A snooze delays every remaining step by its length, on the same clock.

Pure: no Slack, no database, no clock. The caller says what ``now`` is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from enum import IntEnum, StrEnum

from bot.core.errors import DomainError, PlanError
from bot.core.inputs import format_time, parse_time
from bot.core.localtime import local_date, local_instant, require_aware
from bot.core.plan import Plan
from bot.core.roles import Role
from bot.core.workdays import is_workday

MIN_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(days=30)
MAX_SNOOZE = timedelta(days=14)
# A step sent later than this after its deadline says so (the tick runs every 20 s,
# so only downtime, a Slack outage or a busy process makes one this late).
LATE_AFTER = timedelta(minutes=5)
SPAN_FORM = "a number and a unit, such as 30m, 4h or 2d"
DELAYS_FORM = (
    "three delays after the flag is raised, for the project leads, the account owner"
    ' and the executives, each later than the one before, such as "4h 24h 48h"'
)
HOURS_FORM = "HH:MM-HH:MM, such as 09:00-18:00, or none for calendar hours"
_ONE_DAY = timedelta(days=1)
_SEARCH_DAYS = 366 * 5  # working hours run out only in a plan that skips everything
_SPAN_PART = re.compile(r"([0-9]{1,6})(days?|d|hours?|hrs?|h|minutes?|mins?|m)")
_UNIT = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
_NO_HOURS = frozenset({"none", "no", "off", "calendar", "24h", "-"})


class Severity(StrEnum):
    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"

    @classmethod
    def parse(cls, text: str) -> Severity:
        key = text.strip().lower()
        for member in cls:
            if key == member.value:
                return member
        raise DomainError(f"'{text.strip()}' is not a severity. Use critical, major or minor.")


class EscalationStep(IntEnum):
    """The framework's Escalation Path, in order."""

    TECHNICAL_TEAM = 0
    PROJECT_LEADS = 1
    ACCOUNT_OWNER = 2
    EXECUTIVES = 3

    @property
    def roles(self) -> tuple[Role, ...]:
        return STEP_ROLES[self]

    @property
    def audience(self) -> str:
        """ "the account owner": who this step engages, in words."""
        return _AUDIENCE[self]

    @property
    def in_thread(self) -> bool:
        """The technical team is told in the flag's thread; later steps by DM."""
        return self is EscalationStep.TECHNICAL_TEAM

    @property
    def number(self) -> int:
        """1-based, for people: "step 3 of 4"."""
        return int(self) + 1

    @property
    def later(self) -> tuple[EscalationStep, ...]:
        return tuple(step for step in EscalationStep if step > self)


STEP_ROLES: dict[EscalationStep, tuple[Role, ...]] = {
    EscalationStep.TECHNICAL_TEAM: (
        Role.TECHNICAL_LEAD,
        Role.IMPLEMENTATION_LEAD,
        Role.TECHNICAL_SUPPORT,
    ),
    EscalationStep.PROJECT_LEADS: (Role.PROJECT_LEAD, Role.IMPLEMENTATION_LEAD),
    EscalationStep.ACCOUNT_OWNER: (Role.ACCOUNT_OWNER,),
    EscalationStep.EXECUTIVES: (Role.EXECUTIVE_SPONSOR, Role.EXECUTIVE),
}
_AUDIENCE = {
    EscalationStep.TECHNICAL_TEAM: "the technical team",
    EscalationStep.PROJECT_LEADS: "the project leads",
    EscalationStep.ACCOUNT_OWNER: "the account owner",
    EscalationStep.EXECUTIVES: "the executives",
}
LAST_STEP = EscalationStep.EXECUTIVES


# ----- spans: "4h", "30m", "1h30m", "2d" --------------------------------------------------------


def parse_span(text: str) -> timedelta:
    """ "4h", "30m", "1h30m", "2d", "90 min" -> a timedelta (raises DomainError)."""
    cleaned = text.strip().lower()
    problem = DomainError(f"'{text.strip()}' is not a length of time. Use {SPAN_FORM}.")
    total, position = timedelta(0), 0
    compact = cleaned.replace(" ", "")
    for match in _SPAN_PART.finditer(compact):
        if match.start() != position:
            raise problem
        total += int(match.group(1)) * _UNIT[match.group(2)[0]]
        position = match.end()
    if position == 0 or position != len(compact):
        raise problem
    return total


def format_span(span: timedelta) -> str:
    """The shortest exact form `parse_span` reads back: "4h", "90m", "1h30m" -> "4h", ...

    Whole hours stay in hours ("48h", as the framework counts), whatever their size.
    """
    minutes = int(span.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours}h{rest}m"
    return f"{hours}h" if hours else f"{rest}m"


def describe_span(span: timedelta) -> str:
    """For people: "45 min", "4 h", "1 h 30 min", "26 h", "3 d 2 h"."""
    minutes = max(0, int(span.total_seconds() // 60))
    hours, rest = divmod(minutes, 60)
    if hours == 0:
        return f"{rest} min"
    if hours >= 72:
        days, hours = divmod(hours, 24)
        return f"{days} d {hours} h" if hours else f"{days} d"
    if rest and hours < 10:
        return f"{hours} h {rest} min"
    return f"{hours} h"


# ----- the policy --------------------------------------------------------------------------------


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


# ----- the clock ---------------------------------------------------------------------------------


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


# ----- a flag's escalation state -----------------------------------------------------------------


@dataclass(frozen=True)
class EscalationState:
    """Where one flag's escalation stands (stored on the flag)."""

    last_step: EscalationStep | None = None  # the last step done; None before the first
    snoozed: timedelta = timedelta(0)  # every snooze so far, on the policy's clock
    acknowledged: bool = False
    resolved: bool = False
    pilot_ended: bool = False

    def halted(self, policy: EscalationPolicy) -> str | None:
        """Why no further step will go out, or None while the path runs."""
        if self.resolved:
            return "resolved"
        if self.pilot_ended:
            return "the pilot ended"
        if self.acknowledged and policy.ack_pauses:
            return "paused by the acknowledgement (ack_pauses_escalation=yes)"
        if self.last_step is LAST_STEP:
            return "every step is done"
        return None

    @property
    def remaining(self) -> tuple[EscalationStep, ...]:
        if self.last_step is None:
            return tuple(EscalationStep)
        return self.last_step.later

    def done(self, step: EscalationStep) -> EscalationState:
        return replace(self, last_step=step)

    def snooze(self, span: timedelta) -> EscalationState:
        if not MIN_DELAY <= span <= MAX_SNOOZE:
            raise DomainError(
                f"Snooze for 1 minute to {MAX_SNOOZE.days} days, not {describe_span(span)}."
            )
        return replace(self, snoozed=self.snoozed + span)


@dataclass(frozen=True)
class DueStep:
    step: EscalationStep
    due_at: datetime  # UTC

    def late_by(self, now: datetime) -> timedelta:
        return max(timedelta(0), now - self.due_at)

    def is_late(self, now: datetime) -> bool:
        return self.late_by(now) > LATE_AFTER


def deadline(
    policy: EscalationPolicy,
    step: EscalationStep,
    raised_at: datetime,
    state: EscalationState,
    plan: Plan,
) -> datetime:
    """When ``step`` is due (UTC). The technical team is told at once, whatever the hours."""
    require_aware(raised_at, "raised_at")
    if step is EscalationStep.TECHNICAL_TEAM:
        return raised_at.astimezone(UTC)
    return advance(raised_at, policy.due_after(step) + state.snoozed, policy, plan)


def upcoming(
    policy: EscalationPolicy, raised_at: datetime, state: EscalationState, plan: Plan
) -> list[DueStep]:
    """Every step still to come, with its due time; [] once the path is halted."""
    if state.halted(policy) is not None:
        return []
    return [
        DueStep(step, deadline(policy, step, raised_at, state, plan)) for step in state.remaining
    ]


def due_steps(
    policy: EscalationPolicy,
    raised_at: datetime,
    state: EscalationState,
    now: datetime,
    plan: Plan,
) -> list[DueStep]:
    """The steps due at ``now`` (inclusive), in order: overdue ones too, each once."""
    require_aware(now, "now")
    return [due for due in upcoming(policy, raised_at, state, plan) if due.due_at <= now]


def next_deadline(
    policy: EscalationPolicy, raised_at: datetime, state: EscalationState, plan: Plan
) -> DueStep | None:
    """The next step to go out, or None when none will (resolved, paused, all done)."""
    steps = upcoming(policy, raised_at, state, plan)
    return steps[0] if steps else None


# ----- who is told ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipients:
    """Who a step goes to. ``goes_to`` is the step whose roles got it: the step
    itself, a later one when nobody holds the step's roles, or None for the
    pilot's owner when nobody holds any role from there up."""

    step: EscalationStep
    goes_to: EscalationStep | None
    users: tuple[str, ...]
    unassigned: tuple[Role, ...] = field(default=())  # the step's roles nobody holds

    @property
    def fell_through(self) -> bool:
        return self.goes_to is not self.step


def recipients(step: EscalationStep, team: Iterable[tuple[str, Role]], owner_id: str) -> Recipients:
    """Who ``step`` goes to, given the team as (user, role) pairs.

    A role nobody holds is not a silent gap: the step goes to the next step up
    whose roles someone holds (with no account owner, the executives get the 24 h
    message), and ``unassigned`` names what is missing.
    """
    pairs = list(team)
    unassigned = tuple(role for role in step.roles if not any(held is role for _, held in pairs))
    for candidate in (step, *step.later):
        users = _holders(pairs, candidate.roles)
        if users:
            return Recipients(step, candidate, users, unassigned)
    return Recipients(step, None, (owner_id,), unassigned)


def _holders(pairs: Sequence[tuple[str, Role]], roles: Sequence[Role]) -> tuple[str, ...]:
    """The users holding any of ``roles``, in the roles' order, each once."""
    users: list[str] = []
    for role in roles:
        for user, held in pairs:
            if held is role and user not in users:
                users.append(user)
    return tuple(users)
