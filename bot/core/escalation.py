"""The framework's Escalation Path: the severities of a flag, the four steps and whom
each goes to.

    Issue detected
        -> Technical team attempts fix (4 hours)
        -> Project leads notified
        -> Account owner engaged (24 hours)
        -> Executive escalation (48 hours)

The four steps (``EscalationStep``) and the roles each goes to are fixed; when each
step is due lives in ``escalation_policy`` (the delays, frozen on a flag) and
``escalation_timer`` (a flag's state and its next deadline).

Pure: no Slack, no database, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

from bot.core.errors import DomainError
from bot.core.roles import Role


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
