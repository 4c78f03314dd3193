"""The Change Process in Slack: the request and its impact, the decision maker's
Approve / Reject buttons, and what the channel and the stakeholders are told."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.blocks import ids
from bot.blocks.common import Reply, context, header, section
from bot.blocks.text import literal, user_text
from bot.core.refs import CHANGE, ref

NO_IMPACT = "No effect on the schedule or on the framework fit."


@dataclass(frozen=True)
class ChangeView:
    """One change request as people see it."""

    change_id: int  # the row id: what the buttons carry
    number: int
    pilot_name: str
    channel_id: str
    summary: str  # "change the ramp from the standard ramp to the custom ramp 10,25,40,40"
    reason: str
    impact: Sequence[str]
    requested_by: str

    @property
    def ref(self) -> str:
        return ref(CHANGE, self.number)

    # People's words, escaped for mrkdwn (see bot.blocks.text).
    @property
    def name(self) -> str:
        return literal(self.pilot_name)

    @property
    def what(self) -> str:
        return user_text(self.summary)

    @property
    def why(self) -> str:
        return user_text(self.reason)

    @property
    def effects(self) -> list[str]:
        return [user_text(line) for line in self.impact]


def _impact_lines(impact: Sequence[str]) -> str:
    return "\n".join(f"• {line}" for line in impact) if impact else f"• {NO_IMPACT}"


def _impact_text(impact: Sequence[str]) -> str:
    return " ".join(impact) if impact else NO_IMPACT


def _request_blocks(change: ChangeView) -> list[dict[str, Any]]:
    return [
        header(f"Change request {change.ref} · {change.pilot_name}"),
        section(f"<@{change.requested_by}> asks to {change.what}.\n*Reason:* {change.why}"),
        section(f"*Impact*\n{_impact_lines(change.effects)}"),
    ]


def requested_reply(change: ChangeView, deciders: Sequence[str], role_name: str) -> Reply:
    """To the requester, ephemerally: recorded, its impact, who decides."""
    who = ", ".join(f"<@{u}>" for u in deciders)
    text = (
        f"{change.ref} is recorded: {change.what}. Impact: {_impact_text(change.effects)}"
        f" I've asked {who} ({role_name}) to approve or reject it; the channel is told."
    )
    return Reply(text=text, blocks=[section(text)])


def applied_reply(summary: str, impact: Sequence[str], start: str) -> Reply:
    """Before the start date an editor changes the plan directly."""
    what = user_text(summary[0].upper() + summary[1:])
    text = (
        f"Done: {what}. Impact: {_impact_text([user_text(line) for line in impact])}"
        f" The pilot has not started, so no approval was needed; from {start} such changes"
        " go to the decision maker."
    )
    return Reply(text=text, blocks=[section(text)])


def no_decider_reply() -> Reply:
    text = (
        "Nobody can approve this change: the pilot has no executive sponsor or project lead."
        " Add one with `/pilot team add @user executive_sponsor` (or `project_lead`),"
        " then ask again."
    )
    return Reply(text=text, blocks=[section(text)])


def decision_request(change: ChangeView, role_name: str) -> Reply:
    """The decision maker's DM, with Approve and Reject."""
    blocks = _request_blocks(change)
    blocks.append(
        context(
            f"You are asked as the pilot's {role_name} (Change Process: written approval"
            f" before the plan changes). Requested in <#{change.channel_id}>."
        )
    )
    blocks.append(
        {
            "type": "actions",
            "block_id": "change_decision",
            "elements": [
                {
                    "type": "button",
                    "action_id": ids.CHANGE_APPROVE,
                    "text": {"type": "plain_text", "text": "Approve"},
                    "style": "primary",
                    "value": str(change.change_id),
                },
                {
                    "type": "button",
                    "action_id": ids.CHANGE_REJECT,
                    "text": {"type": "plain_text", "text": "Reject"},
                    "style": "danger",
                    "value": str(change.change_id),
                },
            ],
        }
    )
    text = (
        f"Change request {change.ref} for {change.name}: <@{change.requested_by}> asks"
        f" to {change.what}. Reason: {change.why}. Impact: {_impact_text(change.effects)}"
        " Approve or reject it here."
    )
    return Reply(text=text, blocks=blocks)


