"""The escalation timer under faults: restarts, racing schedulers, Slack refusing, and
people or workspaces that may not act on a flag."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from schedules.delivery import deliver
from schedules.tick import tick
from slack_emulator.client import SlackSender
from storage.db import make_engine, unit_of_work
from storage.flags import flag_by_number, resolve_flag
from storage.models import OutboxMessage
from storage.outbox import OWED, SENT, SKIPPED, encode_payload, enqueue
from tests.cadence_helpers import slack_client
from tests.escalation_helpers import (
    RAISED,
    acme_with_team,
    around,
    dm_click,
    dms,
    escalation_rows,
    flag_row,
    play,
    raise_at,
    steps,
    thread_lines,
)
from tests.helpers import CHANNEL, store_pilot

# About escalations: the daily cadence has its own tests.
pytestmark = pytest.mark.usefixtures("checkins_only")

NOW = datetime(2026, 12, 14, 15, 0, tzinfo=UTC)


def owe_linked_dm(engine, emulator, *, message_ts: str) -> None:
    pilot = store_pilot(engine)
    assert pilot.id is not None
    text = "F-1 is unresolved: <permalink|Open F-1's thread>. Typed: &lt;permalink|x&gt;"
    with unit_of_work(engine) as session:
        enqueue(
            session=session,
            message=OutboxMessage(
                pilot_id=pilot.id,
                key="escalation:F-1:s1:U0002",
                kind="test_link",  # a kind without a last look before sending
                team_id="T0001",
                channel_id=CHANNEL,
                dm_users="U0002",
                payload=encode_payload(
                    {
                        "text": text,
                        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
                        "permalink_of": {"channel": CHANNEL, "message_ts": message_ts},
                    }
                ),
                due_at=NOW,
                next_attempt_at=NOW,
            ),
        )


def test_a_dm_links_to_the_flags_thread_with_the_permalink_asked_for_at_send_time(engine, emulator):
    thread = emulator.add_user_message(CHANNEL, "U0001", "the flag's thread")["ts"]
    owe_linked_dm(engine, emulator, message_ts=thread)
    report = deliver(engine=engine, client=slack_client(emulator), now=NOW)
    assert report.sent == ["escalation:F-1:s1:U0002"]
    [asked] = emulator.calls_to("chat.getPermalink")
    assert asked.params["message_ts"] == thread
    [post] = emulator.calls_to("chat.postMessage")
    link = f"https://{emulator.team_domain}.slack.com/archives/{CHANNEL}/p{thread.replace('.', '')}"
    expected = f"F-1 is unresolved: <{link}|Open F-1's thread>. Typed: &lt;permalink|x&gt;"
    assert post.params["text"] == expected
    assert post.params["blocks"][0]["text"]["text"] == expected
    assert "permalink_of" not in post.params
    assert post.params["channel"] == emulator.dm_channel("U0002")


def test_without_a_permalink_the_dm_names_the_channel_and_still_goes(engine, emulator):
    owe_linked_dm(engine, emulator, message_ts="1765000000.000100")  # no such message
    report = deliver(engine=engine, client=slack_client(emulator), now=NOW)
    assert report.sent == ["escalation:F-1:s1:U0002"]
    [post] = emulator.calls_to("chat.postMessage")
    assert post.params["text"].startswith(f"F-1 is unresolved: Open F-1's thread in <#{CHANNEL}>.")
    with unit_of_work(engine) as session:
        [row] = session.exec(select(OutboxMessage)).all()
        assert row.status == SENT


# ----- restarts and racing schedulers -------------------------------------------------------


def test_a_bot_stopped_before_24h_and_started_after_48h_sends_both_steps_once_in_order_late(
    engine, emulator
):
    acme_with_team(engine)
    flag = raise_at(engine, emulator, RAISED)
    around(engine, emulator, [RAISED, RAISED + timedelta(hours=4)], after=RAISED)
    # Down from 23 h to 50 h; then started, and restarted at once for good measure.
    back = RAISED + timedelta(hours=50)
    play(engine, emulator, back, back + timedelta(minutes=3))
    play(engine, emulator, back, back + timedelta(minutes=3))
    # Each person's DM once (DMs to different people go out side by side, in any order;
    # the thread below keeps the steps' order).
    late = sorted(dms(emulator)[2:], key=lambda dm: dm.user)
    assert [dm.user for dm in late] == ["U0006", "U0007", "U0008"]
    assert "This message is late by 26 h: it was due Tue Dec 15, 10:00 EST." in late[0].text
    assert "This message is late by 2 h: it was due Wed Dec 16, 10:00 EST." in late[1].text
    [note] = [b for b in late[0].blocks if b["type"] == "context"]
    assert note["elements"][0]["text"].startswith(":hourglass: This message is late by 26 h")
    lines = thread_lines(emulator, flag)
    assert len(lines) == 4
    assert lines[2].startswith("Escalated to the account owner, <@U0006>: F-1 is unresolved after")
    assert "(Late by 26 h: the bot could not send it on time.)" in lines[2]
    assert "(Late by 2 h: the bot could not send it on time.)" in lines[3]
    rows = escalation_rows(engine)
    assert all(row.status == SENT for row in rows.values())
    assert rows["escalation:F-1:s2:U0006"].sent_at == back
    assert [s.step for s in steps(engine)] == [0, 1, 2, 3]


def owed(engine) -> int:
    with unit_of_work(engine) as session:
        return len(
            session.exec(select(OutboxMessage).where(col(OutboxMessage.status).in_(OWED))).all()
        )


@pytest.fixture
def second_engine(database_url, request):
    engine = make_engine(database_url, schema=getattr(request.node, "pg_schema", None))
    yield engine
    engine.dispose()


def test_two_schedulers_racing_send_each_escalation_dm_once(engine, second_engine, emulator):
    acme_with_team(engine)
    for number in range(1, 7):
        raise_at(engine, emulator, RAISED, description=f"issue {number}")
    emulator.latency = 0.01  # widen the windows in which the two can collide
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    moments = [RAISED, RAISED + timedelta(hours=4), RAISED + timedelta(hours=50)]

    def scheduler(db) -> None:
        client = slack_client(emulator)
        try:
            for now in moments:
                barrier.wait(timeout=20)
                tick(engine=db, now=now)
                barrier.wait(timeout=20)
                # Small rounds, so both keep coming back for the same rows, until none is owed.
                for _ in range(200):
                    deliver(engine=db, client=client, now=now, channel_interval=0, limit=3)
                    if not owed(db):
                        break
        except BaseException as error:  # surfaced below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=scheduler, args=(db,)) for db in (engine, second_engine)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    rows = escalation_rows(engine)
    assert len(rows) == 6 * 9
    assert {key: row.status for key, row in rows.items() if row.status != SENT} == {}
    sent = [(dm.user, dm.params["metadata"]["event_payload"]["key"]) for dm in dms(emulator)]
    assert len(sent) == len(set(sent)) == 6 * 5
    assert len(steps(engine)) == 6 * 4


# ----- a flag resolved while its messages wait --------------------------------------------------


def test_a_flag_resolved_between_the_decision_and_the_send_gets_no_more_messages(engine, emulator):
    acme_with_team(engine)
    raise_at(engine, emulator, RAISED)
    play(engine, emulator, RAISED, RAISED)
    account_owner = RAISED + timedelta(hours=24)
    tick(engine=engine, now=account_owner)  # decided: the step is taken, its rows owed
    with unit_of_work(engine) as session:
        flag = flag_by_number(session=session, pilot_id=1, number=1, lock=True)
        resolve_flag(
            session=session, flag=flag, user_id="U0004", resolution="fixed", at=account_owner
        )
    report = deliver(engine=engine, client=slack_client(emulator), now=account_owner)
    assert sorted(report.skipped) == [
        "escalation:F-1:s1",
        "escalation:F-1:s1:U0004",
        "escalation:F-1:s1:U0005",
        "escalation:F-1:s2",
        "escalation:F-1:s2:U0006",
    ]
    assert dms(emulator) == []
    row = escalation_rows(engine)["escalation:F-1:s2:U0006"]
    assert row.status == SKIPPED
    assert (
        row.skipped_reason == "F-1 was resolved by U0004 at 10:00 EST Tue Dec 15 before"
        " this went out"
    )


# ----- who may act on a flag from its DM --------------------------------------------------------


def dm_ready(bot) -> None:
    """The Acme pilot's F-1, four hours on: its project leads have their DMs."""
    acme_with_team(bot.engine)
    raise_at(bot.engine, bot.emulator, RAISED)
    bot.clock.set(RAISED + timedelta(hours=4, minutes=5))
    play(bot.engine, bot.emulator, RAISED, RAISED)
    play(bot.engine, bot.emulator, RAISED + timedelta(hours=4), RAISED + timedelta(hours=4))


