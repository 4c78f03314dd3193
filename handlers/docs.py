"""`/pilot docs` (only to you), `/pilot docs post` (in the channel, a button per item) and
the buttons, which the pilot's team and editors press, either side of a Slack Connect
channel (bot/features/docs.py does the work)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App
from slack_sdk import WebClient

from bot.blocks import Reply, ids
from bot.features import docs
from bot.features.access import Named
from handlers.answers import work
from handlers.clicks import Click, on_button
from storage.db import unit_of_work

if TYPE_CHECKING:
    from handlers.commands import CommandRequest


def docs_command(request: CommandRequest) -> Reply | None:
    with unit_of_work(request.services.engine) as session:
        return docs.docs_of(session=session, now=request.services.clock.now(), where=request.where)


def docs_post_command(request: CommandRequest) -> Reply | None:
    """Anyone may post the lists; the team ticks them. The post is the answer."""
    with work(request.services) as session:
        docs.post_docs(
            session=session,
            now=request.services.clock.now(),
            where=request.where,
            key=request.once_key("docs"),  # asking twice posts twice; a retry, once
        )
    request.ack()
    return None


@on_button
def tick(click: Click, client: WebClient) -> None:
    """Tick (or untick) one item; the post it was pressed on follows, through delivery."""
    pilot_id, name, key, untick = ids.docs_tick_parts(click.value)
    with work(click.services) as session:
        docs.tick_item(
            session=session,
            now=click.services.clock.now(),
            where=Named(click.workspace, pilot_id),
            name=name,
            key=key,
            untick=untick,
            user_id=click.user_id,
            clicked=click.clicked,
        )


def register(app: App) -> None:
    app.action(ids.DOCS_TICK)(tick)