def channel_requested(change: ChangeView, deciders: Sequence[str], role_name: str) -> Reply:
    who = ", ".join(f"<@{u}>" for u in deciders)
    blocks = _request_blocks(change)
    blocks.append(context(f"Waiting for {who} ({role_name}) to approve or reject it."))
    text = (
        f"Change requested ({change.ref}): <@{change.requested_by}> asks to {change.what}."
        f" Reason: {change.why}. Impact: {_impact_text(change.effects)}"
        f" Waiting for {who} ({role_name})."
    )
    return Reply(text=text, blocks=blocks)


def decided_dm(change: ChangeView, approved: bool, at: datetime) -> Reply:
    """The decision maker's DM once decided: the request, without the buttons."""
    outcome = "Approved" if approved else "Rejected"
    blocks = _request_blocks(change)
    blocks.append(context(f"*{outcome}* by you on {at:%b %d, %Y at %H:%M %Z}."))
    return Reply(text=f"{change.ref} {outcome.lower()}: {change.what}.", blocks=blocks)


def channel_decided(change: ChangeView, approved: bool, decider: str, role_name: str) -> Reply:
    if approved:
        text = (
            f":white_check_mark: {change.ref} approved by <@{decider}> ({role_name}): the plan"
            f" now says: {change.what}. Impact: {_impact_text(change.effects)}"
            " `/pilot plan` shows the new calendar."
        )
    else:
        text = (
            f":x: {change.ref} rejected by <@{decider}> ({role_name}): {change.what}."
            " The plan stays as it was."
        )
    return Reply(text=text, blocks=[section(text)])


def stakeholder_dm(change: ChangeView, decider: str) -> Reply:
    """ "Communicate to all stakeholders": each team member's DM after an approval."""
    text = (
        f"{change.name} plan change {change.ref}, approved by <@{decider}>:"
        f" {change.what}. Reason: {change.why}. Impact: {_impact_text(change.effects)}"
    )
    blocks = [
        header(f"{change.pilot_name}: plan changed ({change.ref})"),
        section(f"Approved by <@{decider}>: {change.what}.\n*Reason:* {change.why}"),
        section(f"*Impact*\n{_impact_lines(change.effects)}"),
        context(f"Details in <#{change.channel_id}>; `/pilot plan` there shows the calendar."),
    ]
    return Reply(text=text, blocks=blocks)


def rejected_dm(change: ChangeView, decider: str) -> Reply:
    text = (
        f"Your change request {change.ref} for {change.name} ({change.what}) was"
        f" rejected by <@{decider}>. The plan stays as it was."
    )
    return Reply(text=text, blocks=[section(text)])


def only_decider(deciders: Sequence[str], role_name: str, change_ref: str) -> Reply:
    if not deciders:
        text = (
            f"Nobody may decide {change_ref} right now: the pilot has no {role_name}."
            " Add one with `/pilot team add`."
        )
    else:
        who = " or ".join(f"<@{u}>" for u in deciders)
        text = f"Only {who} ({role_name}) may decide {change_ref}."
    return Reply(text=text, blocks=[section(text)])


def already_decided(change_ref: str, status: str, decider: str, at: datetime | None) -> Reply:
    when = f" on {at:%b %d, %Y at %H:%M %Z}" if at else ""
    text = f"{change_ref} was already {status} by <@{decider}>{when}; nothing changed."
    return Reply(text=text, blocks=[section(text)])


def outdated(change_ref: str, moved: str) -> Reply:
    text = (
        f"{change_ref} was made against an older plan and {user_text(moved)}, so its impact no"
        " longer holds. Reject it and ask for a new request with `/pilot change`."
    )
    return Reply(text=text, blocks=[section(text)])


def not_found() -> Reply:
    text = "That change request is not in this workspace; nothing changed."
    return Reply(text=text, blocks=[section(text)])


def mention(target: str) -> str:
    """A user (U…/W…) or a conversation id, as Slack links it."""
    return f"<@{target}>" if target[:1] in ("U", "W") else f"<#{target}>"


def undelivered(change_ref: str, outcome: str, failed: Sequence[tuple[str, str]]) -> Reply:
    """Some messages of the change process did not get through: who, and Slack's error."""
    who = ", ".join(f"{mention(target)} (`{code}`)" for target, code in failed)
    text = (
        f"{change_ref} is {outcome}, but I could not message {who}."
        " Tell them directly, or check that the app may post there."
    )
    return Reply(text=text, blocks=[section(text)])
