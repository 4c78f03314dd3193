"""`/pilot canvas`: the pilot's living document in its channel.

An editor asks; the bot creates the channel's canvas (``conversations.canvases.create``,
the answer to this very request, like a form it opens) with the pilot's plan and
calendar, team, scope and sign-off, criteria with their latest values, risks, open
flags and decisions, and records it; from then on delivery rewrites it whenever any of
these change (storage/canvas.py, schedules/canvas.py). A channel that already has a
canvas keeps it: the bot says so and never overwrites it. A workspace whose plan has no
channel canvases, or an app without the ``canvases:write`` scope, gets one line, and
nothing changes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slack_sdk.errors import SlackApiError

from bot.blocks import Reply, section
from bot.blocks.text import literal
from bot.features import canvas
from handlers.answers import slack_error_code, work
from storage.db import unit_of_work

if TYPE_CHECKING:
    from handlers.commands import CommandRequest

log = logging.getLogger(__name__)

_REFUSED = {
    "channel_canvas_already_exists": (
        "This channel already has a canvas, so the bot leaves it as it is (it never"
        " overwrites a canvas): remove it in Slack first if the pilot's should take its place."
    ),
    "team_tier_cannot_create_channel_canvases": (
        "This workspace's Slack plan does not allow channel canvases, so there is no pilot"
        " canvas; `/pilot status` and `/pilot docs` show the same record."
    ),
    "missing_scope": (
        "The app may not create canvases yet: add the `canvases:write` scope (manifest.yml)"
        " and reinstall it, then ask again."
    ),
}


def _line(text: str) -> Reply:
    return Reply(text, [section(text)])


def canvas_command(request: CommandRequest) -> Reply | None:
    now = request.services.clock.now()
    with unit_of_work(request.services.engine) as session:
        draft = canvas.draft(session=session, now=now, where=request.where, user_id=request.user_id)
    try:
        # One Web API call, well inside the 3 s ack window.
        answer = request.client.conversations_canvases_create(
            channel_id=draft.channel_id,
            title=draft.title,
            document_content={"type": "markdown", "markdown": draft.markdown},
        )
    except SlackApiError as error:  # Slack's refusal is the answer, in its own words
        code = slack_error_code(error)
        if code == "channel_canvas_already_exists" and draft.ours:
            with work(request.services) as session:
                canvas.rewrite(session=session, now=now, pilot_id=draft.pilot_id)
            return _line(
                f"This channel's canvas is already *{literal(draft.name)}*'s: the bot keeps it"
                " current (it is being rewritten now)."
            )
        log.info("canvas for pilot %s not created: %s", draft.pilot_id, code)
        return _line(_REFUSED.get(code, f"Slack did not create the canvas ({code})."))
    with work(request.services) as session:
        canvas.created(
            session=session,
            now=now,
            draft=draft,
            canvas_id=str(answer.get("canvas_id") or ""),
            user_id=request.user_id,
        )
    return _line(
        f"Created the channel's canvas for *{literal(draft.name)}*: the plan and calendar, team,"
        " scope and sign-off, criteria with their latest values, risks, open flags and"
        " decisions. The bot rewrites it whenever any of these change."
    )
