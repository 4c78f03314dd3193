"""Recorded requests and the decoding of request parameters."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

# Parameters that Slack accepts as JSON-encoded strings in form posts.
JSON_PARAMS = frozenset({"blocks", "attachments", "metadata", "view", "unfurls", "changes",
                         "document_content",
                         "user_auth_blocks", "payload"})


@dataclass(frozen=True)
class Call:
    """One request the emulator answered, in arrival order.

    ``method`` is the Web API method (``"chat.postMessage"``) or ``"response_url"`` for a
    POST to a response_url. ``params`` merges the query string and the body, with JSON
    strings decoded. ``at`` is a ``time.monotonic()`` reading. ``status``/``response``/
    ``response_headers`` are what the emulator answered (also for injected failures).
    ``context`` carries extras: for response_url posts, the ``channel`` and ``user`` the
    URL was made for and the ``ts`` of any message it put in history; for Web API calls,
    the ``team_id`` their token belongs to (:attr:`team`). ``delay`` is the
    injected slowness, in seconds.
    """

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float
    status: int
    response: dict[str, Any] | None
    response_headers: dict[str, str] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    delay: float = 0.0

    @property
    def ok(self) -> bool:
        """True if the call was answered HTTP 200 with ``ok: true``."""
        return self.status == 200 and bool(self.response and self.response.get("ok"))

    @property
    def team(self) -> str | None:
        """The workspace whose token made the call (None: no good token)."""
        team = self.context.get("team_id")
        return str(team) if team else None

    @property
    def error(self) -> str | None:
        """The ``error`` of the answer, if any."""
        return None if self.response is None else self.response.get("error")

    def describe(self, since: float | None = None) -> str:
        """A one-line summary, e.g. ``+0.012s chat.postMessage channel=C1 text='hi' -> 200 ok``."""
        shown = {k: self.params[k] for k in ("channel", "user", "ts", "thread_ts", "text",
                                              "trigger_id", "view_id", "response_type")
                 if k in self.params}
        args = " ".join(f"{k}={_short(v)}" for k, v in shown.items())
        outcome = "ok" if self.ok else (self.error or "failed")
        when = f"+{self.at - since:.3f}s " if since is not None else ""
        return f"{when}{self.method} {args} -> {self.status} {outcome}".replace("  ", " ")


def _short(value: Any, width: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def parse_params(query: str, body: bytes, content_type: str) -> dict[str, Any]:
    """Merge query-string and body parameters the way Slack reads them.

    Raises ``ValueError`` for a JSON body that does not parse.
    """
    params: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    kind = content_type.split(";")[0].strip().lower()
    if body:
        if kind == "application/json":
            data = json.loads(body)
            if not isinstance(data, dict):
                raise ValueError("JSON body is not an object")
            params.update(data)
        elif kind in ("application/x-www-form-urlencoded", ""):
            params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return {key: _decode(key, value) for key, value in params.items()}


def _decode(key: str, value: Any) -> Any:
    if key in JSON_PARAMS and isinstance(value, str) and value.strip()[:1] in ("[", "{"):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
