"""The escalation timer's messages: `/pilot escalation` (the policy)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.blocks.common import Reply, context, header, section
from bot.blocks.team import mentions
from bot.core.escalation import (
    EscalationSettings,
    EscalationStep,
    Recipients,
    Severity,
    describe_span,
    recipients,
)
from bot.core.roles import Role


def role_names(roles: Sequence[Role]) -> str:
    """ "project lead or implementation lead"."""
    names = [role.display_name.lower() for role in roles]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def who_gets_it(found: Recipients) -> str:
    """Who a step goes to; when nobody holds its roles, which role is unassigned and
    who gets it instead."""
    people = mentions(found.users)
    if not found.fell_through:
        missing = f" (no {role_names(found.unassigned)} assigned)" if found.unassigned else ""
        return f"{people}{missing}"
    missing = f"no {role_names(found.step.roles)} assigned"
    if found.goes_to is None:
        return f"{missing} (nor anyone above), so the pilot's owner: {people}"
    return f"{missing}, so {found.goes_to.audience}: {people}"


def policy_reply(
    *,
    pilot_name: str,
    tz: str,
    settings: EscalationSettings,
    team: Sequence[tuple[str, Role]],
    owner_id: str,
) -> Reply:
    """`/pilot escalation`: the path, its delays per severity, and who each step reaches."""
    lines = []
    for step in EscalationStep:
        found = recipients(step, team, owner_id)
        if step is EscalationStep.TECHNICAL_TEAM:
            when = "At once, in the flag's thread"
        else:
            after = " · ".join(
                f"{severity.value} {describe_span(settings.delays_for(severity).of(step))}"
                for severity in Severity
            )
            when = f"By DM, after {after}"
        lines.append(
            f"{step.number}. *{step.audience.capitalize()}* ({role_names(step.roles)}). "
            f"{when}: {who_gets_it(found)}"
        )
    hours = settings.business_hours
    clock = (
        "Delays count calendar hours, nights and weekends included, as the framework states"
        " them (`/pilot set business_hours=09:00-18:00` counts working hours only)."
        if hours is None
        else f"Delays count working hours only: {hours.format()} on workdays ({tz}), so a"
        " deadline outside them moves to the next working morning."
    )
    ack = (
        "Acknowledging a flag pauses its escalation (ack_pauses_escalation=yes)."
        if settings.ack_pauses
        else "Acknowledging a flag records who is on it; the path goes on until it is resolved."
    )
    rules = (
        "Resolving a flag or ending the pilot stops the path; pausing the pilot does not."
        ' A flag keeps the policy it was raised under. `/pilot snooze F-3 4h reason="..."`'
        " delays one flag's remaining steps."
    )
    change = 'Change the delays with `/pilot set escalation_critical="1h 4h 8h"`.'
    title = f"{pilot_name} · escalation path"
    body = "\n".join(lines)
    blocks: list[dict[str, Any]] = [
        header(title),
        section(body),
        context(clock),
        context(f"{ack} {rules}"),
        context(change),
    ]
    text = f"{title}\n{body}\n{clock} {ack} {rules} {change}"
    return Reply(text=text, blocks=blocks)
