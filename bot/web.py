"""The HTTP side: one WSGI app for Slack and health checks, served by waitress."""

from __future__ import annotations

import contextlib
import hmac
import io
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy.engine import Engine

from bot import metrics
from bot.app import services_of
from bot.inbound import Refused, checked_body, verified
from bot.outside import OutsideRoutes
from storage.db import ping, read_only, writable
from storage.outbox import counts

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
StartResponse = Callable[..., Any]


MAX_BODY = 1 << 20  # bytes: Slack's payloads are far smaller
PROBE_EVERY = 5.0  # seconds between two write probes: a health check costs at most that


class PilotWsgi:
    """``POST /slack/events`` goes to Bolt once its signature checks out; ``GET /healthz``
    asks the database; the calendar feed and the metrics intake are bot/outside.py's. In
    multi-workspace mode ``GET /slack/install`` and ``GET /slack/oauth_redirect`` go to
    Bolt's OAuth flow (bot/install.py): a browser's requests, unsigned."""

    def __init__(
        self,
        app: App,
        engine: Engine,
        *,
        signing_secret: str,
        probe_every: float = PROBE_EVERY,
        metrics_token: str | None = None,
    ) -> None:
        self._slack = SlackRequestHandler(app, path=SLACK_PATH)
        flow = app.oauth_flow
        self._oauth_paths = {flow.install_path, flow.redirect_uri_path} if flow else set()
        self._engine = engine
        self._secret = signing_secret
        self._health = _Health(engine, probe_every)
        self._metrics_token = metrics_token
        if metrics_token:
            metrics.watch_outbox(lambda: _outbox_counts(engine))
        # Calendar apps and monitoring: the pilot's calendar feed and the metrics intake.
        self._outside = OutsideRoutes(services_of(app))

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            state = self._health.state()
            status = "200 OK" if state == "up" else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json")])
            return [json.dumps({"ok": state == "up", "database": state}).encode()]
        if path == "/metrics" and method == "GET" and self._metrics_token:
            return self._metrics(environ, start_response)
        if path in self._oauth_paths and method == "GET":
            return self._slack(environ, start_response)
        if path == SLACK_PATH and method == "POST":
            started = time.monotonic()
            try:
                return self._from_slack(environ, start_response)
            finally:
                kind = _kind(str(environ.get("CONTENT_TYPE") or ""))
                metrics.REQUEST_SECONDS.labels(kind).observe(time.monotonic() - started)
        outside = self._outside(environ, start_response)
        if outside is not None:
            return outside
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"Not Found"]

    def _metrics(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        """Prometheus' text format, for the bearer of METRICS_TOKEN only."""
        given = str(environ.get("HTTP_AUTHORIZATION") or "")
        expected = f"Bearer {self._metrics_token}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            start_response(
                "401 Unauthorized",
                [("Content-Type", "text/plain"), ("WWW-Authenticate", "Bearer")],
            )
            return [b"a bearer token is needed\n"]
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
        return [metrics.exposition()]

    def _from_slack(self, environ: dict[str, Any], start_response: StartResponse) -> Any:
        length_text = str(environ.get("CONTENT_LENGTH") or "0")
        if not length_text.isascii() or not length_text.isdigit():
            return _answer(start_response, "400 Bad Request", {"error": "bad length"})
        length = int(length_text)
        if length > MAX_BODY:
            return _answer(start_response, "413 Payload Too Large", {"error": "too large"})
        body = environ["wsgi.input"].read(length) if length else b""
        timestamp = str(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or "")
        signature = str(environ.get("HTTP_X_SLACK_SIGNATURE") or "")
        if not verified(self._secret, body, timestamp, signature, time.time()):
            log.debug("refused a request whose signature did not verify")
            return _answer(start_response, "401 Unauthorized", {"error": "invalid request"})
        try:
            body = checked_body(body, str(environ.get("CONTENT_TYPE") or ""))
        except Refused as problem:
            log.warning("refused a signed request: %s", problem)
            return _answer(start_response, "400 Bad Request", {"error": str(problem)})
        environ = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
        return self._slack(environ, start_response)


def _kind(content_type: str) -> str:
    """Events come as JSON; commands and interactive payloads as forms."""
    return "event" if "json" in content_type else "command_or_interaction"


def _outbox_counts(engine: Engine) -> tuple[int, int]:
    with read_only(engine) as connection:
        return counts(connection=connection)


def _answer(start_response: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    start_response(status, [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]


class _Health:
    """The database's health as `/healthz` reports it: "up" when it takes a write,
    "read-only" when it answers but takes none, "down" when it does not answer. The write
    probe runs at most once every ``every`` seconds, whatever the load balancer's rate."""

    def __init__(self, engine: Engine, every: float) -> None:
        self._engine, self._every = engine, every
        self._lock = threading.Lock()
        self._checked_at: float | None = None
        self._state = "up"

    def state(self) -> str:
        with self._lock:
            now = time.monotonic()
            if self._checked_at is None or now - self._checked_at >= self._every:
                if writable(self._engine):
                    self._state = "up"
                else:
                    self._state = "read-only" if ping(self._engine) else "down"
                self._checked_at = now
            return self._state


def make_server(wsgi: PilotWsgi, host: str, port: int, *, threads: int = 16) -> Any:
    """A waitress server (not yet running); ``.run()`` serves, ``.close()`` stops.

    Waitress is a production WSGI server in pure Python: no fork, so the scheduler
    lives in the same process, and it runs the same on Linux, macOS and Windows.
    """
    from waitress.server import create_server

    return create_server(
        wsgi,
        host=host,
        port=port,
        threads=threads,
        ident="pilot-bot",
        clear_untrusted_proxy_headers=True,
        channel_timeout=30,
        asyncore_loop_timeout=1,  # an int: waitress truncates 0.2 to 0, a busy loop
    )


class ServerThread:
    """Runs a waitress server on a background thread (tests, the demo, benchmarks)."""

    def __init__(self, server: Any) -> None:
        import threading

        self._server = server
        self._thread = threading.Thread(target=server.run, name="pilot-bot-http", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.effective_port}"

    def start(self) -> ServerThread:
        self._thread.start()
        return self

    def stop(self) -> None:
        # Everything that touches the server's sockets runs inside its own loop (via
        # the trigger); doing it from here races its select(). First stop accepting,
        # then let in-flight requests finish (their workers still wake the loop
        # through the trigger), then close what is left, which ends the loop.
        from waitress import wasyncore

        server = self._server
        server.trigger.pull_trigger(lambda: wasyncore.dispatcher.close(server))
        server.task_dispatcher.shutdown(timeout=5)
        # If the trigger is closed already, the loop has nothing left to serve.
        with contextlib.suppress(OSError):
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        self._thread.join(timeout=5)
