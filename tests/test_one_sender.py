"""One sender: every message a click or a command owes reaches Slack once, in order, even
when Slack fails 30 % of the posts, DM opens and updates for a while.

Each listener flow is driven over signed HTTP while the emulator fails at random (5xx
and 429 with Retry-After); between flows, and after Slack heals, the scheduler's
delivery rounds run (the clock moved to each stored retry time). What Slack holds at
the end is compared with a list written here, by hand, for every conversation.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.app import services_of
from bot.blocks import ids
from schedules.delivery import deliver
from storage.db import unit_of_work
from storage.models import OutboxMessage, Pilot
from storage.outbox import OWED, SENT
from tests.cadence_helpers import eventually, slack_client
from tests.helpers import CHANNEL, store_member
from tests.review_helpers import post, walk

OWNER, SPONSOR, LEAD, USER = "U0001", "U0002", "U0003", "U0004"
CREATE = (
    'create "Acme POC" customer=Acme type=business ramp=standard start=2026-12-07 weeks=6'
    ' tz=America/New_York checkin=09:30 review="mon 10:00" holidays=US'
)
FLAKY = ("chat.postMessage", "conversations.open", "chat.update")


def command(bot, text: str, user_id: str = OWNER) -> str:
    response = bot.sender.command(text, user_id=user_id, channel_id=CHANNEL)
    assert response.status == 200, response.text
    return response.text


def click(bot, channel: str, ts: str, action_id: str, user_id: str) -> None:
    message = bot.emulator.message(channel, ts)
    assert message is not None
    value = next(
        e["value"]
        for b in message.get("blocks") or []
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )
    payload = bot.sender.block_actions(
        action_id, value, user_id=user_id, channel_id=channel, message_ts=ts
    )
    assert bot.sender.interactive(payload).status == 200


def keyed(bot, key: str) -> None:
    """Wait until a click's listener, which runs after its ack, has owed ``key``: rounds
    run before that would find nothing owed, and the flows after it would go first."""

    def owed() -> bool:
        with unit_of_work(bot.engine) as session:
            found = session.exec(select(OutboxMessage).where(OutboxMessage.key == key)).first()
        return found is not None

    eventually(owed)


def owed_rows(engine) -> list[OutboxMessage]:
    with unit_of_work(engine) as session:
        return list(
            session.exec(select(OutboxMessage).where(col(OutboxMessage.status).in_(OWED))).all()
        )


def settle(bot, *, rounds: int = 400) -> None:
    """Delivery rounds, as the scheduler runs them, until nothing is owed: the clock moves
    to the next stored retry (or lease end); the listener's own rounds may still run."""
    client = slack_client(bot.emulator)
    pause = threading.Event()
    sender = services_of(bot.app).sender
    assert sender is not None
    for _ in range(rounds):
        # The clock only moves while the listener's own rounds are done: a jump in time
        # under a send in flight would look like a dead worker's lease running out.
        assert sender.wait_idle()
        deliver(engine=bot.engine, client=client, now=bot.clock.now(), channel_interval=0)
        owed = owed_rows(bot.engine)
        if not owed:
            return
        waits = [
            max(r.next_attempt_at or bot.clock.now(), r.claimed_until or bot.clock.now())
            for r in owed
        ]
        later = [w for w in waits if w > bot.clock.now()]
        if later:
            bot.clock.set(min(later))
        else:
            pause.wait(0.01)  # a listener's round holds them: let it finish
    raise AssertionError(f"still owed: {[r.key for r in owed_rows(bot.engine)]}")


def top_level(bot, channel: str) -> list[dict]:
    return bot.emulator.messages(channel)


def replies(bot, channel: str, ts: str) -> list[str]:
    return [m["text"] for m in bot.emulator.thread(channel, ts)[1:]]


def one_of(messages: list[dict], start: str) -> dict:
    (found,) = [m for m in messages if m["text"].startswith(start)]
    return found


