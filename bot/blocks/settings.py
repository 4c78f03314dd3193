"""`/pilot settings` and `/pilot set`: the settings table and what a change did."""

from __future__ import annotations

from collections.abc import Sequence

from bot.blocks.common import Reply, context, header, section
from bot.blocks.text import literal
from bot.core.pilot_settings import PilotSettings, Setting
from bot.core.setting_changes import SettingChange


def settings_reply(plan_name: str, current: PilotSettings, table: Sequence[Setting]) -> Reply:
    lines = [f"• `{s.key}={_quoted(s.show(current))}`: {s.description}" for s in table]
    body = "\n".join(lines)
    hint = (
        'Change one or several at once: `/pilot set checkin=10:00 review="thu 15:00"`.'
        " The ramp and the end date go through `/pilot change` once the pilot has started."
    )
    title = f"{literal(plan_name)} · settings"
    return Reply(
        text=f"{title}\n{body}\n{hint}",
        blocks=[header(title), section(body), context(hint)],
    )


def _quoted(value: str) -> str:
    return f'"{value}"' if " " in value else value


def settings_changed_reply(changes: Sequence[SettingChange]) -> Reply:
    if not changes:
        text = "Nothing changed: those are already the settings."
    else:
        text = "Changed " + "; ".join(f"`{c.key}` {c.old} → {c.new}" for c in changes) + "."
    return Reply(text=text, blocks=[section(text)])
