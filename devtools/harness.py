"""The real bot, served over HTTP against a Slack emulator: for the demo, tests and benchmarks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from slack_bolt import App
from sqlalchemy.engine import Engine

from bot.app import build_app, services_of
from bot.clock import Clock
from bot.settings import Settings
from bot.web import PROBE_EVERY, PilotWsgi, ServerThread, make_server
from slack_emulator.client import SlackSender
from slack_emulator.server import SlackEmulator

SIGNING_SECRET = "emulator-signing-secret"  # noqa: S105 - the emulator is not Slack
PUBLIC_URL = "https://pilot-bot.example.com"  # where Slack would send installers back


@dataclass
class RunningBot:
    app: App
    settings: Settings
    url: str
    sender: SlackSender
    emulator: SlackEmulator
    engine: Engine
    clock: Clock


def emulator_settings(emulator: SlackEmulator, database_url: str) -> Settings:
    return Settings(
        bot_token=emulator.token,
        signing_secret=SIGNING_SECRET,
        app_token=None,
        database_url=database_url,
        slack_api_url=emulator.api_url,
        host="127.0.0.1",
        port=0,
        log_level="WARNING",
    )


def multi_workspace_settings(emulator: SlackEmulator, database_url: str) -> Settings:
    """Multi-workspace mode (OAuth) against the emulator: its app's credentials, no token."""
    return replace(
        emulator_settings(emulator, database_url),
        bot_token="",
        client_id=emulator.client_id,
        client_secret=emulator.client_secret,
        public_url=PUBLIC_URL,
    )


@contextmanager
def running_bot(
    *,
    emulator: SlackEmulator,
    engine: Engine,
    clock: Clock,
    database_url: str = "sqlite://",
    threads: int = 16,
    register: Callable[[App], None] | None = None,
    probe_every: float = PROBE_EVERY,
    metrics_token: str | None = None,
    multi_workspace: bool = False,
    public_url: str | None = None,
) -> Iterator[RunningBot]:
    """Serve the bot on 127.0.0.1 (a free port) until the block ends (``multi_workspace``:
    installed through OAuth, in as many workspaces as the emulator is told)."""
    settings = (multi_workspace_settings if multi_workspace else emulator_settings)(
        emulator, database_url
    )
    settings = replace(settings, metrics_token=metrics_token)
    if public_url is not None:
        settings = replace(settings, public_url=public_url)
    app = build_app(settings=settings, engine=engine, clock=clock, register=register)
    wsgi = PilotWsgi(
        app,
        engine,
        signing_secret=settings.signing_secret,
        probe_every=probe_every,
        metrics_token=settings.metrics_token,
    )
    server = ServerThread(make_server(wsgi, "127.0.0.1", 0, threads=threads))
    server.start()
    try:
        sender = SlackSender(
            f"{server.url}/slack/events",
            SIGNING_SECRET,
            team_id=emulator.team_id,
            emulator=emulator,
        )
        yield RunningBot(app, settings, server.url, sender, emulator, engine, clock)
    finally:
        server.stop()
        delivering = services_of(app).sender
        if delivering is not None:
            delivering.close()
