"""`/pilot team`: the Pilot Team Structure, by side and role."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.blocks.common import Reply, context, header, section
from bot.blocks.text import literal
from bot.core.authority import decision_maker
from bot.core.roles import Role, Side, roles_on

_SIDE_TITLES = {Side.CUSTOMER: "Customer side", Side.VENDOR: "Vendor side"}


def mentions(user_ids: Sequence[str]) -> str:
    return ", ".join(f"<@{u}>" for u in user_ids)


def decision_line(holders: Sequence[tuple[str, Role]]) -> str:
    """Who makes the pilot's decisions (approvals, go/no-go), or what is missing."""
    role, users = decision_maker(holders)
    if users:
        who = f"{mentions(users)} ({role.display_name.lower()})"
        return f"Decisions (change approvals, go/no-go): {who}."
    return (
        "Nobody can approve changes yet: add an executive sponsor (or a project lead) with"
        " `/pilot team add @user executive_sponsor`."
    )


def team_reply(
    pilot_name: str,
    holders: Sequence[tuple[str, Role]],
    *,
    owner_id: str,
    organisations: Mapping[str, str] | None = None,
) -> Reply:
    """`/pilot team`: by side and role; a member of another Slack organisation (the
    customer's, in a Slack Connect channel) says which."""
    organisations = organisations or {}

    def who_of(users: Sequence[str]) -> str:
        return ", ".join(
            f"<@{u}> (from {literal(organisations[u])})" if u in organisations else f"<@{u}>"
            for u in users
        )

    blocks: list[dict[str, Any]] = [header(f"{pilot_name} · team")]
    lines_for_text = [f"{literal(pilot_name)} team."]
    for side in Side:
        lines = []
        for role in roles_on(side):
            users = [user for user, held in holders if held is role]
            who = who_of(users) if users else "_nobody yet_"
            lines.append(
                f"• *{role.display_name}* ({role.responsibility.lower()};"
                f" {role.time_commitment}): {who}"
            )
            if users:
                lines_for_text.append(f"{role.display_name}: {who_of(users)}.")
        blocks.append(section(f"*{_SIDE_TITLES[side]}*\n" + "\n".join(lines)))
    decisions = decision_line(holders)
    blocks.append(context(f"Owner: <@{owner_id}>. {decisions}"))
    if organisations:
        blocks.append(
            context(
                "Members from another organisation act from the channel: they reply in the"
                " check-in thread and use the buttons and forms (Slack offers them no"
                " `/pilot` command in a shared channel)."
            )
        )
    blocks.append(
        context("Change it with `/pilot team add @user role` or `/pilot team remove @user role`.")
    )
    if not holders:
        lines_for_text.append("Nobody is on the team yet.")
    lines_for_text += [f"Owner: <@{owner_id}>.", decisions]
    return Reply(text=" ".join(lines_for_text), blocks=blocks)


def member_added_reply(user_id: str, role: Role, holders: Sequence[tuple[str, Role]]) -> Reply:
    others = [
        held.display_name.lower() for user, held in holders if user == user_id and held is not role
    ]
    also = f" They are also {', '.join(others)}." if others else ""
    text = (
        f"Added <@{user_id}> as {role.display_name.lower()} ({role.side.value} side:"
        f" {role.responsibility.lower()}).{also}"
    )
    return Reply(text=text, blocks=[section(text)])


def member_removed_reply(user_id: str, role: Role, holders: Sequence[tuple[str, Role]]) -> Reply:
    text = f"Removed <@{user_id}> as {role.display_name.lower()}."
    _, deciders = decision_maker(holders)
    if not deciders:
        text += " " + decision_line(holders)
    return Reply(text=text, blocks=[section(text)])
