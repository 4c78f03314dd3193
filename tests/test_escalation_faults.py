"""The escalation timer under faults: restarts, racing schedulers, Slack refusing, and
people or workspaces that may not act on a flag."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from schedules.delivery import deliver
from storage.db import unit_of_work
from storage.models import OutboxMessage
from storage.outbox import SENT, encode_payload, enqueue
from tests.cadence_helpers import slack_client
from tests.helpers import CHANNEL, store_pilot

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
                kind="escalation",
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