def unchanged(bot) -> None:
    flag = flag_row(bot.engine)
    assert (flag.acknowledged_by, flag.state) == ("", "open")


def test_someone_outside_the_team_cannot_acknowledge_or_resolve_from_a_dm(bot):
    dm_ready(bot)
    for action in ("flag_acknowledge", "flag_resolve"):
        forged = dm_click(bot.sender, bot.emulator, "U0005", action, user_id="U0009")
        assert bot.sender.interactive(forged).status == 200
    told = bot.emulator.wait_for(
        lambda e: [p.payload["text"] for p in e.response_posts(user="U0009")]
    )
    assert told[0].startswith("Only members of the pilot's team (either side)")
    notice = bot.emulator.wait_for(
        lambda e: [v for v in e.views.values() if "Only members" in json.dumps(v)]
    )
    assert notice
    unchanged(bot)
    assert not [c for c in bot.emulator.calls_to("chat.update")]


def test_a_flag_of_another_workspace_cannot_be_acted_on(bot):
    dm_ready(bot)
    other = SlackSender(
        f"{bot.url}/slack/events",
        bot.settings.signing_secret,
        team_id="T0002",
        emulator=bot.emulator,
    )
    click = dm_click(other, bot.emulator, "U0005", "flag_acknowledge")
    assert other.interactive(click).status == 200
    told = bot.emulator.wait_for(
        lambda e: [p.payload["text"] for p in e.response_posts(user="U0005")]
    )
    assert told == ["That pilot no longer exists in this workspace."]
    unchanged(bot)
