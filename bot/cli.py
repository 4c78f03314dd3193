"""The `pilot-bot` command line."""

from __future__ import annotations

import argparse
import logging
import re
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.process import few_malloc_arenas, freeze_start_up
from bot.settings import Settings, SettingsError, configure_logging, load_settings, redact_url

log = logging.getLogger(__name__)


class StartupError(Exception):
    """Start-up cannot go on; ``str()`` is the one line the user sees."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        command: Callable[[argparse.Namespace], int] = args.run
        return command(args)
    except (SettingsError, StartupError) as error:
        print(f"pilot-bot: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pilot-bot",
        description="Runs the communication cadence of customer pilots in Slack.",
        epilog="Configuration comes from the environment; see the README's table.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    serve = commands.add_parser(
        "serve",
        help="Serve Slack's HTTP requests at POST /slack/events (and GET /healthz; with"
        " SLACK_CLIENT_ID, installs at GET /slack/install).",
    )
    serve.add_argument("--host", help="Interface to listen on (default: $HOST or 0.0.0.0).")
    serve.add_argument("--port", type=int, help="Port to listen on (default: $PORT or 3000).")
    serve.add_argument(
        "--threads", type=_positive, default=16, help="Worker threads (default: 16)."
    )
    serve.add_argument("--no-scheduler", action="store_true", help=_NO_SCHEDULER)
    serve.set_defaults(run=_serve)

    socket = commands.add_parser(
        "socket",
        help="Connect to Slack over Socket Mode: one workspace, no public URL (needs"
        " SLACK_BOT_TOKEN and SLACK_APP_TOKEN).",
    )
    socket.add_argument("--no-scheduler", action="store_true", help=_NO_SCHEDULER)
    socket.set_defaults(run=_socket)

    scheduler = commands.add_parser(
        "scheduler",
        help="Run only the scheduler: check-ins and other posts, no Slack requests served.",
        description="Runs the scheduler alone, for deployments whose web workers run "
        "`pilot-bot serve --no-scheduler`. Several may run at once: each message is sent once.",
    )
    scheduler.set_defaults(run=_scheduler)

    agenda = commands.add_parser(
        "agenda",
        help="List what each pilot owes next, when, and why not (paused, holiday, skipped).",
    )
    agenda.add_argument(
        "--at",
        type=_instant,
        help="Ask as of this instant, e.g. 2026-12-14T09:30-05:00 (default: now).",
    )
    agenda.set_defaults(run=_agenda)

    migrate = commands.add_parser("migrate", help="Create or upgrade the database schema.")
    migrate.set_defaults(run=_migrate)

    demo = commands.add_parser(
        "demo",
        help="Play a scripted pilot against a built-in Slack emulator; no Slack account needed.",
    )
    demo.add_argument("--quiet", action="store_true", help="Print only the summary.")
    demo.set_defaults(run=_demo)
    return parser


_NO_SCHEDULER = (
    "Do not run the scheduler in this process (run `pilot-bot scheduler` elsewhere)."
)


def _positive(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO date and time such as 2026-12-14T09:30-05:00"
        ) from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} has no UTC offset: add one, as in 2026-12-14T09:30-05:00 or ...Z"
        )
    return value


def _engine(settings: Settings, *, writes: bool = True) -> Any:
    from sqlalchemy.exc import SQLAlchemyError

    from storage.db import make_engine, migrate, writable

    try:
        engine = make_engine(settings.database_url)
        migrate(engine)
    except (SQLAlchemyError, ImportError, ValueError) as error:
        url = redact_url(settings.database_url)
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise StartupError(f"DATABASE_URL {url} cannot be used: {reason}") from error
    quiet = logging.getLogger("storage.db")  # the one line below says it all
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        takes_writes = not writes or writable(engine)
    finally:
        quiet.setLevel(level)
    if not takes_writes:
        url = redact_url(settings.database_url)
        raise StartupError(
            f"DATABASE_URL {url} takes no writes (read-only, or its disk is full);"
            " the bot records every check-in and message it owes, so it needs a writable one."
        )
    return engine


def _app(settings: Settings, engine: Any) -> Any:
    from slack_bolt.error import BoltError

    from bot.app import build_app
    from bot.clock import SystemClock

    # Bolt checks the token with auth.test while it builds the app; a failure there
    # is reported below in one line, so keep the SDK's own retry chatter out of it.
    sdk_log = logging.getLogger("slack_sdk")
    level = sdk_log.level
    sdk_log.setLevel(logging.CRITICAL)
    try:
        return build_app(settings=settings, engine=engine, clock=SystemClock())
    except BoltError as error:
        found = re.search(r"['\"]error['\"]:\s*['\"]([a-z_]+)['\"]", str(error))
        said = found.group(1) if found else "no answer it could read"
        raise StartupError(
            f"Slack did not accept SLACK_BOT_TOKEN: {said}. Check the token (xoxb-...) and"
            " SLACK_API_URL."
        ) from error
    except OSError as error:  # URLError, refused connections, DNS failures
        reason = getattr(error, "reason", None) or error
        raise StartupError(
            f"cannot reach the Slack Web API at SLACK_API_URL {settings.slack_api_url} ({reason})."
        ) from error
    finally:
        sdk_log.setLevel(level)


def _serve(args: argparse.Namespace) -> int:
    few_malloc_arenas()
    settings = load_settings(need_public_url=True)
    configure_logging(settings.log_level, settings.log_format)
    engine = _engine(settings)
    app = _app(settings, engine)
    _warm_up()

    from bot.web import PilotWsgi, make_server

    host = args.host or settings.host
    port = args.port if args.port is not None else settings.port
    try:
        wsgi = PilotWsgi(
            app,
            engine,
            signing_secret=settings.signing_secret,
            metrics_token=settings.metrics_token,
        )
        server = make_server(wsgi, host, port, threads=args.threads)
    except OSError as error:
        raise StartupError(f"cannot listen on {host}:{port}: {error.strerror}") from error
    log.info("pilot-bot serving on http://%s:%s/slack/events", host, server.effective_port)
    if settings.multi_workspace:
        log.info("multi-workspace mode: installs start at %s/slack/install", settings.public_url)
    scheduler = None if args.no_scheduler else _start_scheduler(settings, engine)
    try:
        server.run()
    finally:
        server.close()
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        _close_sender(app)
    return 0


def _socket(args: argparse.Namespace) -> int:
    few_malloc_arenas()
    settings = load_settings(need_signing_secret=False, need_app_token=True)
    configure_logging(settings.log_level, settings.log_format)
    engine = _engine(settings)
    app = _app(settings, engine)
    _warm_up()

    from bot.socket import socket_handler

    log.info("pilot-bot connecting to Slack over Socket Mode")
    scheduler = None if args.no_scheduler else _start_scheduler(settings, engine)
    try:
        socket_handler(app, settings).start()
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        _close_sender(app)
    return 0


def _warm_up() -> None:
    """What a first request would otherwise wait for: the charting library. Then what
    start-up built is set aside from the garbage collector (bot/process.py)."""
    from bot.documents.charts import warm_up

    warm_up()
    freeze_start_up()


def _close_sender(app: Any) -> None:
    """Let deliveries under way finish; anything still owed waits in the outbox."""
    from bot.app import services_of

    sender = services_of(app).sender
    if sender is not None:
        sender.close()


def _start_scheduler(settings: Settings, engine: Any) -> Any:
    from bot.app import Services
    from bot.clock import SystemClock
    from bot.tokens import tokens_for
    from schedules.clients import clients_for
    from schedules.delivery import make_delivery_client
    from schedules.jobs import start_scheduler

    # Multi-workspace mode: each workspace's token from the installation store.
    tokens = tokens_for(settings, engine)
    services = Services(engine=engine, clock=SystemClock(), settings=settings)
    return start_scheduler(services, clients_for(make_delivery_client(settings), tokens))


def _scheduler(_args: argparse.Namespace) -> int:
    few_malloc_arenas()
    settings = load_settings(need_signing_secret=False)
    configure_logging(settings.log_level, settings.log_format)
    engine = _engine(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    _warm_up()
    scheduler = _start_scheduler(settings, engine)
    log.info("pilot-bot scheduler running; Ctrl-C or SIGTERM stops it")
    try:
        while not stop.wait(1.0):
            pass
    finally:
        scheduler.shutdown(wait=True)  # let a round in progress record its outcomes
    return 0


def _agenda(args: argparse.Namespace) -> int:
    settings = load_settings(need_signing_secret=False, need_bot_token=False)  # no Slack calls
    configure_logging("WARNING")
    from storage.db import sqlite_path

    path = sqlite_path(settings.database_url)
    if path is not None and not path.exists():  # opening it would create an empty one
        raise StartupError(
            f"no database at {path} (DATABASE_URL {redact_url(settings.database_url)}):"
            " point DATABASE_URL at the bot's database, or run pilot-bot migrate to create one."
        )
    engine = _engine(settings, writes=False)  # it only reads
    print(f"Database: {redact_url(settings.database_url)}")

    from bot.clock import SystemClock
    from schedules.agenda import agenda, render_agenda

    now = (args.at or SystemClock().now()).astimezone(UTC)
    print(render_agenda(agenda(engine=engine, now=now), now))
    return 0


def _migrate(_args: argparse.Namespace) -> int:
    settings = load_settings(need_signing_secret=False, need_bot_token=False)  # no Slack calls
    configure_logging(settings.log_level, settings.log_format)
    _engine(settings)
    print(f"pilot-bot: database {redact_url(settings.database_url)} is up to date.")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from devtools.demo import run_demo

    return run_demo(quiet=args.quiet)


if __name__ == "__main__":
    sys.exit(main())
