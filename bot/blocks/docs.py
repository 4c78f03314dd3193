"""Documentation Requirements in Slack: the three checklists (`/pilot docs`, and the post
with a button per item), the scope document with its **Sign off**, and meeting notes
(the Add notes form and the note in the review's thread)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.blocks import ids
from bot.blocks.common import Reply, context, header, section
from bot.blocks.forms import actions, button, modal, text_input
from bot.blocks.review import local_when
from bot.blocks.text import literal, user_text
from bot.core.boundaries import Boundary
from bot.core.decisions import Deciders
from bot.core.documentation import TITLES, DocItem, Documentation, ScopeState
from bot.core.plan import Plan

MAX_NOTES = 3000

_HOW_TO_POST = "`/pilot docs post` puts them in the channel with a button per item."
_SIGNED_HOW = "ticked by the decision maker's *Sign off* on the scope document post"


def _mark(item: DocItem) -> str:
    return ":white_check_mark:" if item.done else ":white_large_square:"


def item_state(item: DocItem, plan: Plan) -> str:
    """Why an item stands as it does: the team's tick (who, when), else the record's word."""
    record = f"the record: {literal(item.answer.note)}" if item.answer is not None else ""
    if item.tick is not None:
        verb = "ticked" if item.tick.checked else "unticked"
        said = f"{verb} by <@{item.tick.by}> {local_when(item.tick.at, plan)}"
        return f"{said} ({record})" if record else said
    if record:
        return record + ("" if item.tickable else f"; {_SIGNED_HOW}")
    return "the record cannot tell: the team ticks it"


def _line(item: DocItem, plan: Plan) -> str:
    return f"{_mark(item)} *{literal(item.item.label)}* · {item_state(item, plan)}"


def _counts(items: tuple[DocItem, ...]) -> str:
    return f"{sum(i.done for i in items)} of {len(items)} done"


def docs_reply(doc: Documentation) -> Reply:
    """`/pilot docs`: the three checklists and each item's state, only to the asker."""
    plan = doc.plan
    title = f"{plan.name} · documentation"
    blocks: list[dict[str, Any]] = [header(title)]
    text = [f"{literal(title)}"]
    for name, items in doc.lists:
        heading = f"*{TITLES[name]}* ({_counts(items)})"
        lines = [_line(item, plan) for item in items]
        blocks.append(section(heading + "\n" + "\n".join(lines)))
        text.append(f"{TITLES[name]} ({_counts(items)}): " + "; ".join(lines))
    how = (
        "The framework's Documentation Requirements. The record ticks what it can tell by"
        f" itself; the team (either side) ticks the rest. {_HOW_TO_POST}"
    )
    blocks.append(context(how))
    return Reply(text="\n".join(text), blocks=blocks)


def docs_post(doc: Documentation) -> Reply:
    """The checklists in the channel: each item with a Tick / Untick button, so that
    customer-side members of a Slack Connect channel can tick too."""
    plan = doc.plan
    title = f"Documentation checklists · {plan.name}"
    blocks: list[dict[str, Any]] = [
        header(title),
        section(
            f"*{literal(plan.name)}* · {literal(plan.customer)}: the framework's Documentation"
            " Requirements. The record ticks what it can tell by itself; the team ticks the"
            " rest here."
        ),
    ]
    text = [literal(title)]
    for name, items in doc.lists:
        blocks.append(section(f"*{TITLES[name]}* ({_counts(items)})"))
        for item in items:
            block = section(_line(item, plan))
            if item.tickable:
                label = "Untick" if item.done else "Tick"
                # What the press asks for, not a toggle: a press on a post not yet
                # rewritten after someone else's tick must not undo it.
                wanted = "untick" if item.done else "tick"
                value = ids.button_value(doc.pilot_id, name, item.item.key, wanted)
                block["accessory"] = button(label, ids.DOCS_TICK, value)
            blocks.append(block)
        text.append(f"{TITLES[name]}: " + "; ".join(_line(i, plan) for i in items))
    blocks.append(
        context(
            "The pilot's team (either side) and its editors tick; this post follows."
            " `/pilot docs` shows the same lists."
        )
    )
    return Reply(text="\n".join(text), blocks=blocks)


