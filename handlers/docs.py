"""The documentation checklists: `/pilot docs` (only to you), `/pilot docs post` (in the
channel, a button per item) and the buttons, which the pilot's team and editors press,
either side of a Slack Connect channel. A tick is stored with who and when
(``checklist_tick``; the Post-Pilot list shares its ticks with the final evaluation)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App, Respond
from slack_sdk import WebClient

from bot.blocks import Reply, ids
from bot.blocks.docs import docs_post, docs_reply
from bot.core import commands as catalog
from bot.core.checklists import POST_PILOT
from bot.core.documentation import documentation_checklist, tickable
from bot.core.inputs import parse_id
from handlers.editing import Refusal, answers_with_usage, channel_pilot
from handlers.phase import owe_review_rewrite
from handlers.reviewing import Click, load_pilot, on_button, require_record_keeper
from schedules.docs import documentation_of
from storage.db import unit_of_work
from storage.outbox import message_for_key, owe
from storage.pilots import plan_of
from storage.reviews import tick_checklist

if TYPE_CHECKING:
    from handlers.commands import CommandRequest

POST_KIND = "docs_posted"
UPDATE_KIND = "docs_update"


@answers_with_usage(catalog.DOCS)
def docs_command(request: CommandRequest) -> Reply | None:
    now = request.services.clock.now()
    with unit_of_work(request.services.engine) as session:
        pilot = channel_pilot(session, request)
        return docs_reply(documentation_of(session, pilot, now))


@answers_with_usage(catalog.DOCS_POST)
def docs_post_command(request: CommandRequest) -> Reply | None:
    """Anyone may post the lists; the team ticks them. The post is the answer."""
    now = request.services.clock.now()
    with request.services.work() as session:
        pilot = channel_pilot(session, request)
        doc = documentation_of(session, pilot, now)
        owe(
            session=session,
            pilot=pilot,
            key=request.once_key("docs"),  # asking twice posts twice; a retry, once
            kind=POST_KIND,
            message=docs_post(doc).message(),
            now=now,
        )
    request.ack()
    return None


@on_button
def tick(click: Click, client: WebClient, respond: Respond) -> None:
    """Tick (or untick) one item; the post it was pressed on follows, through delivery."""
    # "pilot:list:item:tick|untick"; a post from before the intent was in the value
    # ("pilot:list:item") toggles.
    four = click.value.count(":") == 3
    pilot_id, name, key, *intent = click.parts(4 if four else 3)
    if intent and intent[0] not in ("tick", "untick"):
        raise Refusal("This checklist is out of date; post it again with `/pilot docs post`.")
    try:
        keys = {item.key for item in documentation_checklist(name)}
    except ValueError:
        keys = set()
    if key not in keys or not tickable(name, key):
        raise Refusal("This checklist is out of date; post it again with `/pilot docs post`.")
    now = click.services.clock.now()
    with click.services.work() as session:
        pilot = load_pilot(session, click, parse_id(pilot_id))
        assert pilot.id is not None
        require_record_keeper(session, pilot, click.user_id, "tick the documentation checklists")
        done = intent[0] == "untick" if intent else documentation_of(
            session, pilot, now
        ).item(name, key).done
        tick_checklist(
            session=session,
            pilot_id=pilot.id,
            checklist=name,
            items=[key],
            checked=set() if done else {key},
            user_id=click.user_id,
            at=now,
        )
        after = documentation_of(session, pilot, now)
        click.owe_update(session, pilot, docs_post(after), kind=UPDATE_KIND, now=now)
        if name == POST_PILOT and message_for_key(
            session=session, pilot_id=pilot.id, key="final_evaluation"
        ):
            # The final evaluation shows the same list with the same ticks.
            owe_review_rewrite(session, pilot, plan_of(pilot), POST_PILOT, now)


def register(app: App) -> None:
    app.action(ids.DOCS_TICK)(tick)
