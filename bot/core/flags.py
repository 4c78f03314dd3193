"""Issue flags: the framework's issue log ("During Pilot"), raised from the daily
check-in ("Daily (During Launch): quick status check, issue flag if needed").

A flag has a severity (critical, major, minor: what the escalation timer keys its
delays on), one of the framework's risk categories (technical by default), and a
short id unique within its pilot, ``F-<n>``. It is raised, may be acknowledged once,
and is resolved once, with a resolution; it is never deleted.

Pure: no Slack, no database, no clock. Storage applies what these rules return.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot.core.authority import may_change_plan
from bot.core.errors import DomainError
from bot.core.escalation import Severity
from bot.core.refs import ref
from bot.core.reviews import IssueWeek
from bot.core.risks import RiskCategory
from bot.core.roles import Role

FLAG = "F"
MAX_DESCRIPTION = 2000
MAX_RESOLUTION = 2000
# A flag raised by a reply or a reaction says no severity: it is taken as major, which
# escalates like any other (the timer never ignores a flag), without a critical's alarm.
DEFAULT_SEVERITY = Severity.MAJOR
DEFAULT_CATEGORY = RiskCategory.TECHNICAL
FLAG_EMOJI = "triangular_flag_on_post"
FLAG_HANDLERS = "members of the pilot's team (either side) and " + (
    "the pilot's owner, the project lead or the executive sponsor"
)
_REPLY_PREFIX = re.compile(rf"^\s*(?:flag\s*:|:{FLAG_EMOJI}:)\s*", re.IGNORECASE)
_FLAG_REF = re.compile(rf"^{FLAG}\s*-?\s*([0-9]{{1,9}})$", re.IGNORECASE)
_CATEGORY_OPTION = re.compile(r"^category=(\S*)\s*", re.IGNORECASE)
_SEVERITY_WORD = re.compile(r"^(critical|major|minor)\b[\s:\-–—]*", re.IGNORECASE)


class FlagState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class FlagSource(StrEnum):
    """How the flag was raised."""

    COMMAND = "command"  # /pilot flag ..., or its modal
    BUTTON = "button"  # the check-in's Flag an issue
    REPLY = "reply"  # a check-in reply starting with flag: or the flag emoji
    REACTION = "reaction"  # the flag emoji added to a check-in reply

    @property
    def described(self) -> str:
        return {
            FlagSource.COMMAND: "with /pilot flag",
            FlagSource.BUTTON: "with the check-in's Flag an issue",
            FlagSource.REPLY: "by a reply in the check-in thread",
            FlagSource.REACTION: "by a :triangular_flag_on_post: on a check-in reply",
        }[self]


class FlagError(DomainError):
    """A flag cannot do that (acknowledged or resolved already, no resolution)."""


def flag_ref(number: int) -> str:
    """3 -> "F-3"."""
    return ref(FLAG, number)


def looks_like_flag_ref(text: str) -> bool:
    """ "F-3", "f3", "F 3": an id, as `/pilot flag F-3` tells it from a severity."""
    return _FLAG_REF.match(text.strip()) is not None


def parse_flag_ref(text: str) -> int:
    """ "F-3", "f3", "F 3" or "3" -> 3."""
    text = text.strip()
    match = _FLAG_REF.match(text) or re.fullmatch(r"([0-9]{1,9})", text)
    if match is None or int(match.group(1)) < 1:
        raise DomainError(f"'{text}' is not a flag id like {flag_ref(3)}.")
    return int(match.group(1))


def parse_severity(text: str) -> Severity:
    return Severity.parse(text)


def parse_category(text: str) -> RiskCategory:
    key = text.strip().lower()
    for category in RiskCategory:
        if key == category.value:
            return category
    names = ", ".join(c.value for c in RiskCategory)
    raise DomainError(f"'{text.strip()}' is not a category. Use one of: {names}.")


def parse_description(text: str) -> str:
    description = text.strip()
    if not description:
        raise DomainError("Say what the issue is: the description is the rest of the line.")
    if len(description) > MAX_DESCRIPTION:
        raise DomainError(f"Keep the description under {MAX_DESCRIPTION} characters.")
    return description


@dataclass(frozen=True)
class FlagInput:
    """What someone raising a flag said."""

    severity: Severity
    category: RiskCategory
    description: str


def reply_flag(text: str) -> FlagInput | None:
    """A check-in reply that raises a flag: ``flag: [severity] [category=...] text`` or
    the same after :triangular_flag_on_post:; None for an ordinary check-in. Without a
    severity the flag is major; the description may be empty (the caller asks for one)."""
    match = _REPLY_PREFIX.match(text)
    if match is None:
        return None
    rest = text[match.end() :]
    severity = DEFAULT_SEVERITY
    found = _SEVERITY_WORD.match(rest)
    if found:
        severity, rest = Severity(found.group(1).lower()), rest[found.end() :]
    category = DEFAULT_CATEGORY
    option = _CATEGORY_OPTION.match(rest)
    if option:
        try:
            category = parse_category(option.group(1))
        except DomainError:
            pass  # not a category after all: it stays part of the description
        else:
            rest = rest[option.end() :]
    return FlagInput(severity, category, rest.strip()[:MAX_DESCRIPTION])


def may_handle(*, user_id: str, owner_id: str, roles: Collection[Role]) -> bool:
    """Acknowledge and resolve: every team member, either side, and the plan editors."""
    return bool(roles) or may_change_plan(user_id=user_id, owner_id=owner_id, roles=roles)


# ----- transitions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class FlagRecord:
    """A flag in the issue log: what was raised, by whom and how, and what became of it."""

    number: int
    severity: Severity
    category: RiskCategory
    description: str
    raised_by: str
    raised_at: datetime
    source: FlagSource
    state: FlagState = FlagState.OPEN
    acknowledged_by: str = ""
    acknowledged_at: datetime | None = None
    resolved_by: str = ""
    resolved_at: datetime | None = None
    resolution: str = ""

    @property
    def ref(self) -> str:
        return flag_ref(self.number)

    @property
    def is_open(self) -> bool:
        return self.state is FlagState.OPEN


def acknowledge(flag: FlagRecord, *, user_id: str, at: datetime) -> FlagRecord:
    """Someone is on it. Once only; a resolved flag needs no acknowledgement."""
    if flag.state is FlagState.RESOLVED:
        raise FlagError(
            f"{flag.ref} was resolved already by <@{flag.resolved_by}>: nothing to acknowledge."
        )
    if flag.acknowledged_by:
        raise FlagError(
            f"{flag.ref} was acknowledged already by <@{flag.acknowledged_by}>."
        )
    return replace(flag, acknowledged_by=user_id, acknowledged_at=at)


def resolve(flag: FlagRecord, *, user_id: str, resolution: str, at: datetime) -> FlagRecord:
    """Closed with what was done. Once only; the resolution is required. Resolving
    an unacknowledged flag does not acknowledge it: the log shows nobody did."""
    if flag.state is FlagState.RESOLVED:
        raise FlagError(
            f"{flag.ref} was resolved already by <@{flag.resolved_by}>: {flag.resolution}"
        )
    text = " ".join(resolution.split())
    if not text:
        raise FlagError(f"Say how {flag.ref} was resolved: the issue log keeps the resolution.")
    if len(text) > MAX_RESOLUTION:
        raise FlagError(f"Keep the resolution under {MAX_RESOLUTION} characters.")
    return replace(
        flag, state=FlagState.RESOLVED, resolved_by=user_id, resolved_at=at, resolution=text
    )



# ----- the issue log over a period --------------------------------------------------------------


def issue_period(flags: Iterable[FlagRecord], start: datetime, end: datetime) -> IssueWeek:
    """The issue log over [start, end): flags raised, flags resolved, flags still open at
    ``end`` (whenever raised), and the mean time to resolve the period's resolved flags."""
    ordered = sorted(flags, key=lambda f: f.number)
    raised = [f.ref for f in ordered if start <= f.raised_at < end]
    done = [f for f in ordered if f.resolved_at is not None and start <= f.resolved_at < end]
    still_open = [
        f.ref
        for f in ordered
        if f.raised_at < end and (f.resolved_at is None or f.resolved_at >= end)
    ]
    spans = [f.resolved_at - f.raised_at for f in done if f.resolved_at is not None]
    mean = sum(spans, timedelta()) / len(spans) if spans else None
    return IssueWeek(
        raised=tuple(raised),
        resolved=tuple(f.ref for f in done),
        still_open=tuple(still_open),
        time_to_resolve=mean,
    )
