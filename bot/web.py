"""The HTTP side: one WSGI app for Slack and health checks, served by waitress."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy.engine import Engine

from storage.db import ping

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
StartResponse = Callable[..., Any]


class PilotWsgi:
    """``POST /slack/events`` goes to Bolt; ``GET /healthz`` asks the database."""

    def __init__(self, app: App, engine: Engine) -> None:
        self._slack = SlackRequestHandler(app, path=SLACK_PATH)
        self._engine = engine

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            healthy = ping(self._engine)
            body = json.dumps({"ok": healthy, "database": "up" if healthy else "down"}).encode()
            status = "200 OK" if healthy else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json")])
            return [body]
        if path == SLACK_PATH and method == "POST":
            return self._slack(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"Not Found"]


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
