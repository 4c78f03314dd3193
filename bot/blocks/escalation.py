"""The escalation timer's messages: `/pilot escalation` (the policy), each step's line in
the flag's thread, the DM a step sends, and a flag's escalation timeline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks.common import Reply, context, fields, header, section
from bot.blocks.team import mentions
from bot.blocks.text import literal, user_text
from bot.core.escalation import LAST_STEP, EscalationStep, Recipients, Severity, recipients
from bot.core.escalation_policy import EscalationPolicy, EscalationSettings
from bot.core.escalation_timer import DueStep
from bot.core.roles import Role
from bot.core.spans import describe_span


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
    title = f"{literal(pilot_name)} · escalation path"
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


# ----- a flag's escalation: the thread line, the DM, the timeline ---------------------------


@dataclass(frozen=True)
class FlagFacts:
    """What the escalation messages say about a flag and its pilot."""

    ref: str  # "F-3"
    severity: str
    category: str
    description: str  # as typed
    raised_by: str
    raised_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    pilot_name: str
    customer: str
    channel_id: str  # the pilot's channel
    thread_ts: str | None  # the thread everything about the flag is posted in
    link_ts: str | None  # the message a link to the flag opens (its announcement)
    zone: ZoneInfo


@dataclass(frozen=True)
class StepDone:
    """A step the timer took: when it was due, when it went out, and to whom."""

    recipients: Recipients
    due_at: datetime
    at: datetime

    @property
    def step(self) -> EscalationStep:
        return self.recipients.step

    @property
    def late_by(self) -> str | None:
        due = DueStep(self.step, self.due_at)
        return describe_span(due.late_by(self.at)) if due.is_late(self.at) else None


def when(instant: datetime, zone: ZoneInfo) -> str:
    """ "Mon Dec 14, 14:00 EST", in the pilot's zone."""
    local = instant.astimezone(zone)
    return f"{local:%a %b} {local.day}, {local:%H:%M %Z}"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _headline(flag: FlagFacts) -> str:
    return f"{flag.ref} ({flag.severity}, {flag.category})"


def _reached(found: Recipients) -> str:
    """ "the account owner, <@U6>", or where a step without people went."""
    people = mentions(found.users)
    if found.goes_to is None:
        return f"the pilot's owner, {people}"
    return f"{found.goes_to.audience}, {people}"


def _people(found: Recipients) -> str:
    """Who a step reached: its people, or where it went when nobody held its roles."""
    return _reached(found) if found.fell_through else mentions(found.users)


def _unassigned_note(found: Recipients) -> str:
    if not found.unassigned:
        return ""
    missing = role_names(found.unassigned)
    if found.fell_through:
        above = "nor anyone above" if found.goes_to is None else "so it went up the path"
        return (
            f" No {missing} is assigned ({above}): add one with"
            f" `/pilot team add @user {found.unassigned[0].value}`."
        )
    return f" (No {missing} is assigned.)"


def _missing(found: Recipients) -> str:
    return f" (no {role_names(found.unassigned)} assigned)" if found.unassigned else ""


def step_line(
    flag: FlagFacts, done: StepDone, next_due: DueStep | None, next_recipients: str = ""
) -> Reply:
    """The one line a step posts in the flag's thread."""
    found = done.recipients
    if done.step is EscalationStep.TECHNICAL_TEAM:
        text = f"{flag.ref} is with {_reached(found)}."
    else:
        age = describe_span(done.due_at - flag.raised_at)
        text = f"Escalated to {_reached(found)}: {flag.ref} is unresolved after {age}."
    text += _unassigned_note(found)
    if done.late_by:
        text += f" (Late by {done.late_by}: the bot could not send it on time.)"
    if next_due is not None:
        text += (
            f" Next, if still unresolved: {next_due.step.audience}"
            f"{next_recipients} on {when(next_due.due_at, flag.zone)}."
        )
    return Reply(text=text, blocks=[section(text)])


