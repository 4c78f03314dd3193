"""Helpers for the escalation tests: a pilot with its whole team, a flag raised at a
given moment, the scheduler played with a fake clock, and the DMs Slack received."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.core.escalation import Severity
from bot.core.flags import FlagInput, FlagSource
from bot.core.plan import Plan
from bot.core.risks import RiskCategory
from schedules.delivery import deliver
from schedules.tick import tick
from slack_emulator.client import SlackSender
from slack_emulator.server import SlackEmulator
from storage.db import unit_of_work
from storage.flags import raise_flag, set_announcement
from storage.models import EscalationStepTaken, Flag, FlagEscalation, OutboxMessage, Pilot
from tests.cadence_helpers import slack_client
from tests.helpers import CHANNEL, acme_plan, store_member, store_pilot

# Monday 2026-12-14, 10:00 in New York (week 2 of the Acme pilot).
RAISED = datetime(2026, 12, 14, 15, 0, tzinfo=UTC)
TEAM: tuple[tuple[str, str], ...] = (
    ("U0003", "technical_lead"),
    ("U0004", "implementation_lead"),
    ("U0005", "project_lead"),
    ("U0006", "account_owner"),
    ("U0007", "executive_sponsor"),
    ("U0008", "executive"),
)
NAMES = {
    "U0003": "tina",
    "U0004": "ivan",
    "U0005": "pat",
    "U0006": "olga",
    "U0007": "sam",
    "U0008": "eve",
}


def add_team_users(emulator: SlackEmulator) -> None:
    for user_id, name in NAMES.items():
        emulator.add_user(user_id, name, real_name=name.title())


def acme_with_team(
    engine: Engine, team: Sequence[tuple[str, str]] = TEAM, plan: Plan | None = None
) -> Pilot:
    pilot = store_pilot(engine, plan or acme_plan())
    for user_id, role in team:
        store_member(engine, pilot, user_id, role)
    return pilot


def raise_at(
    engine: Engine,
    emulator: SlackEmulator,
    at: datetime,
    *,
    severity: str = "major",
    description: str = "Checkout API returns 500s for 3% of orders",
    raised_by: str = "U0002",
    pilot_id: int = 1,
) -> Flag:
    """A flag raised at ``at`` and announced in the channel (its thread), as the flags'
    listeners leave it."""
    announcement = emulator.add_user_message(CHANNEL, "UBOT", f"Flag: {description}")["ts"]
    with unit_of_work(engine) as session:
        pilot = session.get(Pilot, pilot_id)
        assert pilot is not None
        raised = raise_flag(
            session=session,
            pilot=pilot,
            what=FlagInput(Severity(severity), RiskCategory.TECHNICAL, description),
            raised_by=raised_by,
            at=at,
            source=FlagSource.COMMAND,
            channel_id=CHANNEL,
        )
        set_announcement(session=session, flag=raised.flag, ts=announcement, thread_ts=announcement)
        return raised.flag


def play(
    engine: Engine,
    emulator: SlackEmulator,
    start: datetime,
    until: datetime,
    *,
    step: timedelta = timedelta(minutes=1),
) -> None:
    """The scheduler running from ``start`` to ``until`` (inclusive): a tick and a delivery
    round every ``step``."""
    client = slack_client(emulator)
    now = start
    while now <= until:
        tick(engine=engine, now=now)
        deliver(engine=engine, client=client, now=now, channel_interval=0)
        now += step


def around(
    engine: Engine, emulator: SlackEmulator, deadlines: Sequence[datetime], *, after: datetime
) -> None:
    """Play a minute at a time for two minutes either side of each deadline, and only
    there: the steps go out within a minute of their deadline, or the tests fail."""
    for deadline in deadlines:
        play(engine, emulator, max(after, deadline - timedelta(minutes=2)), deadline)
        after = deadline + timedelta(minutes=1)
        play(engine, emulator, after, deadline + timedelta(minutes=2))


@dataclass(frozen=True)
class Dm:
    user: str
    text: str
    blocks: list[dict[str, Any]]
    params: dict[str, Any]


def dm_steps(emulator: SlackEmulator) -> list[set[str]]:
    """Who got each escalation step's DMs, step by step in the order Slack received them
    (DMs to different people go out side by side, so within a step there is no order)."""
    steps: list[tuple[str, set[str]]] = []
    for dm in dms(emulator):
        key = ((dm.params.get("metadata") or {}).get("event_payload") or {}).get("key", "")
        step = ":".join(str(key).split(":")[:3])  # escalation:F-1:s2
        if steps and steps[-1][0] == step:
            steps[-1][1].add(dm.user)
        else:
            steps.append((step, {dm.user}))
    return [users for _, users in steps]


def dms(emulator: SlackEmulator) -> list[Dm]:
    """The bot's DMs, in the order Slack received them, with who each went to."""
    by_channel = {emulator.dm_channel(user): user for user in NAMES}
    found = []
    for call in emulator.calls_to("chat.postMessage"):
        channel = call.params.get("channel")
        if call.ok and channel in by_channel:
            params = call.params
            blocks = params.get("blocks") or []
            found.append(Dm(by_channel[channel], params["text"], blocks, params))
    return found


def thread_lines(emulator: SlackEmulator, flag: Flag) -> list[str]:
    """The bot's escalation lines in the flag's thread, oldest first."""
    assert flag.thread_ts is not None
    return [
        m["text"]
        for m in emulator.thread(CHANNEL, flag.thread_ts)[1:]
        if (m.get("metadata") or {})
        .get("event_payload", {})
        .get("key", "")
        .startswith("escalation:")
    ]


def sent_rows(engine: Engine) -> list[OutboxMessage]:
    with unit_of_work(engine) as session:
        return list(
            session.exec(
                select(OutboxMessage)
                .where(OutboxMessage.kind == "escalation")
                .order_by(col(OutboxMessage.id))
            ).all()
        )


def escalation_rows(engine: Engine) -> dict[str, OutboxMessage]:
    return {row.key: row for row in sent_rows(engine)}


def timer(engine: Engine, flag_id: int | None = 1) -> FlagEscalation:
    with unit_of_work(engine) as session:
        row = session.get(FlagEscalation, flag_id)
        assert row is not None
        return row


def steps(engine: Engine) -> list[EscalationStepTaken]:
    with unit_of_work(engine) as session:
        return list(session.exec(select(EscalationStepTaken)).all())


def dm_click(
    sender: SlackSender,
    emulator: SlackEmulator,
    to: str,
    action_id: str,
    *,
    user_id: str | None = None,
    step: int | None = None,
) -> dict[str, Any]:
    """Click a button of the escalation DM sent to ``to`` (its last one, or the one of
    ``step``), as ``user_id`` (default: ``to``), in that DM: the payload Slack would send."""
    posts = [
        call
        for call in emulator.calls_to("chat.postMessage")
        if call.ok
        and call.params.get("channel") == emulator.dm_channel(to)
        and (step is None or f":s{step}:" in call.params["metadata"]["event_payload"]["key"])
    ]
    post = posts[-1]
    assert post.response is not None
    channel, ts = str(post.response["channel"]), str(post.response["ts"])
    [value] = [
        element["value"]
        for block in post.params["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == action_id
    ]
    return sender.block_actions(
        action_id, value, user_id=user_id or to, channel_id=channel, message_ts=ts
    )


def flag_row(engine: Engine, number: int = 1) -> Flag:
    with unit_of_work(engine) as session:
        found = session.exec(select(Flag).where(Flag.number == number)).first()
        assert found is not None
        return found
