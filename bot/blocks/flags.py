"""Issue flags: the announcement with its Acknowledge and Resolve buttons, the lines that
follow it in the thread, `/pilot flags`, `/pilot flag F-3`, the two forms, and what
`/pilot status` shows of the issue log."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks import ids
from bot.blocks.common import Reply, context, header, paged, section
from bot.blocks.escalation import when
from bot.blocks.forms import button, modal, option, plain, radio_input, text_input
from bot.blocks.text import guarded, literal, user_text
from bot.core.escalation import Severity
from bot.core.flags import (
    DEFAULT_CATEGORY,
    FLAG_HANDLERS,
    MAX_DESCRIPTION,
    MAX_RESOLUTION,
    FlagRecord,
    flag_ref,
)
from bot.core.risks import RiskCategory
from bot.core.spans import describe_span

SEVERITY_MARK = {
    Severity.CRITICAL: ":rotating_light:",
    Severity.MAJOR: ":warning:",
    Severity.MINOR: ":small_blue_diamond:",
}
SEVERITY_HINT = {
    Severity.CRITICAL: "Pilot blocked or customers hurt: escalates fastest",
    Severity.MAJOR: "Something important is broken or at risk",
    Severity.MINOR: "A nuisance: worth fixing, nothing is blocked",
}
NO_LEVEL = "—"  # escalation level before the escalation timer has a say
_EXCERPT = 150




def headline(flag: FlagRecord) -> str:
    """ ":warning: *F-3* · major · technical"."""
    return (
        f"{SEVERITY_MARK[flag.severity]} *{flag.ref}* · {flag.severity.value}"
        f" · {flag.category.value}"
    )


def _excerpt(text: str, limit: int = _EXCERPT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in user_text(text).splitlines() or [""])


def _state_line(flag: FlagRecord, zone: ZoneInfo) -> str:
    if not flag.is_open and flag.resolved_at is not None:
        return (
            f":white_check_mark: Resolved by <@{flag.resolved_by}> {when(flag.resolved_at, zone)}"
            f" ({describe_span(flag.resolved_at - flag.raised_at)} after it was raised)"
        )
    if flag.acknowledged_by and flag.acknowledged_at is not None:
        return (
            f":eyes: Acknowledged by <@{flag.acknowledged_by}> {when(flag.acknowledged_at, zone)}"
        )
    return ":hourglass_flowing_sand: Not acknowledged yet"


# ----- the announcement, and the lines that follow it -----------------------------------------


def announcement(flag: FlagRecord, *, pilot_id: int, zone: ZoneInfo) -> Reply:
    """The flag as posted in the check-in thread (or the channel); updated in place
    when it is acknowledged (Acknowledge goes) and resolved (both buttons go)."""
    title = f":triangular_flag_on_post: <@{flag.raised_by}> flagged an issue: {headline(flag)}"
    body = f"{title}\n{_quote(flag.description)}"
    state = _state_line(flag, zone)
    if not flag.is_open:
        state += f"\n*Resolution:* {user_text(flag.resolution)}"
    blocks: list[dict[str, Any]] = [section(body), context(state)]
    value = ids.button_value(pilot_id, flag.number)
    elements = []
    if flag.is_open and not flag.acknowledged_by:
        elements.append(button("Acknowledge", ids.FLAG_ACKNOWLEDGE, value, style="primary"))
    if flag.is_open:
        elements.append(button("Resolve", ids.FLAG_RESOLVE, value))
    if elements:
        blocks.append(
            {"type": "actions", "block_id": f"flag_actions:{value}", "elements": elements}
        )
    blocks.append(
        context(
            f"In the issue log as {flag.ref} · `/pilot flag {flag.ref}` shows its history"
            + (
                f" · `/pilot ack {flag.ref}`, `/pilot resolve {flag.ref} &lt;how&gt;`"
                if flag.is_open
                else ""
            )
        )
    )
    text = (
        f"Issue flag {flag.ref} ({flag.severity.value}, {flag.category.value}) from"
        f" <@{flag.raised_by}>: {_excerpt(user_text(flag.description), 300)}"
    )
    return Reply(text=text, blocks=blocks)


def acknowledged_line(flag: FlagRecord) -> Reply:
    text = f":eyes: <@{flag.acknowledged_by}> acknowledged {flag.ref}: they are on it."
    return Reply(text=text, blocks=[section(text)])


def resolved_line(flag: FlagRecord) -> Reply:
    text = f":white_check_mark: <@{flag.resolved_by}> resolved {flag.ref}: " + user_text(
        flag.resolution
    )
    return Reply(text=text, blocks=[section(text)])


def raised_answer(flag: FlagRecord, *, in_thread: bool) -> Reply:
    """What the person who raised it is told (only them)."""
    where = "in today's check-in thread" if in_thread else "in the channel"
    text = (
        f"Raised {flag.ref} ({flag.severity.value}, {flag.category.value}): it is in the issue"
        f" log and announced {where}. The team acknowledges it with `/pilot ack {flag.ref}`"
        f" and resolves it with `/pilot resolve {flag.ref} &lt;resolution&gt;`."
    )
    return Reply(text=text, blocks=[section(text)])


def not_announced(flag: FlagRecord) -> Reply:
    text = (
        f"{flag.ref} is in the issue log, but Slack did not take its announcement:"
        " tell the team in the channel."
    )
    return Reply(text=text, blocks=[section(text)])


def empty_reply_flag() -> Reply:
    """A check-in reply that starts with flag: and says nothing more."""
    text = (
        "To flag an issue, say what it is after `flag:` (for example `flag: critical checkout"
        " fails for EU users`), or use *Flag an issue* on the check-in."
    )
    return Reply(text=text, blocks=[section(text)])


# ----- /pilot flags and /pilot flag F-3 ---------------------------------------------------------


def _severity_order(flag: FlagRecord) -> tuple[int, int]:
    return (list(Severity).index(flag.severity), flag.number)


def flags_reply(
    pilot_name: str,
    flags: Sequence[FlagRecord],
    *,
    now: datetime,
    levels: Mapping[int, str],
    page: int = 1,
) -> Reply:
    """`/pilot flags`: the open flags, most severe first; ``levels`` is each flag's
    escalation level by number ("—" where there is none)."""
    if not flags:
        text = (
            f"No open flags in *{literal(pilot_name)}*. Raise one with `/pilot flag"
            " &lt;severity&gt;"
            " &lt;description&gt;`, *Flag an issue* on the check-in, or a check-in reply that"
            " starts with `flag:`."
        )
        return Reply(text=text, blocks=[section(text)])
    ordered, note = paged(sorted(flags, key=_severity_order), page, "/pilot flags")
    lines = []
    for flag in ordered:
        acked = (
            f"acknowledged by <@{flag.acknowledged_by}>"
            if flag.acknowledged_by
            else ("*not acknowledged*")
        )
        lines.append(
            f"{headline(flag)} · {describe_span(now - flag.raised_at)} old · {acked}"
            f" · escalation: {levels.get(flag.number, NO_LEVEL)}\n"
            f"      {user_text(_excerpt(flag.description))}"
        )
    count = len(flags)
    title = f"Open flags · {literal(pilot_name)} ({count})"
    blocks = [header(title)]
    blocks += [section("\n".join(lines[i : i + 10])) for i in range(0, len(lines), 10)]
    example = ordered[0].ref if ordered else "F-1"  # an id the reader can see in the list
    if note:
        blocks.append(context(note))
    blocks.append(
        context(
            f"`/pilot flag {example}` shows a flag's history · `/pilot ack {example}` · "
            f"`/pilot resolve {example} &lt;resolution&gt;`"
        )
    )
    text = f"{title}: " + "; ".join(f"{f.ref} {f.severity.value}" for f in ordered)
    if note:
        text += f". {note}"
    return Reply(text=text, blocks=blocks)


def flag_history_reply(
    flag: FlagRecord, *, zone: ZoneInfo, now: datetime, timeline: Sequence[str] = ()
) -> Reply:
    """`/pilot flag F-3`: the flag's whole history in the issue log; ``timeline`` adds
    its escalation (lines from the escalation timer)."""
    state = "Open" if flag.is_open else "Resolved"
    title = f"{flag.ref} · {flag.severity.value} · {flag.category.value} · {state}"
    lines = [
        f":triangular_flag_on_post: Raised by <@{flag.raised_by}> {when(flag.raised_at, zone)},"
        f" {flag.source.described}"
    ]
    if flag.acknowledged_by and flag.acknowledged_at is not None:
        lines.append(
            f":eyes: Acknowledged by <@{flag.acknowledged_by}> {when(flag.acknowledged_at, zone)}"
            f" ({describe_span(flag.acknowledged_at - flag.raised_at)} after it was raised)"
        )
    elif flag.is_open:
        lines.append(":hourglass_flowing_sand: Not acknowledged yet")
    if not flag.is_open and flag.resolved_at is not None:
        lines.append(_state_line(flag, zone))
        lines.append(f"*Resolution:* {user_text(flag.resolution)}")
    else:
        lines.append(f"Open for {describe_span(now - flag.raised_at)}")
    blocks: list[dict[str, Any]] = [
        header(title),
        section(_quote(flag.description)),
        section("\n".join(lines)),
    ]
    if timeline:
        blocks.append(section("\n".join(timeline)))
    if flag.is_open:
        blocks.append(
            context(f"`/pilot ack {flag.ref}` · `/pilot resolve {flag.ref} &lt;resolution&gt;`")
        )
    text = f"{title}: {_excerpt(user_text(flag.description))}. " + " ".join(
        line for line in lines if not line.startswith("*")
    )
    return Reply(text=text, blocks=blocks)


def unknown_flag(number: int, numbers: Sequence[int]) -> str:
    """There is no F-<number>: which ids there are."""
    if not numbers:
        return f"There is no {flag_ref(number)}: no flags have been raised in this pilot yet."
    if len(numbers) == 1:
        only = flag_ref(numbers[0])
        return f"There is no {flag_ref(number)} in this pilot's issue log: only {only} exists."
    span = f"{flag_ref(numbers[0])} to {flag_ref(numbers[-1])}"
    return f"There is no {flag_ref(number)} in this pilot's issue log ({span} exist)."


def not_allowed(owner_id: str, action: str) -> str:
    return (
        f"Only {FLAG_HANDLERS} may {action} flags. Ask the owner (<@{owner_id}>) to add you"
        " to the team with `/pilot team add`."
    )


# ----- the forms ---------------------------------------------------------------------------------


def raise_modal(*, metadata: Mapping[str, str], day: date | None = None) -> dict[str, Any]:
    """Flag an issue: severity, category (technical unless told) and a description."""
    category = radio_input(
        ids.FLAG_CATEGORY,
        "Category",
        [option(c.value, c.value.capitalize(), ", ".join(c.examples)) for c in RiskCategory],
    )
    category["element"]["initial_option"] = option(
        DEFAULT_CATEGORY.value,
        DEFAULT_CATEGORY.value.capitalize(),
        ", ".join(DEFAULT_CATEGORY.examples),
    )
    intro = "It goes into the issue log and is announced"
    intro += (
        f" in the check-in thread of {day:%a %b} {day.day}." if day else " in the pilot's channel."
    )
    return modal(
        ids.FLAG_MODAL,
        "Flag an issue",
        [
            context(intro),
            radio_input(
                ids.FLAG_SEVERITY,
                "Severity",
                [option(s.value, s.value.capitalize(), SEVERITY_HINT[s]) for s in Severity],
            ),
            category,
            text_input(
                ids.FLAG_DESCRIPTION,
                "What is wrong?",
                multiline=True,
                placeholder="What happens, since when, who is affected",
                max_length=MAX_DESCRIPTION,
            ),
        ],
        submit="Flag it",
        metadata=metadata,
    )


def resolve_modal(*, pilot_id: int, number: int) -> dict[str, Any]:
    ref = flag_ref(number)
    return modal(
        ids.FLAG_RESOLVE_MODAL,
        f"Resolve {ref}",
        [
            context(f"The issue log keeps how {ref} was resolved."),
            text_input(
                ids.FLAG_RESOLUTION,
                "Resolution",
                multiline=True,
                placeholder="What was done, and what remains to watch",
                max_length=MAX_RESOLUTION,
            ),
        ],
        submit="Resolve",
        metadata={"pilot": ids.button_value(pilot_id, number)},
    )


def notice_modal(title: str, text: str) -> dict[str, Any]:
    """A form that only tells something (no pilot here, not allowed, resolved already)."""
    return {
        "type": "modal",
        "callback_id": ids.FLAG_NO_PILOT_MODAL,
        "title": plain(title, 24),
        "close": plain("Close", 24),
        "blocks": guarded([section(text)]),
    }


# ----- /pilot status --------------------------------------------------------------------------


def status_flag_parts(
    open_flags: Sequence[tuple[str, Severity, str]], checked_in: Sequence[str] | None
) -> list[tuple[str, str]]:
    """`/pilot status`'s issue log: open flags by severity ((ref, severity, acknowledged
    by) each), and who checked in today (None: today is no check-in day)."""
    parts = []
    if open_flags:
        by_severity = []
        for severity in Severity:
            refs = [ref for ref, s, _ in open_flags if s is severity]
            if refs:
                by_severity.append(
                    f"{SEVERITY_MARK[severity]} {len(refs)} {severity.value} ({', '.join(refs)})"
                )
        unacked = [ref for ref, _, by in open_flags if not by]
        body = " · ".join(by_severity)
        if unacked:
            body += f"\nNot acknowledged: {', '.join(unacked)}"
        parts.append(("Open flags", body + "\n`/pilot flags` lists them"))
    else:
        parts.append(("Open flags", "None"))
    if checked_in is not None:
        parts.append(
            (
                "Today's check-ins",
                ", ".join(f"<@{u}>" for u in checked_in) if checked_in else "None yet",
            )
        )
    return parts


def undelivered_part(
    undelivered: Sequence[tuple[str, str, str, int]],
) -> list[tuple[str, str]]:
    """`/pilot status`'s line for messages Slack refused for good ((channel, DM users,
    Slack's error, how many) each): nothing when every message went out."""
    if not undelivered:
        return []
    total = sum(count for *_, count in undelivered)
    lines = []
    for channel, dm_users, error, count in undelivered[:5]:
        where = (
            "DM to " + ", ".join(f"<@{u}>" for u in dm_users.split(",") if u)
            if dm_users
            else f"<#{channel}>"
        )
        lines.append(f"{count} to {where}: `{error or 'refused'}`")
    more = len(undelivered) - 5
    if more > 0:
        lines.append(f"and {more} more; `pilot-bot agenda` lists them all")
    noun = "message" if total == 1 else "messages"
    return [(f":warning: Undelivered ({total} {noun} Slack refused)", "\n".join(lines))]
