"""Helpers for the plan command tests: ephemeral answers and what the database holds."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.core.grammar import unescape
from devtools.harness import RunningBot
from storage.db import unit_of_work
from storage.models import Pilot
from storage.team import change_log
from tests.helpers import CHANNEL


def answer(bot: RunningBot, text: str, *, user_id: str = "U0001", channel_id: str = CHANNEL) -> str:
    """Send `/pilot <text>` and return the ephemeral answer, checked to be one ephemeral reply."""
    response = bot.sender.command(text, user_id=user_id, channel_id=channel_id)
    assert response.status == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    return unescape(str(body["text"]))  # usage lines arrive with Slack's escapes


def pilots(engine: Engine) -> list[Pilot]:
    with unit_of_work(engine) as session:
        return list(session.exec(select(Pilot)).all())


def the_pilot(engine: Engine) -> Pilot:
    (pilot,) = pilots(engine)
    return pilot


def logged(engine: Engine) -> list[tuple[str, str, str, str]]:
    """The pilot's change log as (kind, user, summary, reason)."""
    pilot = the_pilot(engine)
    assert pilot.id is not None
    with unit_of_work(engine) as session:
        return [
            (e.kind, e.user_id, e.summary, e.reason)
            for e in change_log(session=session, pilot_id=pilot.id)
        ]
