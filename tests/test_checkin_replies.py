"""Replies in the daily check-in thread, over signed Events API requests to the real app."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from bot.blocks import ids
from schedules.delivery import deliver
from schedules.tick import tick
from slack_emulator.client import SlackSender
from storage.db import unit_of_work
from storage.models import ProcessedEvent
from tests.cadence_helpers import (
    FIRST_CHECKIN,
    checkin_replies,
    eventually,
    open_status_form,
    schedule_pilot,
    slack_client,
    submit_status,
)
from tests.helpers import CHANNEL

pytestmark = pytest.mark.usefixtures("checkins_only")

MONDAY = date(2026, 12, 14)


def post_checkin(bot, clock) -> str:
    """Schedule the Acme pilot and let the scheduler post Monday's thread; its ts."""
    schedule_pilot(bot.engine, FIRST_CHECKIN - timedelta(hours=2))
    clock.set(FIRST_CHECKIN)
    tick(engine=bot.engine, now=clock.now())
    deliver(engine=bot.engine, client=slack_client(bot.emulator), now=clock.now())
    [thread] = bot.emulator.messages(CHANNEL)
    return thread["ts"]


def replies(bot, day=MONDAY):
    return checkin_replies(bot.engine, day=day)


def reply_texts(bot):
    return [(r.user_id, r.text) for r in replies(bot)]


def test_a_reply_in_the_thread_is_that_persons_checkin_for_the_day(bot, clock):
    thread = post_checkin(bot, clock)
    ts, response = bot.sender.post_user_message(CHANNEL, "U0001", "All green", thread_ts=thread)
    assert response.status == 200
    [reply] = eventually(lambda: replies(bot))
    assert (reply.user_id, reply.text, reply.ts) == ("U0001", "All green", ts)
    assert (reply.channel_id, reply.thread_ts, reply.day) == (CHANNEL, thread, MONDAY)


def test_an_edit_updates_it_and_a_deletion_removes_it(bot, clock):
    thread = post_checkin(bot, clock)
    ts, _ = bot.sender.post_user_message(CHANNEL, "U0001", "All gren", thread_ts=thread)
    eventually(lambda: replies(bot))
    edit = bot.sender.message_changed_event(CHANNEL, "U0001", ts, "All green")
    assert bot.sender.event(edit).status == 200
    eventually(lambda: reply_texts(bot) == [("U0001", "All green")])
    deletion = bot.sender.message_deleted_event(CHANNEL, ts, user="U0001")
    assert bot.sender.event(deletion).status == 200
    eventually(lambda: replies(bot) == [])


def test_a_retried_event_is_acted_on_once(bot, clock, caplog):
    caplog.set_level("INFO", logger="bot.features.checkins")
    thread = post_checkin(bot, clock)
    ts, _ = bot.sender.post_user_message(CHANNEL, "U0001", "v1", thread_ts=thread)
    eventually(lambda: replies(bot))
    first_edit = bot.sender.message_changed_event(CHANNEL, "U0001", ts, "v2")
    bot.sender.event(first_edit, event_id="Ev0EDIT1")
    eventually(lambda: reply_texts(bot) == [("U0001", "v2")])
    bot.sender.event(bot.sender.message_changed_event(CHANNEL, "U0001", ts, "v3"))
    eventually(lambda: reply_texts(bot) == [("U0001", "v3")])
    # Slack retries the first edit late (it thought we timed out): it must not win.
    retry = bot.sender.event(
        first_edit,
        event_id="Ev0EDIT1",
        headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
    )
    assert retry.status == 200
    eventually(lambda: "event Ev0EDIT1 was already handled" in caplog.text)
    assert reply_texts(bot) == [("U0001", "v3")]
    with unit_of_work(bot.engine) as session:
        seen = session.exec(select(ProcessedEvent).where(ProcessedEvent.event_id == "Ev0EDIT1"))
        assert len(seen.all()) == 1


def test_the_same_reply_delivered_twice_is_stored_once(bot, clock, caplog):
    caplog.set_level("INFO", logger="bot.features.checkins")
    thread = post_checkin(bot, clock)
    event = bot.sender.message_event(CHANNEL, "U0001", "All green", thread_ts=thread)
    bot.sender.event(event, event_id="Ev0REPLY")
    bot.sender.event(event, event_id="Ev0REPLY", headers={"X-Slack-Retry-Num": "1"})
    eventually(lambda: "event Ev0REPLY was already handled" in caplog.text)
    assert reply_texts(bot) == [("U0001", "All green")]