# ----- the scope document and its sign-off --------------------------------------------------


def scope_document_message(
    *,
    plan: Plan,
    pilot_id: int,
    version: int,
    scope: Mapping[Boundary, str],
    why: str,
    deciders: Deciders,
    state: ScopeState,
) -> Reply:
    """A version of the scope document: the hard boundaries, why it was written, and its
    sign-off (the Sign off button for the decision maker, or who signed, or that a later
    version replaced it)."""
    title = f"Scope document · {plan.name} · version {version}"
    lines = [f"• *{b.label}:* {literal(scope[b]) if scope.get(b) else '_not defined_'}"
             for b in Boundary]
    blocks: list[dict[str, Any]] = [
        header(title),
        section("*Hard boundaries*\n" + "\n".join(lines)),
        context(why),
    ]
    latest = state.version == version
    signed = state.signed if latest and state.signed and state.signed.version == version else None
    if not latest:
        said = (
            f":arrows_counterclockwise: Replaced by version {state.version} (the scope changed):"
            " this version's sign-off no longer holds."
        )
        blocks.append(section(said))
    elif signed is not None:
        said = (
            f":white_check_mark: *Signed off* by <@{signed.by}> ({signed.role_name}) on"
            f" {local_when(signed.at, plan)}."
        )
        blocks.append(section(said))
    elif not deciders.users:
        said = (
            "The framework asks for a signed scope document, and nobody holds the deciding"
            " role yet: add one with `/pilot team add @user executive_sponsor`, then sign"
            " off here."
        )
        blocks.append(section(said))
        blocks.append(_sign_off(pilot_id, version))
    else:
        who = ", ".join(f"<@{u}>" for u in deciders.users)
        said = (
            f"The framework asks for a signed scope document: {who} ({deciders.role_name})"
            " signs it off. The next scope change clears the signature."
        )
        blocks.append(section(said))
        blocks.append(_sign_off(pilot_id, version))
    text = "\n".join([literal(title), *lines, why, said])
    return Reply(text=text, blocks=blocks)


def _sign_off(pilot_id: int, version: int) -> dict[str, Any]:
    return actions(
        "scope_sign_off",
        button(
            "Sign off", ids.SCOPE_SIGN_OFF, ids.button_value(pilot_id, version), style="primary"
        ),
    )


def scope_signoff_line(state: ScopeState, plan: Plan) -> str:
    """For `/pilot scope`: whether the scope document is signed off, by whom and when."""
    if state.version is None:
        return "_Sign-off: the scope has not been posted for sign-off yet (`/pilot scope set`)._"
    signed = state.signed
    if signed is not None and signed.version == state.version:
        return (
            f":white_check_mark: *Signed off* (version {state.version}) by <@{signed.by}>"
            f" ({signed.role_name}) on {local_when(signed.at, plan)}."
        )
    who = f" by the {state.decider_role}" if state.decider_role else ""
    return (
        f":hourglass: Version {state.version} is not signed off{who} yet: *Sign off* on its"
        " post in the channel."
    )


# ----- meeting notes ---------------------------------------------------------------------------


def notes_modal(*, pilot_id: int, review_key: str, plan: Plan, review: str) -> dict[str, Any]:
    return modal(
        ids.NOTES_MODAL,
        "Meeting notes",
        [
            section(
                f"*{literal(plan.name)}* · {literal(review)}: what was said and agreed. The"
                " notes go in the review's thread and in the weekly and final reports."
            ),
            text_input(ids.NOTES_TEXT, "Notes", multiline=True, max_length=MAX_NOTES),
        ],
        submit="Save",
        metadata={"pilot": pilot_id, "review": review_key},
    )


def notes_in_thread(review: str, by: str, text: str) -> Reply:
    head = f":memo: *Meeting notes* · {literal(review)} · from <@{by}>"
    body = user_text(text, 2800)
    return Reply(text=f"{head}\n{body}", blocks=[section(f"{head}\n{body}")])


def notes_saved(review: str) -> Reply:
    text = (
        f"Saved your notes ({literal(review)}): they go in the review's thread and in the"
        " weekly and final reports."
    )
    return Reply(text=text, blocks=[section(text)])
