"""Helpers for the scheduler, delivery and check-in tests: scheduled pilots, outbox rows,
a Slack client without retries, and a loop that plays the scheduler with a fake clock."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar

from slack_sdk import WebClient
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.blocks import ids
from bot.clock import FakeClock
from bot.core.plan import Plan
from schedules.delivery import DeliveryReport, deliver, delivery_client
from schedules.tick import tick
from slack_emulator.server import SlackEmulator
from storage.checkins import replies_of_day
from storage.db import unit_of_work
from storage.models import CheckinReply, OutboxMessage, Pilot
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


def rows(
    engine: Engine, *, status: str | None = None, kind: str | None = None
) -> list[OutboxMessage]:
    with unit_of_work(engine) as session:
        query = select(OutboxMessage).order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))
        if status is not None:
            query = query.where(OutboxMessage.status == status)
        if kind is not None:
            query = query.where(OutboxMessage.kind == kind)
        return list(session.exec(query).all())


def keys(messages: Sequence[OutboxMessage]) -> list[str]:
    return [m.key for m in messages]


def slack_client(emulator: SlackEmulator, *, timeout: float = 3) -> WebClient:
    """What delivery uses: no retry handlers (retries are stored), a short timeout."""
    return delivery_client(token=emulator.token, base_url=emulator.api_url, timeout=timeout)


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


def checkin_replies(
    engine: Engine, *, day: date | None = None, pilot_id: int = 1
) -> list[CheckinReply]:
    """The stored check-ins of a day (pilot 1, Monday Dec 14, unless told)."""
    with unit_of_work(engine) as session:
        day = day or FIRST_CHECKIN.date()
        return list(replies_of_day(session=session, pilot_id=pilot_id, day=day))


def open_status_form(bot, thread: str, *, user_id: str = "U0002") -> dict:
    click = bot.sender.block_actions(
        ids.CHECKIN_POST_STATUS,
        "1:2026-12-14",
        user_id=user_id,
        channel_id=CHANNEL,
        message_ts=thread,
    )
    assert bot.sender.interactive(click).status == 200
    [opened] = bot.emulator.wait_for_calls("views.open")
    return opened.params["view"]


def status_state(status: str | None, note: str = "") -> dict:
    chosen = {"selected_option": {"value": status}} if status else {"selected_option": None}
    return {
        ids.CHECKIN_STATUS: {ids.CHECKIN_STATUS: {"type": "radio_buttons", **chosen}},
        ids.CHECKIN_NOTE: {ids.CHECKIN_NOTE: {"type": "plain_text_input", "value": note}},
    }


def submit_status(bot, view: dict, status: str | None, note: str = "", user_id: str = "U0002"):
    payload = bot.sender.view_submission(
        ids.CHECKIN_STATUS_MODAL,
        status_state(status, note),
        user_id=user_id,
        private_metadata=view["private_metadata"],
    )
    return bot.sender.interactive(payload)