def escalation_dm(
    flag: FlagFacts,
    done: StepDone,
    *,
    told: Sequence[StepDone],
    next_due: DueStep | None,
    buttons: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """The DM a step sends to each of its people: a chat.postMessage body.

    Its link to the flag's thread is made at send time (delivery's ``permalink_of``).
    """
    found = done.recipients
    age = describe_span(done.due_at - flag.raised_at)
    title = f"{flag.ref} escalated to you: unresolved after {age}"
    if found.fell_through:
        instead = "its owner" if found.goes_to is None else found.goes_to.audience
        why = (
            f"No {role_names(done.step.roles)} is assigned in *{literal(flag.pilot_name)}*, so the"
            f" step for {done.step.audience} comes to you, as {instead}."
        )
    else:
        name = literal(flag.pilot_name)
        why = f"The escalation path of *{name}* engages {done.step.audience} after {age}."
    acknowledged = (
        f"<@{flag.acknowledged_by}> ({when(flag.acknowledged_at, flag.zone)})"
        if flag.acknowledged_by and flag.acknowledged_at
        else ""
    )
    told_line = "; ".join(f"{d.step.audience}: {mentions(d.recipients.users)}" for d in told)
    upcoming = (
        f"{next_due.step.audience}, {when(next_due.due_at, flag.zone)}"
        if next_due is not None
        else ""
    )
    description = user_text(flag.description)
    link = (
        f"<permalink|Open {flag.ref}'s thread>"
        if flag.link_ts
        else f"{flag.ref} is in <#{flag.channel_id}>."
    )
    late = (
        f":hourglass: This message is late by {done.late_by}: it was due"
        f" {when(done.due_at, flag.zone)}."
        if done.late_by
        else ""
    )
    blocks: list[dict[str, Any]] = [
        header(f":rotating_light: {title}"),
        section(
            f"*{literal(flag.pilot_name)}* · {literal(flag.customer)} · <#{flag.channel_id}>\n"
            f"*{flag.ref}* · {flag.severity} · {flag.category}\n> {description}"
        ),
        fields(
            [
                ("Age", f"{age} (raised {when(flag.raised_at, flag.zone)})"),
                ("Raised by", f"<@{flag.raised_by}>"),
                ("Acknowledged by", acknowledged or "Nobody yet"),
                ("Told so far", told_line or "Nobody before you"),
                ("Next step", _sentence(upcoming) if upcoming else "None: this is the last step"),
            ]
        ),
        section(f"{why} {link}"),
    ]
    if late:
        blocks.append(context(late))
    if buttons:
        blocks.append(
            {"type": "actions", "block_id": "escalation_actions", "elements": list(buttons)}
        )
    text = (
        f"{title}. {literal(flag.pilot_name)} ({literal(flag.customer)}),"
        f" {_headline(flag)}: {description}."
        f" Raised by <@{flag.raised_by}> on {when(flag.raised_at, flag.zone)};"
        f" acknowledged by {acknowledged or 'nobody yet'};"
        f" told so far: {told_line or 'nobody before you'};"
        f" next: {upcoming or 'none, this is the last step'}. {why} {link}"
    )
    if late:
        text += f" {late}"
    body: dict[str, Any] = Reply(text=text, blocks=blocks).message()
    if flag.link_ts:
        body["permalink_of"] = {"channel": flag.channel_id, "message_ts": flag.link_ts}
    return body


@dataclass(frozen=True)
class SnoozeFacts:
    user_id: str
    span: timedelta
    reason: str
    at: datetime


def timeline_lines(
    flag: FlagFacts,
    policy: EscalationPolicy,
    *,
    done: Sequence[StepDone],
    to_come: Sequence[DueStep],
    halted: str | None,
    snoozes: Sequence[SnoozeFacts] = (),
    notes: Mapping[EscalationStep, str] = MappingProxyType({}),
) -> list[str]:
    """`/pilot flag F-3`'s escalation: steps done (when, to whom), steps to come (when),
    snoozes, and why no more will come. ``notes`` adds what became of a step's messages
    (a DM Slack refused, say)."""
    lines = [f"*Escalation path* ({policy.delays.format()}, {policy.clock})"]
    for step in done:
        late = f", late by {step.late_by}" if step.late_by else ""
        note = notes.get(step.step, "")
        lines.append(
            f":white_check_mark: {step.step.number}. {_sentence(step.step.audience)}:"
            f" {when(step.at, flag.zone)}{late}, to {_people(step.recipients)}"
            f"{_missing(step.recipients)}{f' ({note})' if note else ''}"
        )
    for due in to_come:
        lines.append(
            f":hourglass_flowing_sand: {due.step.number}. {_sentence(due.step.audience)}:"
            f" due {when(due.due_at, flag.zone)}"
        )
    for snooze in snoozes:
        lines.append(
            f":zzz: Snoozed {describe_span(snooze.span)} by <@{snooze.user_id}>"
            f" {when(snooze.at, flag.zone)}: {user_text(snooze.reason)}"
        )
    if halted and not (done and done[-1].step is LAST_STEP):
        lines.append(f":octagonal_sign: No further steps: {halted}.")
    return lines


def snoozed_reply(
    flag: FlagFacts, snooze: SnoozeFacts, next_due: DueStep | None
) -> tuple[Reply, Reply]:
    """What the person who snoozed is told, and the line in the flag's thread."""
    then = (
        f" Next, if still unresolved: {next_due.step.audience} on"
        f" {when(next_due.due_at, flag.zone)}."
        if next_due is not None
        else ""
    )
    line = (
        f":zzz: <@{snooze.user_id}> snoozed {flag.ref}'s escalation by"
        f" {describe_span(snooze.span)}: {user_text(snooze.reason)}.{then}"
    )
    answer = (
        f"Snoozed {flag.ref}'s escalation by {describe_span(snooze.span)}; the change log"
        f" keeps why.{then}"
    )
    return Reply(answer, [section(answer)]), Reply(line, [section(line)])
