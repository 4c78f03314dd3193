"""Delivery right after a request: what a listener's unit of work owed goes out at once.

A listener never posts to Slack itself: it owes messages as outbox rows in the unit
of work that changes the state (`storage.outbox.owe`), and once that commits, the
``Sender`` runs a delivery round for just those conversations on a small thread pool
of its own, so the listener's answer is not held up and a web worker without a
scheduler (`serve --no-scheduler`) still delivers. The round leases rows as every
round does, so a scheduler racing it sends nothing twice; whatever it cannot send
now (Slack down, rate-limited) stays owed for the scheduler's next round.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor

from slack_sdk import WebClient
from sqlalchemy.engine import Engine

from bot.clock import Clock
from schedules.attempts import DeliveryReport
from schedules.clients import Clients
from schedules.delivery import deliver
from storage.outbox import Conversation

log = logging.getLogger(__name__)

WORKERS = 4


class Sender:
    """Runs delivery rounds for the conversations a request just owed messages to."""

    def __init__(
        self,
        *,
        engine: Engine,
        client: WebClient | Clients,
        clock: Clock,
        workers: int = WORKERS,
        deliver_round: Callable[..., DeliveryReport] = deliver,
    ) -> None:
        self._engine, self._client, self._clock = engine, client, clock
        self._deliver = deliver_round
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sender")
        self._lock = threading.Condition()
        self._closed = False
        # A conversation this sender is delivering to holds its messages under lease, so
        # a round for it now would find nothing to send: it is marked to go again instead.
        self._busy: set[Conversation] = set()
        self._again: set[Conversation] = set()

    def wake(self, conversations: Collection[Conversation]) -> None:
        """Deliver what is owed in ``conversations`` soon, on the sender's threads."""
        with self._lock:
            if self._closed:
                return  # shutting down: the scheduler's next round sends them
            self._again |= set(conversations) & self._busy
            idle = frozenset(set(conversations) - self._busy)
            if idle:
                self._busy |= idle
                self._pool.submit(self._round, idle)

    def _round(self, conversations: frozenset[Conversation]) -> None:
        follow_up: set[Conversation] = set()  # owed by the round itself (a refusal told)
        try:
            report = self._deliver(
                engine=self._engine,
                client=self._client,
                now=self._clock.now(),
                conversations=conversations,
            )
            follow_up = report.owed_meanwhile
        except Exception:  # still owed: the scheduler's next round tries again
            log.exception("delivering right after a request failed; the messages stay owed")
        finally:
            with self._lock:
                again = frozenset(self._again & conversations)
                self._again -= again
                self._busy -= conversations - again
                if again and not self._closed:
                    self._pool.submit(self._round, again)
                else:
                    self._busy -= again
                self._lock.notify_all()
        if follow_up:
            self.wake(follow_up)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no round is under way (tests, and a tidy shutdown); False on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._busy, timeout)

    def close(self) -> None:
        """Finish the rounds under way, take no more."""
        with self._lock:
            self._closed = True
        self._pool.shutdown(wait=True)
