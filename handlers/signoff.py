"""Sign off on a scope document's post (bot/features/signoff.py does the work)."""

from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from bot.blocks import ids
from bot.core.inputs import parse_id
from bot.features import signoff
from bot.features.access import Named
from handlers.answers import work
from handlers.clicks import Click, on_button


@on_button
def sign_off(click: Click, client: WebClient) -> str | None:
    """Sign off: the decision maker signs the version the post shows, if it is the latest."""
    pilot_id, version_text = click.parts(2)
    with work(click.services) as session:
        done = signoff.sign_off(
            session=session,
            now=click.services.clock.now(),
            where=Named(click.workspace, parse_id(pilot_id)),
            version=parse_id(version_text.removeprefix("v")),
            user_id=click.user_id,
        )
    return done.answer


def register(app: App) -> None:
    app.action(ids.SCOPE_SIGN_OFF)(sign_off)
