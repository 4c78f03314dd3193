"""Daily check-in threads: what they say, and when the scheduler posts them (fake clock)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.blocks import ids
from bot.blocks.checkin import checkin_message, previous_day_line
from bot.clock import FakeClock
from bot.core.calendar import snapshot
from bot.core.checkins import DaySummary, checkin_day_end, previous_checkin_day
from schedules.delivery import deliver
from schedules.tick import tick
from storage.outbox import SKIPPED
from tests.cadence_helpers import (
    FIRST_CHECKIN,
    play,
    posted,
    rows,
    schedule_pilot,
    slack_client,
)
from tests.helpers import acme_plan

# About the daily messages: the reviews and ramp posts are tested in test_reviews*.py.
pytestmark = pytest.mark.usefixtures("checkins_only")


def test_the_checkin_message_names_the_day_phase_and_traffic():
    plan = acme_plan()
    snap = snapshot(plan, datetime(2026, 12, 21, 14, 30, tzinfo=UTC))  # Mon, week 3
    reply = checkin_message(plan, snap, pilot_id=7, previous=DaySummary(day=date(2026, 12, 18)))
    assert reply.text.startswith("Daily check-in · Day 15 · Expanded Pilot · 40% traffic")
    assert "Previous workday (Fri Dec 18): no check-ins recorded · no flags" in reply.text
    header, intro, recap, actions = reply.blocks
    assert header["text"]["text"] == "Daily check-in · Day 15 · Expanded Pilot · 40% traffic"
    assert "*Acme POC* · Acme · Mon Dec 21, 2026" in intro["text"]["text"]
    assert recap["type"] == "context"
    buttons = actions["elements"]
    assert [b["text"]["text"] for b in buttons] == ["Post status", "Flag an issue"]
    assert [b["action_id"] for b in buttons] == [ids.CHECKIN_POST_STATUS, ids.CHECKIN_FLAG_ISSUE]
    assert {b["value"] for b in buttons} == {"7:2026-12-21"}


def test_the_previous_workday_in_one_line():
    assert previous_day_line(None) == "First check-in of the pilot."
    line = previous_day_line(
        DaySummary(
            day=date(2026, 12, 24),
            checked_in=("U0001", "U0002"),
            flags_raised=("F-2", "F-3"),
            flags_resolved=("F-1",),
        )
    )
    assert line == (
        "Previous workday (Thu Dec 24): checked in: <@U0001>, <@U0002> · "
        "flags raised: F-2, F-3 · resolved: F-1"
    )


def test_the_previous_checkin_day_skips_weekends_and_holidays():
    plan = acme_plan()
    assert previous_checkin_day(plan, date(2026, 12, 14)) is None  # the first one
    assert previous_checkin_day(plan, date(2026, 12, 21)) == date(2026, 12, 18)
    assert previous_checkin_day(plan, date(2026, 12, 28)) == date(2026, 12, 24)  # Christmas
    assert checkin_day_end(plan, date(2026, 12, 14)) == datetime(2026, 12, 15, 5, tzinfo=UTC)


def watch(engine, emulator, clock, until, step=timedelta(minutes=30)):
    """Play the scheduler; returns {key: the clock time its post appeared} for the posts
    that appeared while it played (not, say, a pause notice posted before)."""
    client = slack_client(emulator)
    seen: dict[str, datetime] = {}
    before = set(posted(emulator))
    while clock.now() <= until:
        if tick(engine=engine, now=clock.now()).enqueued:  # no faults here: else nothing owed
            deliver(engine=engine, client=client, now=clock.now(), channel_interval=0)
            for key in posted(emulator):
                if key not in before:
                    seen.setdefault(key.split("/", 1)[1], clock.now())
        clock.advance(step)
    return seen


def test_the_thread_is_posted_at_the_local_checkin_time_on_workdays_only(engine, emulator):
    clock = FakeClock(datetime(2026, 12, 18, 5, 0, tzinfo=UTC))  # Friday 00:00 in New York
    schedule_pilot(engine, clock.now())
    seen = watch(engine, emulator, clock, until=datetime(2026, 12, 29, 5, 0, tzinfo=UTC))
    # Weekends and Christmas Day (a US holiday) get no thread; each post is at 09:30 New York.
    expected_days = [
        "2026-12-18",
        "2026-12-21",
        "2026-12-22",
        "2026-12-23",
        "2026-12-24",
        "2026-12-28",
    ]
    assert list(seen) == [f"checkin:{d}" for d in expected_days]
    for key, at in seen.items():
        local = at.astimezone(acme_plan().zone)
        assert local.date().isoformat() == key.split(":")[1]
        assert (local.hour, local.minute) == (9, 30)
    messages = emulator.messages("C0001")
    assert messages[1]["text"].startswith("Daily check-in · Day 15 · Expanded Pilot · 40% traffic")
    assert "Previous workday (Fri Dec 18)" in messages[1]["text"]
    assert "Previous workday (Thu Dec 24)" in messages[-1]["text"]


def test_a_pilot_in_another_zone_gets_its_thread_at_its_own_local_time(engine, emulator):
    clock = FakeClock(datetime(2026, 12, 13, 12, 0, tzinfo=UTC))
    schedule_pilot(engine, clock.now(), acme_plan(tz="Asia/Tokyo", holiday_country="JP"))
    seen = watch(engine, emulator, clock, until=datetime(2026, 12, 14, 12, 0, tzinfo=UTC))
    # Monday 09:30 in Tokyo is Monday 00:30 UTC.
    assert seen == {"checkin:2026-12-14": datetime(2026, 12, 14, 0, 30, tzinfo=UTC)}


def test_no_thread_while_paused_and_the_next_one_after_resuming(bot, clock):
    clock.set(datetime(2026, 12, 14, 5, 0, tzinfo=UTC))  # Monday 00:00 in New York
    schedule_pilot(bot.engine, clock.now())
    response = bot.sender.command('pause reason="code freeze"', user_id="U0001")
    assert response.status == 200
    bot.emulator.wait_for_calls("chat.postMessage")  # the pause notice
    seen = watch(bot.engine, bot.emulator, clock, until=datetime(2026, 12, 15, 5, 0, tzinfo=UTC))
    assert seen == {}
    [skipped] = rows(bot.engine, kind="checkin")
    assert skipped.status == SKIPPED and "paused" in skipped.skipped_reason
    assert bot.sender.command("resume", user_id="U0001").status == 200
    bot.emulator.wait_for_calls("chat.postMessage", 2)  # the resume notice
    seen = watch(bot.engine, bot.emulator, clock, until=datetime(2026, 12, 16, 5, 0, tzinfo=UTC))
    assert list(seen) == ["checkin:2026-12-15"]


def test_a_restarted_bot_posts_a_missed_checkin_that_day_and_skips_it_after(engine, emulator):
    clock = FakeClock(datetime(2026, 12, 14, 5, 0, tzinfo=UTC))
    schedule_pilot(engine, clock.now())
    client = slack_client(emulator)
    # Down from Monday 00:00 until 13:00 New York: Monday's check-in goes out at 13:00.
    clock.set(datetime(2026, 12, 14, 18, 0, tzinfo=UTC))
    play(engine, client, clock, until=datetime(2026, 12, 14, 19, 0, tzinfo=UTC))
    assert posted(emulator) == ["1/checkin:2026-12-14"]
    # Down again from 14:00 Monday until 10:00 Wednesday: Tuesday's day is over by then.
    clock.set(datetime(2026, 12, 16, 15, 0, tzinfo=UTC))
    play(engine, client, clock, until=datetime(2026, 12, 17, 5, 0, tzinfo=UTC))
    assert posted(emulator) == ["1/checkin:2026-12-14", "1/checkin:2026-12-16"]
    tuesday = next(r for r in rows(engine) if r.key == "checkin:2026-12-15")
    assert tuesday.status == SKIPPED
    assert tuesday.skipped_reason == (
        "the bot was down from 09:30 EST Tue Dec 15 until 10:00 EST Wed Dec 16; "
        "the check-in's day was over"
    )
    assert len(emulator.calls_to("chat.postMessage")) == 2


def test_the_first_checkin_says_so(engine, emulator):
    clock = FakeClock(FIRST_CHECKIN)
    schedule_pilot(engine, clock.now() - timedelta(hours=1))
    play(engine, slack_client(emulator), clock, until=FIRST_CHECKIN)
    [message] = emulator.messages("C0001")
    assert "First check-in of the pilot." in message["text"]
    assert message["text"].startswith("Daily check-in · Day 8 · Soft Launch · 25% traffic")
