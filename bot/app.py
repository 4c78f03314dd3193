"""Assembles the Bolt app: Slack client, services, listeners, error handling."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError
from slack_sdk import WebClient
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from sqlalchemy.engine import Engine

from bot.clock import Clock
from bot.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    """What listeners need besides the request: handed to them as ``context["services"]``."""

    engine: Engine
    clock: Clock
    settings: Settings


def make_client(settings: Settings, *, timeout: int = 10) -> WebClient:
    # Listeners answer people who are waiting: one retry on a dropped connection or
    # a 429, then give up and apologise rather than keep them waiting.
    return WebClient(
        token=settings.bot_token,
        base_url=settings.slack_api_url,
        timeout=timeout,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=1),
            RateLimitErrorRetryHandler(max_retry_count=1),
        ],
    )


def build_app(
    *,
    settings: Settings,
    engine: Engine,
    clock: Clock,
    client: WebClient | None = None,
    register: Callable[[App], None] | None = None,
) -> App:
    """The Bolt app with every listener registered; ``register`` replaces them (benchmarks)."""
    app = App(
        client=client or make_client(settings),
        signing_secret=settings.signing_secret or None,
        # An unhandled event answered 404 makes Slack retry it and count a failure;
        # raising lets the error handler answer 200 instead.
        raise_error_for_unhandled_request=True,
        process_before_response=False,
    )
    services = Services(engine=engine, clock=clock, settings=settings)

    @app.middleware
    def provide_services(context: dict[str, Any], next_: Callable[[], None]) -> None:
        context["services"] = services
        next_()

    app.error(_handle_error)
    if register is None:
        from handlers import register_all

        register_all(app)
    else:
        register(app)
    return app


def _handle_error(error: Exception, request: Any) -> BoltResponse | None:
    if isinstance(error, BoltUnhandledRequestError):
        log.debug("no listener for this request; answered 200 so Slack does not retry it")
        return BoltResponse(status=200, body="")
    # Listeners catch their own errors and apologise; anything reaching here is a bug.
    log.exception("unexpected error in a listener", exc_info=error)
    return None
