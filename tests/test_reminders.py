"""Check-in reminders: the people in the reminder roles who have not checked in are
mentioned once in the day's thread, at the reminder time (fake clock, emulator)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from schedules.delivery import deliver
from schedules.tick import tick
from storage.db import unit_of_work
from storage.models import Pilot
from storage.outbox import SENT, SKIPPED
from tests.cadence_helpers import (
    FIRST_CHECKIN,
    eventually,
    open_status_form,
    play,
    rows,
    schedule_pilot,
    slack_client,
    submit_status,
)
from tests.cadence_helpers import checkin_replies as replies
from tests.helpers import CHANNEL, acme_plan, store_member

pytestmark = pytest.mark.usefixtures("checkins_only")

REMINDER_AT = datetime(2026, 12, 14, 18, 30, tzinfo=UTC)  # 13:30 in New York: 09:30 + 4 h
TEAM = (
    ("U0001", "project_lead"),
    ("U0002", "implementation_lead"),
    ("U0003", "technical_lead"),  # not a reminder role by default
    ("U0004", "project_lead"),
)


def acme_with_team(engine, plan=None, team=TEAM):
    pilot = schedule_pilot(engine, FIRST_CHECKIN - timedelta(hours=2), plan)
    for user_id, role in team:
        store_member(engine, pilot, user_id, role)
    return pilot


def checkin_thread(bot, clock) -> str:
    clock.set(FIRST_CHECKIN)
    play(bot.engine, slack_client(bot.emulator), clock, until=FIRST_CHECKIN)
    [thread] = bot.emulator.messages(CHANNEL)
    return thread["ts"]


def reminders_in(bot, thread: str) -> list[dict]:
    return [m for m in bot.emulator.thread(CHANNEL, thread) if m["text"].startswith("Reminder:")]


def test_the_reminder_mentions_exactly_the_missing_members_once(bot, clock):
    acme_with_team(bot.engine)
    thread = checkin_thread(bot, clock)
    bot.sender.post_user_message(CHANNEL, "U0001", "green", thread_ts=thread)
    bot.sender.post_user_message(CHANNEL, "U0004", "all fine", thread_ts=thread)
    eventually(lambda: len(replies(bot.engine)) == 2)
    clock.set(REMINDER_AT - timedelta(minutes=15))
    play(bot.engine, slack_client(bot.emulator), clock, until=REMINDER_AT + timedelta(hours=3))
    [reminder] = reminders_in(bot, thread)
    assert reminder["text"].startswith(
        "Reminder: <@U0002>, no check-in from you yet for Mon Dec 14"
    )
    assert reminder["thread_ts"] == thread
    [call] = [
        c for c in bot.emulator.calls_to("chat.postMessage") if "Reminder" in c.params["text"]
    ]
    assert call.params["blocks"][-1]["elements"][0]["action_id"] == "checkin_post_status"


def test_a_status_posted_with_the_button_counts_as_checked_in(bot, clock):
    acme_with_team(bot.engine, team=(("U0001", "project_lead"), ("U0002", "project_lead")))
    thread = checkin_thread(bot, clock)
    bot.sender.post_user_message(CHANNEL, "U0001", "green", thread_ts=thread)
    eventually(lambda: replies(bot.engine))
    submit_status(bot, open_status_form(bot, thread, user_id="U0002"), "green", user_id="U0002")
    eventually(lambda: len(replies(bot.engine)) == 2)
    clock.set(REMINDER_AT)
    play(bot.engine, slack_client(bot.emulator), clock, until=REMINDER_AT)
    assert reminders_in(bot, thread) == []
    [row] = rows(bot.engine, kind="reminder")
    assert row.status == SKIPPED
    assert (
        row.skipped_reason == "everyone in the reminder roles (project lead, implementation "
        "lead) had checked in"
    )


def test_nobody_in_the_reminder_roles_is_recorded_as_the_reason(engine, emulator):
    schedule_pilot(engine, FIRST_CHECKIN - timedelta(hours=2))
    tick(engine=engine, now=REMINDER_AT)
    [row] = rows(engine, kind="reminder")
    assert row.status == SKIPPED
    assert row.skipped_reason.startswith("nobody holds the reminder roles (project lead, ")
    assert "/pilot team add" in row.skipped_reason


def test_the_reminder_time_and_roles_follow_the_settings(bot, clock):
    pilot = acme_with_team(bot.engine, acme_plan(reminder=time(11, 0)))
    with unit_of_work(bot.engine) as session:
        row = session.get(Pilot, pilot.id)
        assert row is not None
        row.reminder_roles = "technical_lead"
    thread = checkin_thread(bot, clock)
    eleven = datetime(2026, 12, 14, 16, 0, tzinfo=UTC)
    clock.set(eleven - timedelta(minutes=15))
    play(bot.engine, slack_client(bot.emulator), clock, until=eleven + timedelta(hours=4))
    [reminder] = reminders_in(bot, thread)
    assert reminder["text"].startswith("Reminder: <@U0003>, ")


def test_a_reminder_held_up_by_an_outage_names_only_those_still_missing(bot, clock):
    acme_with_team(bot.engine)
    thread = checkin_thread(bot, clock)
    client = slack_client(bot.emulator)
    clock.set(REMINDER_AT)
    tick(engine=bot.engine, now=clock.now())
    bot.emulator.go_offline()
    try:
        deliver(engine=bot.engine, client=client, now=clock.now())  # refused: still owed
        bot.sender.post_user_message(CHANNEL, "U0001", "late but green", thread_ts=thread)
        eventually(lambda: replies(bot.engine))
    finally:
        bot.emulator.go_online()
    clock.advance(timedelta(minutes=10))
    deliver(engine=bot.engine, client=client, now=clock.now())
    [reminder] = reminders_in(bot, thread)
    assert reminder["text"].startswith("Reminder: <@U0002>, <@U0004>, no check-in")


def test_a_reminder_whose_people_all_checked_in_meanwhile_is_skipped(bot, clock):
    acme_with_team(bot.engine, team=(("U0001", "project_lead"),))
    thread = checkin_thread(bot, clock)
    client = slack_client(bot.emulator)
    clock.set(REMINDER_AT)
    tick(engine=bot.engine, now=clock.now())
    bot.emulator.fail("chat.postMessage", times=1, retry_after=120)
    deliver(engine=bot.engine, client=client, now=clock.now())
    bot.sender.post_user_message(CHANNEL, "U0001", "green", thread_ts=thread)
    eventually(lambda: replies(bot.engine))
    clock.advance(timedelta(minutes=3))
    report = deliver(engine=bot.engine, client=client, now=clock.now())
    assert report.skipped == ["reminder:2026-12-14"]
    assert reminders_in(bot, thread) == []
    [row] = rows(bot.engine, kind="reminder")
    assert "had checked in" in row.skipped_reason


def test_after_an_outage_the_checkin_goes_first_and_the_reminder_into_its_thread(bot, clock):
    acme_with_team(bot.engine)
    client = slack_client(bot.emulator)
    bot.emulator.go_offline()
    try:
        clock.set(FIRST_CHECKIN)
        play(bot.engine, client, clock, until=REMINDER_AT, step=timedelta(hours=1))
    finally:
        bot.emulator.go_online()
    assert [r.status for r in rows(bot.engine)] == ["pending", "pending"]  # both owed
    for _ in range(3):
        clock.advance(timedelta(minutes=15))
        deliver(engine=bot.engine, client=client, now=clock.now())
    checkin, reminder = rows(bot.engine)
    assert (checkin.status, reminder.status) == (SENT, SENT)
    assert reminder.thread_ts == checkin.sent_ts
    assert len(reminders_in(bot, checkin.sent_ts or "")) == 1


def test_post_status_from_the_reminder_counts_for_the_days_checkin(bot, clock):
    acme_with_team(bot.engine, team=(("U0002", "implementation_lead"),))
    thread = checkin_thread(bot, clock)
    clock.set(REMINDER_AT)
    play(bot.engine, slack_client(bot.emulator), clock, until=REMINDER_AT)
    [reminder] = reminders_in(bot, thread)
    click = bot.sender.block_actions(
        "checkin_post_status",
        "1:2026-12-14",
        user_id="U0002",
        channel_id=CHANNEL,
        message_ts=reminder["ts"],
    )
    bot.sender.interactive(click)
    [opened] = bot.emulator.wait_for_calls("views.open")
    assert submit_status(bot, opened.params["view"], "green", user_id="U0002").status == 200
    [reply] = eventually(lambda: replies(bot.engine))
    assert (reply.user_id, reply.status, reply.thread_ts) == ("U0002", "green", thread)


def test_a_bot_down_through_checkin_and_reminder_time_sends_both_in_order(bot, clock):
    """One tick after the downtime owes the check-in and its reminder together: the reminder
    is owed without its thread yet (the check-in is being owed in the same tick), and goes
    into the thread once the check-in is posted (found by the calendar property test, with
    a 23:59 check-in whose reminder is capped at 23:59 too)."""
    acme_with_team(bot.engine)
    client = slack_client(bot.emulator)
    clock.set(REMINDER_AT + timedelta(minutes=1))  # the first tick since before 09:30
    tick(engine=bot.engine, now=clock.now())
    assert [(r.key, r.status) for r in rows(bot.engine)] == [
        ("checkin:2026-12-14", "pending"),
        ("reminder:2026-12-14", "pending"),
    ]
    for _ in range(2):  # the check-in; then the reminder, now at the head of the channel
        deliver(engine=bot.engine, client=client, now=clock.now(), channel_interval=0)
    checkin, reminder = rows(bot.engine)
    assert (checkin.status, reminder.status) == (SENT, SENT)
    assert len(reminders_in(bot, checkin.sent_ts or "")) == 1


def test_a_reminder_whose_checkin_was_never_owed_is_skipped_with_the_reason(bot, clock):
    # Created after the check-in time: the day's check-in is not owed, so neither is a
    # reminder about it (decided when delivery looks for the thread).
    pilot = schedule_pilot(bot.engine, FIRST_CHECKIN + timedelta(hours=1))
    store_member(bot.engine, pilot, "U0002", "implementation_lead")
    clock.set(REMINDER_AT)
    play(bot.engine, slack_client(bot.emulator), clock, until=REMINDER_AT)
    [reminder] = rows(bot.engine, kind="reminder")
    assert reminder.status == SKIPPED
    assert reminder.skipped_reason == "the day's check-in was not posted"
    assert bot.emulator.messages(CHANNEL) == []
