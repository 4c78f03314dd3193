"""Failure injection: scripted errors, slow answers and a per-channel post rate limit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_DEFAULT_ERRORS = {429: "ratelimited", 500: "internal_error", 502: "bad_gateway",
                   503: "service_unavailable", 504: "gateway_timeout"}


@dataclass
class Fault:
    """One scripted misbehaviour for calls to ``method`` (``"*"`` = every method).

    ``remaining`` counts the calls still to be hit (None: until cleared). A fault with
    ``delay`` lets the call succeed (and be stored) but answers ``delay`` seconds late;
    any other fault answers ``status`` with ``{"ok": false, "error": error}`` and the
    call has no effect.
    """

    method: str
    remaining: int | None
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    delay: float = 0.0
    # Only calls whose parameters include these values (``{"users": "U0005"}``).
    where: dict[str, str] | None = None

    def matches(self, method: str, params: dict[str, Any] | None = None) -> bool:
        """True if this fault applies to a call of ``method`` and is not used up."""
        if self.where and any(
            str((params or {}).get(k)) != v for k, v in self.where.items()
        ):
            return False
        return self.method in ("*", method) and (self.remaining is None or self.remaining > 0)

    def answer(self) -> tuple[int, dict[str, str], dict[str, Any]]:
        """The HTTP status, extra headers and JSON body this fault answers with."""
        error = self.error or _DEFAULT_ERRORS.get(self.status, "fatal_error")
        headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}
        return self.status, headers, {"ok": False, "error": error}


class FaultPlan:
    """The faults in force, consumed in the order they were added."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        """Schedule a fault."""
        self._faults.append(fault)

    def clear(self) -> None:
        """Forget every fault."""
        self._faults.clear()

    def take(self, method: str, params: dict[str, Any] | None = None) -> Fault | None:
        """The first fault matching ``method`` (and ``params``), with one use counted."""
        for fault in self._faults:
            if fault.matches(method, params):
                if fault.remaining is not None:
                    fault.remaining -= 1
                self._faults = [f for f in self._faults if f.remaining != 0]
                return fault
        return None


class ChannelRateLimit:
    """Slack's "about one message per second per channel" for ``chat.postMessage``."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second
        self._last: dict[str, float] = {}

    def allows(self, channel: str, now: float) -> bool:
        """True if a post to ``channel`` at ``now`` (monotonic) would be within the rate."""
        last = self._last.get(channel)
        return last is None or now - last >= self.interval

    def record(self, channel: str, now: float) -> None:
        """Count an accepted post."""
        self._last[channel] = now
