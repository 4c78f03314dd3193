"""The metrics intake: success-criteria values pushed in by monitoring over HTTP.

``POST /api/v1/metrics`` (the bot's own JSON), ``/api/v1/metrics/alertmanager``
(Alertmanager's webhook) and ``/api/v1/metrics/grafana`` (Grafana's), each with
``Authorization: Bearer <token>`` (`/pilot metrics token`). Checked in this order,
each answered in JSON: 401 without a valid token, 429 past 60 requests a minute for
the token (counted in this process, with ``Retry-After``), 413 over 256 KiB, 400 for
malformed JSON or a bad field (named), 422 for a criterion the pilot does not have
(listing its criteria). A body with any invalid value records nothing; 202 says what
was recorded, and which values were recorded before (the same idempotency key).
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from bot.app import Services
from bot.core.localtime import local_instant
from bot.core.pushed import (
    IntakeError,
    Matched,
    PushedValue,
    from_alertmanager,
    from_api,
    from_grafana,
    match,
)
from storage.db import read_session
from storage.feeds import intake_pilot_id, token_hash
from storage.intake import record_pushed
from storage.pilots import pilot_by_id, plan_of
from storage.readings import criteria_as_of

log = logging.getLogger(__name__)

MAX_BODY = 256 * 1024
RATE_LIMIT = 60  # requests per token
RATE_WINDOW = timedelta(minutes=1)
StartResponse = Callable[..., Any]

_READERS: dict[str, Callable[[Any], list[PushedValue]]] = {
    "api": from_api,
    "alertmanager": from_alertmanager,
    "grafana": from_grafana,
}
INTAKE_PATHS = {
    "/api/v1/metrics": "api",
    "/api/v1/metrics/alertmanager": "alertmanager",
    "/api/v1/metrics/grafana": "grafana",
}


class RateLimit:
    """At most ``limit`` requests in any ``window`` per key, in this process: enough to stop a
    runaway exporter; several processes each allow as much."""

    def __init__(self, limit: int = RATE_LIMIT, window: timedelta = RATE_WINDOW) -> None:
        self._limit, self._window = limit, window
        self._seen: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def wait(self, key: str, now: datetime) -> int:
        """0 and the request counts, or the whole seconds until one more may come."""
        with self._lock:
            seen = self._seen.setdefault(key, deque())
            while seen and seen[0] <= now - self._window:
                seen.popleft()
            if len(seen) >= self._limit:
                return max(1, math.ceil((seen[0] + self._window - now).total_seconds()))
            seen.append(now)
            if len(self._seen) > 10_000:  # forget idle tokens rather than grow for ever
                self._seen = {k: v for k, v in self._seen.items() if v}
            return 0


class MetricsIntake:
    def __init__(self, services: Services, *, rate: RateLimit | None = None) -> None:
        self._services = services
        self._rate = rate or RateLimit()

    def __call__(
        self, kind: str, environ: dict[str, Any], start_response: StartResponse
    ) -> list[bytes]:
        try:
            status, body, headers = self._take(kind, environ)
        except IntakeError as problem:
            status, body, headers = problem.status, problem.body(), []
            if problem.status == 401:
                headers = [("WWW-Authenticate", "Bearer")]
        except Exception:  # the database is down, say: nothing was recorded, send it again
            log.exception("the metrics intake failed; nothing was recorded")
            status, body, headers = 503, {"error": "nothing was recorded; try again"}, []
        data = json.dumps(body).encode()
        start_response(
            f"{status} {_REASONS[status]}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *headers],
        )
        return [data]

    def _take(
        self, kind: str, environ: dict[str, Any]
    ) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        services = self._services
        token = _bearer(str(environ.get("HTTP_AUTHORIZATION") or ""))
        with read_session(services.engine) as session:
            pilot_id = intake_pilot_id(session=session, token=token) if token else None
        if pilot_id is None:
            raise IntakeError(401, "a valid bearer token is needed: /pilot metrics token")
        wait = self._rate.wait(token_hash(token), services.clock.now())
        if wait:
            body = {"error": f"more than {RATE_LIMIT} requests a minute; try again later"}
            return 429, body, [("Retry-After", str(wait))]
        values = _READERS[kind](_json(environ))
        now = services.clock.now()
        with services.work() as session:
            pilot = pilot_by_id(session=session, pilot_id=pilot_id)
            if pilot is None:
                raise IntakeError(401, "a valid bearer token is needed: /pilot metrics token")
            plan = plan_of(pilot)
            criteria = criteria_as_of(session=session, pilot_id=pilot_id, as_of=now)
            starts = local_instant(plan.start, time(), plan.zone)
            matched = match(values, criteria, starts=starts, now=now)
            recorded, duplicates = record_pushed(
                session=session, pilot_id=pilot_id, values=matched, now=now
            )
        log.info(
            "metrics intake (%s): %d recorded, %d duplicates for pilot %s",
            kind, len(recorded), len(duplicates), pilot_id,
        )
        answer = {
            "recorded": [_shown(m) for m in recorded],
            "duplicates": [_shown(m) for m in duplicates],
        }
        return 202, answer, []


def _bearer(header: str) -> str:
    scheme, _, token = header.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and len(token) <= 200 else ""


def _json(environ: dict[str, Any]) -> Any:
    length_text = str(environ.get("CONTENT_LENGTH") or "0")
    if not length_text.isascii() or not length_text.isdigit():
        raise IntakeError(400, "the body's length is not a number")
    if int(length_text) > MAX_BODY:
        raise IntakeError(413, f"the body is over {MAX_BODY // 1024} KiB")
    raw = environ["wsgi.input"].read(int(length_text)) if int(length_text) else b""
    if not raw.strip():
        raise IntakeError(400, "the body is empty: send JSON")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise IntakeError(400, f"the body is not valid JSON ({_first_line(error)})") from None


def _first_line(error: BaseException) -> str:
    return str(error).splitlines()[0][:120] if str(error) else type(error).__name__


def _shown(value: Matched) -> dict[str, Any]:
    return {
        "criterion": f"C-{value.criterion.number}",
        "name": value.criterion.name,
        "value": float(value.value),
        "shown_as": value.typed,
        "observed_at": value.observed_at.isoformat(),
        "source": value.source,
    }


_REASONS = {
    202: "Accepted",
    400: "Bad Request",
    401: "Unauthorized",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    503: "Service Unavailable",
}
