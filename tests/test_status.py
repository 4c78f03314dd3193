"""`/pilot status` end to end: signed HTTP in, what the bot answered and what Slack received."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from schedules.delivery import deliver
from slack_emulator.client import SlackSender
from storage.db import make_engine
from storage.scope import Workspace
from tests.cadence_helpers import eventually, slack_client
from tests.conftest import POSTGRES_URL
from tests.helpers import CHANNEL, acme_plan, store_pilot


def test_status_in_a_pilot_channel_answers_ephemerally(bot, clock):
    store_pilot(bot.engine)
    # Tuesday 2026-12-15 10:00 in New York: week 2 (Soft Launch), day 9.
    clock.set(datetime(2026, 12, 15, 15, 0, tzinfo=UTC))
    response = bot.sender.command("status", channel_id=CHANNEL)
    assert response.status == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    text = body["text"]
    assert "Acme POC · Acme" in text
    assert "Business Validation" in text
    assert "Soft Launch, week 2 of 6, day 9" in text
    assert "Traffic today (planned): 25%" in text
    assert "25% → 40% on Mon Dec 21, 2026 (week 3)" in text
    assert "33 days (hard end Sun Jan 17, 2027)" in text
    assert body["blocks"][0]["type"] == "header"
    # Answered in the HTTP response: nothing posted to the channel.
    assert bot.emulator.calls_to("chat.postMessage") == []


def test_status_before_the_start_and_on_the_last_day(bot, clock):
    store_pilot(bot.engine)
    clock.set(datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    assert "Not started: starts in 5 days" in bot.sender.command("status").json()["text"]
    clock.set(datetime(2027, 1, 17, 15, 0, tzinfo=UTC))
    text = bot.sender.command("status").json()["text"]
    assert "Today is the last day" in text
    assert "None: traffic holds at this level" in text


def test_status_shows_band_warnings_for_an_overridden_plan(bot, clock):
    store_pilot(
        bot.engine, acme_plan(pilot_type="technical", weeks=4, ramp="conservative", override=True)
    )
    text = bot.sender.command("status").json()["text"]
    assert ":warning:" in text and "30%" in text


def test_status_in_a_channel_without_a_pilot_says_how_to_create_one(bot):
    store_pilot(bot.engine)
    body = bot.sender.command("status", channel_id="C0OTHER").json()
    assert body["response_type"] == "ephemeral"
    assert "no pilot in this channel" in body["text"]
    assert "/pilot create" in body["text"]


def test_another_workspace_never_sees_the_pilot(bot):
    store_pilot(bot.engine)
    store_pilot(
        bot.engine,
        acme_plan(name="Globex trial", customer="Globex"),
        workspace=Workspace(team_id="T0002"),
    )
    other = SlackSender(
        f"{bot.url}/slack/events",
        bot.settings.signing_secret,
        team_id="T0002",
        emulator=bot.emulator,
    )
    assert "Globex trial" in other.command("status", channel_id=CHANNEL).json()["text"]
    assert "Acme POC" in bot.sender.command("status", channel_id=CHANNEL).json()["text"]


def test_status_public_posts_in_the_channel_with_text_beside_blocks(bot):
    store_pilot(bot.engine)
    response = bot.sender.command("status public", channel_id=CHANNEL)
    assert response.status == 200
    post = bot.emulator.wait_for_calls("chat.postMessage")[0]
    assert post.params["channel"] == CHANNEL
    assert "Acme POC" in post.params["text"]
    assert post.params["blocks"][0]["type"] == "header"
    assert [m["text"] for m in bot.emulator.messages(CHANNEL)] == [post.params["text"]]


def test_a_slack_5xx_while_posting_is_retried_and_posted_once(bot, clock):
    store_pilot(bot.engine)
    bot.emulator.fail("chat.postMessage", status=500, times=1)
    response = bot.sender.command("status public", channel_id=CHANNEL)
    assert response.status == 200
    bot.emulator.wait_for_calls("chat.postMessage")
    # Owed, not lost: nobody is told it failed, and the next round posts it once.
    clock.advance(timedelta(minutes=1))
    eventually(
        lambda: deliver(engine=bot.engine, client=slack_client(bot.emulator), now=clock.now()).sent
    )
    assert bot.emulator.response_posts(channel=CHANNEL) == []
    [posted] = bot.emulator.messages(CHANNEL)
    assert "Acme POC" in posted["text"]
    # The next request works as usual.
    bot.sender.command("status public", channel_id=CHANNEL)
    assert bot.emulator.wait_for(lambda e: len(e.messages(CHANNEL)) == 2)


def test_after_the_database_dropped_its_connections_one_asker_at_most_gets_an_apology(bot):
    """The status read runs outside SQLAlchemy's Connection (storage/status.py): when the
    server drops the pool's connections (a restart, a failover), the first failure starts
    the pool afresh, as SQLAlchemy's own handler would, rather than hand out the next dead
    connection to the next asker."""
    if bot.engine.dialect.name != "postgresql":
        pytest.skip("an SQLite file has no server to drop connections")
    store_pilot(bot.engine)
    # Several idle connections in the pool, each of which the server then drops.
    held = [bot.engine.raw_connection() for _ in range(3)]
    pids = [connection.driver_connection.info.backend_pid for connection in held]
    for connection in held:
        connection.close()
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            for pid in pids:
                connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        admin.dispose()
    answers = [bot.sender.command("status", channel_id=CHANNEL) for _ in range(3)]
    assert all(answer.status == 200 for answer in answers)
    texts = [answer.json()["text"] for answer in answers]
    assert sum("Sorry, something went wrong" in text for text in texts) <= 1
    assert all("Acme POC · Acme" in text for text in texts[1:])