def buttons(message: dict) -> set[str]:
    return {
        e["action_id"]
        for b in message.get("blocks") or []
        if b["type"] == "actions"
        for e in b["elements"]
    }


@pytest.fixture
def people(bot):
    for user, name in ((LEAD, "carol"), (USER, "dave")):
        bot.emulator.add_user(user, name)


def test_every_flow_delivers_each_message_once_in_order_through_faults(bot, people):
    emulator, engine, clock = bot.emulator, bot.engine, bot.clock
    clock.set(datetime(2026, 12, 10, 15, 0, tzinfo=UTC))  # Thursday of week 1 (Setup)
    emulator.flaky(FLAKY, 0.3, seed=7)

    # Create: the announcement.
    command(bot, CREATE)
    with unit_of_work(engine) as session:
        pilot = session.exec(select(Pilot)).one()
    store_member(engine, pilot, SPONSOR, "executive_sponsor")
    store_member(engine, pilot, LEAD, "implementation_lead")
    store_member(engine, pilot, USER, "end_user")
    settle(bot)

    # End of Setup: the phase review, then the sponsor's Go (the post updated, the
    # channel told).
    walk(bot, datetime(2026, 12, 11, 15, 30, tzinfo=UTC), kinds=("phase_review",))
    settle(bot)
    review = post(emulator, "phase_review:setup")
    click(bot, CHANNEL, review.ts, ids.PHASE_GO, SPONSOR)
    keyed(bot, "decision:setup")
    settle(bot)

    # Flags: raised, acknowledged, resolved, snoozed.
    command(bot, "flag major Checkout is slow")
    command(bot, "flag minor Typo on the landing page")
    settle(bot)
    command(bot, "ack F-1", user_id=LEAD)
    command(bot, 'snooze F-2 4h reason="waiting for copy"')
    command(bot, "resolve F-1 Added the missing index", user_id=LEAD)
    settle(bot)

    # The change process: requested (channel + the sponsor's DM), approved from the DM
    # (channel, the stakeholders' DMs, the sponsor's DM updated).
    command(bot, 'change ramp conservative reason="Integration is harder than planned"')
    settle(bot)
    [ask] = top_level(bot, emulator.dm_channel(SPONSOR))
    click(bot, emulator.dm_channel(SPONSOR), ask["ts"], ids.CHANGE_APPROVE, SPONSOR)
    keyed(bot, "change:CH-1:decided")
    settle(bot)

    # Posts people ask for, and the lifecycle notices.
    command(bot, "review")
    command(bot, "status public")
    command(bot, 'pause reason="customer code freeze"')
    command(bot, "resume")
    settle(bot)

    emulator.heal()
    settle(bot)

    # The channel: each message once, in the order it was owed.
    channel = top_level(bot, CHANNEL)
    expected_channel = [
        ":rocket: New pilot: Acme POC",
        "Heads-up: Week 2: traffic goes from 10% to 25%",  # the scheduler's, on Friday
        "End of Setup · phase 1 review · Acme POC",
        "Acme POC: :white_check_mark: *Go* for Soft Launch (end of Setup)",
        "Issue flag F-1 (major, technical) from <@U0001>: Checkout is slow",
        "Issue flag F-2 (minor, technical) from <@U0001>: Typo on the landing page",
        "Change requested (CH-1): <@U0001> asks to change the ramp",
        ":white_check_mark: CH-1 approved by <@U0002> (executive sponsor)",
        "Weekly review · Week 1 of 6 · Setup · Acme POC",
        "Acme POC · Acme: Type: Business Validation Pilot (6 weeks, conservative",
        ":double_vertical_bar: <@U0001> paused *Acme POC*: customer code freeze",
        ":arrow_forward: <@U0001> resumed *Acme POC*",
    ]
    assert len(channel) == len(expected_channel), "\n".join(m["text"][:70] for m in channel)
    for message, start in zip(channel, expected_channel, strict=True):
        assert message["text"].startswith(start), (start, message["text"][:120])

    # The flags' threads, and their announcements as they stand (resolved: no buttons).
    first, second = channel[4], channel[5]
    assert replies(bot, CHANNEL, first["ts"]) == [
        ":eyes: <@U0003> acknowledged F-1: they are on it.",
        ":white_check_mark: <@U0003> resolved F-1: Added the missing index",
    ]
    [snoozed] = replies(bot, CHANNEL, second["ts"])
    assert snoozed.startswith(":zzz: <@U0001> snoozed F-2's escalation by 4 h")
    assert buttons(emulator.message(CHANNEL, first["ts"])) == set()
    assert buttons(emulator.message(CHANNEL, second["ts"])) == {
        ids.FLAG_ACKNOWLEDGE,
        ids.FLAG_RESOLVE,
    }
    # The phase review shows the decision, without its Go / No-go.
    shown = emulator.message(CHANNEL, review.ts)
    assert "decided by <@U0002>" in shown["text"]
    assert not buttons(shown) & {ids.PHASE_GO, ids.PHASE_NO_GO}

    # The DMs: the sponsor was asked (and the ask now shows the decision); every other
    # stakeholder heard of the approval, once.
    [ask] = top_level(bot, emulator.dm_channel(SPONSOR))
    assert ask["text"].startswith("CH-1 approved: change the ramp")
    assert buttons(ask) == set()
    for user in (OWNER, LEAD, USER):
        dms = top_level(bot, emulator.dm_channel(user))
        assert len(dms) == 1, (user, [m["text"][:80] for m in dms])
        [told] = dms
        assert "CH-1" in told["text"] and "approved" in told["text"]

    # Once each: no message was posted twice, whatever Slack answered on the way.
    posted = Counter(
        (c.params["metadata"]["event_payload"]["key"])
        for c in emulator.calls_to("chat.postMessage")
        if c.ok and c.params.get("metadata")
    )
    assert posted and max(posted.values()) == 1, posted.most_common(3)
    failed = [c for c in emulator.calls if not c.ok and c.method in FLAKY]
    assert len(failed) >= 5  # the faults did bite
    with unit_of_work(engine) as session:
        rows = session.exec(select(OutboxMessage)).all()
    assert {r.status for r in rows} <= {SENT, "skipped"}
    assert [r.key for r in rows if r.status == "skipped"] == [
        r.key for r in rows if r.status == "skipped" and "superseded" in r.skipped_reason
    ]


