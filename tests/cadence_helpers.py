"""Helpers for the scheduler, delivery and check-in tests: scheduled pilots, outbox rows,
a Slack client without retries, and a loop that plays the scheduler with a fake clock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.clock import FakeClock
from bot.core.plan import Plan
from schedules.delivery import DeliveryReport, deliver
from schedules.tick import tick
from slack_emulator.server import SlackEmulator
from storage.db import unit_of_work
from storage.models import OutboxMessage, Pilot
from storage.pilots import refresh_next_due
from tests.helpers import CHANNEL, acme_plan, store_pilot

T = TypeVar("T")

# Monday 2026-12-14, 09:30 in New York: the Acme pilot's first check-in (Soft Launch).
FIRST_CHECKIN = datetime(2026, 12, 14, 14, 30, tzinfo=UTC)


def schedule_pilot(
    engine: Engine, now: datetime, plan: Plan | None = None, *, channel_id: str = CHANNEL
) -> Pilot:
    """A pilot stored and scheduled at ``now``, as `/pilot create` leaves it."""
    pilot = store_pilot(engine, plan or acme_plan(), channel_id=channel_id)
    with unit_of_work(engine) as session:
        row = session.get(Pilot, pilot.id)
        assert row is not None
        refresh_next_due(session, row, now)
        return row


def set_state(engine: Engine, pilot_id: int | None, state: str) -> None:
    with unit_of_work(engine) as session:
        row = session.get(Pilot, pilot_id)
        assert row is not None
        row.state = state
        session.add(row)


def rows(engine: Engine, *, status: str | None = None) -> list[OutboxMessage]:
    with unit_of_work(engine) as session:
        query = select(OutboxMessage).order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))
        if status is not None:
            query = query.where(OutboxMessage.status == status)
        return list(session.exec(query).all())


def keys(messages: Sequence[OutboxMessage]) -> list[str]:
    return [m.key for m in messages]


def slack_client(emulator: SlackEmulator, *, timeout: float = 3) -> WebClient:
    """What delivery uses: no retry handlers (retries are stored), a short timeout."""
    return WebClient(
        token=emulator.token,
        base_url=emulator.api_url,
        timeout=timeout,  # type: ignore[arg-type]
        retry_handlers=[],
    )


def play(
    engine: Engine,
    client: WebClient,
    clock: FakeClock,
    until: datetime,
    *,
    step: timedelta = timedelta(minutes=15),
) -> list[DeliveryReport]:
    """Tick and deliver every ``step`` from the clock's time until ``until`` (inclusive)."""
    reports = []
    while clock.now() <= until:
        tick(engine=engine, now=clock.now())
        reports.append(deliver(engine=engine, client=client, now=clock.now(), channel_interval=0))
        clock.advance(step)
    return reports


def posted(emulator: SlackEmulator, channel: str = CHANNEL) -> list[str]:
    """The bot's posts in a channel as "<pilot id>/<key>", oldest first (from their metadata)."""
    found = []
    for message in emulator.messages(channel, include_replies=True):
        metadata = message.get("metadata") or {}
        if metadata.get("event_type") == "pilot_bot_message":
            payload = metadata["event_payload"]
            found.append(f"{payload['pilot_id']}/{payload['key']}")
    return found


def eventually(check: Callable[[], T], *, timeout: float = 5.0) -> T:
    """Wait for a listener Bolt runs after its ack (events): ``check()`` until truthy."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"still not true after {timeout} s: {check}")
        pause.wait(0.01)
