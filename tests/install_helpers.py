"""Helpers for the multi-workspace tests: a browser for the install pages, installs through
the emulated OAuth, a signed sender per workspace, and scheduler rounds run as
`pilot-bot scheduler` runs them (each workspace's token from the installation store)."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from slack_sdk import WebClient
from sqlalchemy.engine import Engine

from bot.tokens import tokens_for
from devtools.harness import SIGNING_SECRET, RunningBot
from schedules.clients import TeamClients, clients_for
from schedules.delivery import DeliveryReport, deliver, make_delivery_client
from schedules.tick import tick
from slack_emulator.client import SlackSender
from storage.db import unit_of_work
from storage.models import Pilot
from storage.pilots import refresh_next_due
from storage.scope import Workspace
from tests.helpers import acme_plan, store_pilot
from tests.review_helpers import idle

VENDOR, GLOBEX = "T0001", "T0002"  # the emulator's own workspace, and a second one
CHANNELS = {VENDOR: "C0001", GLOBEX: "C0201"}
OWNERS = {VENDOR: "U0001", GLOBEX: "U0201"}
COOKIE = "slack-app-oauth-state"

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Page:
    status: int
    headers: dict[str, str]
    text: str


def browse(url: str, *, cookie: str | None = None) -> Page:
    """GET ``url`` as a browser would (the install pages are not signed)."""
    headers = {"Cookie": cookie} if cookie else {}
    request = urllib.request.Request(url, headers=headers)
    try:
        with _OPENER.open(request, timeout=10) as answer:
            return Page(answer.status, dict(answer.headers.items()), answer.read().decode())
    except urllib.error.HTTPError as error:
        return Page(error.code, dict(error.headers.items()), error.read().decode())


def state_of(page: Page) -> str:
    """The state in the install page's cookie."""
    cookie = page.headers["Set-Cookie"].split(";")[0]
    name, _, value = cookie.partition("=")
    assert name == COOKIE
    return value


def install(bot: RunningBot, team: str, **code_options: object) -> Page:
    """Add to Slack in ``team``: the install page, Slack's answer (a code; its authorize
    page cannot be reached offline), then the redirect back to the bot."""
    state = state_of(browse(f"{bot.url}/slack/install"))
    code = bot.emulator.install_code(team, user_id=OWNERS.get(team, "U0001"), **code_options)  # type: ignore[arg-type]
    query = urlencode({"code": code, "state": state})
    return browse(f"{bot.url}/slack/oauth_redirect?{query}", cookie=f"{COOKIE}={state}")


def sender_for(bot: RunningBot, team: str) -> SlackSender:
    """Slack's side towards the bot for one workspace (its bot user as the authorization)."""
    bot_user = "UBOT" if team == VENDOR else f"UBOT{team.removeprefix('T')}"
    return SlackSender(
        f"{bot.url}/slack/events",
        SIGNING_SECRET,
        team_id=team,
        emulator=bot.emulator,
        bot_user_id=bot_user,
    )


def schedule_in(engine: Engine, team: str, now: datetime) -> Pilot:
    """The Acme pilot in ``team``'s channel, scheduled at ``now``."""
    pilot = store_pilot(
        engine,
        acme_plan(),
        workspace=Workspace(team_id=team),
        channel_id=CHANNELS[team],
        owner_id=OWNERS[team],
    )
    with unit_of_work(engine) as session:
        row = session.get(Pilot, pilot.id)
        assert row is not None
        refresh_next_due(session, row, now)
        return row


def scheduler_clients(bot: RunningBot) -> WebClient | TeamClients:
    """Delivery's clients as `pilot-bot scheduler` builds them: its own token provider,
    reading the installation store."""
    return clients_for(make_delivery_client(bot.settings), tokens_for(bot.settings, bot.engine))


def scheduler_round(bot: RunningBot, when: datetime) -> DeliveryReport:
    """One tick and delivery round of the scheduler at ``when``."""
    idle(bot)
    bot.clock.set(when)
    tick(engine=bot.engine, now=when)
    return deliver(engine=bot.engine, client=scheduler_clients(bot), now=when, channel_interval=0)
