"""Assembles the Bolt app: Slack client, services, listeners, error handling."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from slack_sdk.http_retry import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.clock import Clock
from bot.inbound import clean_in_place
from bot.settings import Settings
from bot.tokens import Tokens, TokensAuthorize, tokens_for
from schedules.clients import clients_for
from schedules.delivery import make_delivery_client
from schedules.sender import Sender
from storage.db import unit_of_work
from storage.outbox import owed_conversations

log = logging.getLogger(__name__)


class ListenerExecutor(Executor):
    """Bolt's listener executor: a thread pool, except for requests marked as answered in
    their ack, which run on the request's own thread.

    By default Bolt hands every listener to a pool thread and polls for its ack every
    10 ms. For a command that only reads and answers in its ack (`/pilot status`) that hop
    costs more CPU than the answer itself and adds the 10 ms to every reply; a listener
    that keeps working after its ack (posting to Slack) must stay on the pool, so the HTTP
    response leaves at the ack. See handlers/commands.py for which requests are marked.

    Measured both ways (README, Benchmarks): requests arriving on their own at 600 a second,
    `/pilot status` answered here has p50 3 ms and p99 15 to 17 ms, on the pool 12.5 and 22 ms.
    Only when 16 clients keep every web thread busy at once does the pool's pacing give a
    narrower tail (p99 about 1.3x bare Bolt's on the pool, 1.4x here).
    """

    def __init__(self, workers: int = 8) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="listener")
        self._marks = threading.local()

    def run_next_inline(self, inline: bool) -> None:
        """Set for every request, on its own thread, before Bolt submits its listener."""
        self._marks.inline = inline

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if getattr(self._marks, "inline", False):
            self._marks.inline = False
            future: Future[Any] = Future()
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as error:  # the future carries it, as the pool's would
                future.set_exception(error)
            return future
        return self._pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


class ProvideServices(Middleware):
    """The first global middleware: cleans what Slack sent and hands listeners the services.

    A Middleware subclass rather than a decorated function: Bolt calls it with the request
    as is, where it would inspect a function's parameters to build its arguments on every
    request (the app's global middlewares are all written this way, for the status path).
    """

    def __init__(self, services: Services) -> None:
        self._services = services

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        clean_in_place(req.body)  # typed text never carries control characters further
        context = req.context
        for key in ("team_id", "enterprise_id", "user_id", "channel_id"):
            if isinstance(context.get(key), str):  # Bolt read these before this ran
                context[key] = clean_in_place(context[key])
        context["services"] = self._services
        self._services.executor.run_next_inline(False)  # handlers/commands.py marks quick reads
        return next()


@dataclass(frozen=True)
class Services:
    """What listeners need besides the request: handed to them as ``context["services"]``."""

    engine: Engine
    clock: Clock
    settings: Settings
    # Only the Bolt app runs listeners; the scheduler's Services never uses these.
    executor: ListenerExecutor = field(default_factory=ListenerExecutor)
    sender: Sender | None = None

    @contextmanager
    def work(self) -> Iterator[Session]:
        """A unit of work whose owed messages are delivered as soon as it commits (on the
        sender's threads: the caller's answer is not held up). Nothing is sent if it
        rolls back, and what cannot be sent at once stays owed for the scheduler."""
        with unit_of_work(self.engine) as session:
            yield session
        if self.sender is not None:
            self.sender.wake(owed_conversations(session))


def make_client(settings: Settings, *, timeout: int = 10) -> WebClient:
    # Listeners answer people who are waiting: one retry on a dropped connection or
    # a 429, then give up and apologise rather than keep them waiting.
    return WebClient(
        # Multi-workspace mode: none here; each request gets its installation's token.
        token=settings.bot_token or None,
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
    tokens: Tokens | None = None,
) -> App:
    """The Bolt app with every listener registered; ``register`` replaces them (benchmarks).

    Single-workspace mode (``SLACK_BOT_TOKEN``): Bolt checks the token with ``auth.test``
    here. Multi-workspace mode: Bolt's OAuth flow (bot/install.py) and an authorize that
    finds each request's installation (bot/tokens.py).
    `services_of(app).sender.close()` at shutdown lets deliveries under way finish.
    """
    executor = ListenerExecutor()
    tokens = tokens or tokens_for(settings, engine)
    web = client or make_client(settings)
    multi: dict[str, Any] = {}
    if tokens.multi_workspace:
        from bot.install import install_flow

        flow = install_flow(settings=settings, engine=engine, clock=clock, client=web)
        multi = {"oauth_flow": flow, "authorize": TokensAuthorize(tokens)}
    app = App(
        client=web,
        signing_secret=settings.signing_secret or None,
        # bot.web.PilotWsgi verifies every HTTP request's signature before Bolt reads it
        # (and may re-encode a body Bolt would misread); Socket Mode needs no signatures.
        request_verification_enabled=False,
        # An unhandled event answered 404 makes Slack retry it and count a failure;
        # raising lets the error handler answer 200 instead.
        raise_error_for_unhandled_request=True,
        process_before_response=False,
        listener_executor=executor,
        **multi,
    )
    delivering = clients_for(make_delivery_client(settings), tokens)
    sender = Sender(engine=engine, client=delivering, clock=clock)
    services = Services(
        engine=engine, clock=clock, settings=settings, executor=executor, sender=sender
    )
    _SERVICES[id(app)] = services

    app.use(ProvideServices(services))

    # The one error path (handlers/answers.py) answers what fails outside a listener too.
    from handlers.answers import bolt_error

    app.error(bolt_error)
    if register is None:
        from handlers import register_all

        register_all(app)
    else:
        register(app)
    return app


_SERVICES: dict[int, Services] = {}


def services_of(app: App) -> Services:
    """The services ``build_app`` gave ``app``'s listeners."""
    return _SERVICES[id(app)]