def test_a_dm_in_backoff_holds_back_nobody_else(bot, people):
    """A DM Slack keeps refusing to open waits on its own; the channel's posts go out."""
    emulator, engine, clock = bot.emulator, bot.engine, bot.clock
    clock.set(datetime(2026, 12, 10, 15, 0, tzinfo=UTC))
    command(bot, CREATE)
    with unit_of_work(engine) as session:
        pilot = session.exec(select(Pilot)).one()
    store_member(engine, pilot, SPONSOR, "executive_sponsor")
    settle(bot)
    emulator.fail("conversations.open", times=None, status=503)
    command(bot, 'change ramp conservative reason="Integration is harder than planned"')
    command(bot, "flag major Checkout is slow")
    # The channel has both, at once, while the sponsor's DM is still owed.
    emulator.wait_for(lambda e: len(e.messages(CHANNEL)) == 3)
    [dm] = [r for r in owed_rows(engine) if r.dm_users == SPONSOR]
    assert dm.key == "change:CH-1:ask:U0002" and dm.last_error == "service_unavailable"
    clock.advance(timedelta(minutes=1))
    deliver(engine=engine, client=slack_client(emulator), now=clock.now(), channel_interval=0)
    command(bot, "flag minor Another one")
    emulator.wait_for(lambda e: len(e.messages(CHANNEL)) == 4)
    eventually(lambda: [r.key for r in owed_rows(engine)] == ["change:CH-1:ask:U0002"])
    emulator.clear_faults()
    settle(bot)
    [ask] = top_level(bot, emulator.dm_channel(SPONSOR))
    assert ask["text"].startswith("Change request CH-1 for Acme POC")