def test_bots_top_level_messages_other_threads_and_channels_are_ignored(bot, clock):
    thread = post_checkin(bot, clock)
    own = bot.sender.message_event(CHANNEL, "UBOT", "the bot itself", thread_ts=thread)
    own["bot_id"] = bot.emulator.bot_id
    other_bot = bot.sender.message_event(CHANNEL, "U0BOT2", "a bot", thread_ts=thread)
    other_bot["bot_id"] = "B0OTHER"
    bot.sender.event(own)
    bot.sender.event(other_bot)
    top, _ = bot.sender.post_user_message(CHANNEL, "U0001", "a top-level message")
    bot.sender.post_user_message(CHANNEL, "U0002", "a reply elsewhere", thread_ts=top)
    bot.sender.post_user_message("C0OTHER", "U0001", "another channel", thread_ts=thread)
    bot.sender.post_user_message(CHANNEL, "U0002", "the real one", thread_ts=thread)
    eventually(lambda: replies(bot))
    assert reply_texts(bot) == [("U0002", "the real one")]


def test_another_workspaces_thread_is_not_this_ones(bot, clock):
    thread = post_checkin(bot, clock)
    other = SlackSender(f"{bot.url}/slack/events", bot.settings.signing_secret, team_id="T0002")
    other.event(other.message_event(CHANNEL, "U0009", "not ours", thread_ts=thread))
    bot.sender.post_user_message(CHANNEL, "U0001", "ours", thread_ts=thread)
    eventually(lambda: replies(bot))
    assert reply_texts(bot) == [("U0001", "ours")]


def test_the_next_threads_recap_names_who_checked_in(bot, clock):
    thread = post_checkin(bot, clock)
    bot.sender.post_user_message(CHANNEL, "U0002", "on it", thread_ts=thread)
    bot.sender.post_user_message(CHANNEL, "U0001", "green", thread_ts=thread)
    eventually(lambda: len(replies(bot)) == 2)
    clock.advance(timedelta(days=1))
    tick(engine=bot.engine, now=clock.now())
    deliver(engine=bot.engine, client=slack_client(bot.emulator), now=clock.now())
    tuesday = bot.emulator.messages(CHANNEL)[-1]
    assert "Previous workday (Mon Dec 14): checked in: <@U0002>, <@U0001>" in tuesday["text"]


# ----- Post status ----------------------------------------------------------------------------


def test_post_status_opens_the_form_and_posts_the_status_in_the_thread(bot, clock):
    thread = post_checkin(bot, clock)
    view = open_status_form(bot, thread)
    assert view["callback_id"] == ids.CHECKIN_STATUS_MODAL
    assert view["title"]["text"] == "Post status"
    response = submit_status(bot, view, "yellow", "Waiting on <!channel> test data")
    assert response.status == 200 and response.text == ""  # the form closes
    [post] = [
        c for c in bot.emulator.wait_for_calls("chat.postMessage", 2) if c.params.get("thread_ts")
    ]
    assert post.params["thread_ts"] == thread
    assert post.params["text"].startswith("<@U0002> checked in: :large_yellow_circle: *Yellow*")
    assert "<!channel>" not in post.params["text"]  # people's words never ping a channel
    # Counted at once; it takes the post's ts once Slack has the post.
    [reply] = eventually(lambda: [r for r in replies(bot) if r.ts == post.response["ts"]])
    assert (reply.user_id, reply.status, reply.text) == (
        "U0002",
        "yellow",
        "Waiting on <!channel> test data",
    )
    assert reply.ts == post.response["ts"]


def test_post_status_asks_for_a_colour_and_a_note_when_not_green(bot, clock):
    thread = post_checkin(bot, clock)
    view = open_status_form(bot, thread)
    no_colour = submit_status(bot, view, None).json()
    assert no_colour == {
        "response_action": "errors",
        "errors": {ids.CHECKIN_STATUS: "Pick green, yellow or red."},
    }
    red = submit_status(bot, view, "red").json()
    assert red["errors"] == {ids.CHECKIN_NOTE: "Say in a few words what is at risk or blocking."}
    assert submit_status(bot, view, "green").status == 200
    [reply] = eventually(lambda: replies(bot))
    assert (reply.status, reply.text) == ("green", "")


def test_an_out_of_date_status_button_gets_a_clear_answer(bot, clock):
    thread = post_checkin(bot, clock)
    click = bot.sender.block_actions(
        ids.CHECKIN_POST_STATUS, "1:yesterday", channel_id=CHANNEL, message_ts=thread
    )
    assert bot.sender.interactive(click).status == 200
    [answer] = bot.emulator.wait_for_calls("response_url")
    assert "out of date" in answer.params["text"]
    assert bot.emulator.calls_to("views.open") == []
