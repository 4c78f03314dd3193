"""When the reviews and ramp posts go out: a whole 6-week pilot walked from due time to due
time against a hand-written table, restarts across a review slot, pauses, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from bot.blocks import ids
from storage.db import unit_of_work
from storage.models import MetricValue, OutboxMessage, SuccessCriterion
from storage.outbox import SKIPPED
from storage.review_notes import add_note
from tests.cadence_helpers import schedule_pilot
from tests.helpers import acme_plan, store_member
from tests.review_helpers import REVIEW_KINDS, bot_posts, button, local, post, run_at, walk

SPONSOR = "U0002"
BEFORE_START = datetime(2026, 12, 6, 17, 0, tzinfo=UTC)  # Sunday noon in New York
END_OF_EVALUATION = datetime(2027, 1, 25, 5, 0, tzinfo=UTC)  # Monday 00:00 after it

# The Acme pilot: Mon 2026-12-07 to Sun 2027-01-17, standard ramp 10, 25, 40, 50, 50, 50,
# New York, US holidays (Christmas Fri Dec 25, New Year's Day Fri Jan 1, MLK Mon Jan 18),
# check-ins 09:30, weekly review Mondays 10:00, evaluation Mon Jan 18 - Sun Jan 24.
# Written out by hand from the framework, not computed by the code under test.
EXPECTED = [
    ("ramp_heads_up:w2", "Fri 2026-12-11 09:30"),  # 10% -> 25% on Monday
    ("phase_review:setup", "Fri 2026-12-11 10:00"),  # the last workday of Setup
    ("ramp_change:w2", "Mon 2026-12-14 09:30"),
    ("weekly_review:w2", "Mon 2026-12-14 10:00"),  # weekly reviews from week 2 on
    ("ramp_heads_up:w3", "Fri 2026-12-18 09:30"),  # 25% -> 40%
    ("phase_review:soft_launch", "Fri 2026-12-18 10:00"),
    ("ramp_change:w3", "Mon 2026-12-21 09:30"),
    ("weekly_review:w3", "Mon 2026-12-21 10:00"),
    ("ramp_heads_up:w4", "Thu 2026-12-24 09:30"),  # Christmas is Friday
    ("ramp_change:w4", "Mon 2026-12-28 09:30"),  # 40% -> 50%, the last step
    ("weekly_review:w4", "Mon 2026-12-28 10:00"),
    ("weekly_review:w5", "Mon 2027-01-04 10:00"),  # no ramp step: 50% holds
    ("weekly_review:w6", "Mon 2027-01-11 10:00"),
    ("phase_review:expanded", "Fri 2027-01-15 10:00"),  # the hard end date is a Sunday
    ("final_evaluation", "Tue 2027-01-19 10:00"),  # Monday is MLK day
    ("recommendation_reminder", "Fri 2027-01-22 10:00"),  # the last workday of Evaluation
]


def test_a_whole_pilot_posts_every_review_and_ramp_post_at_its_local_time(bot):
    bot.clock.set(BEFORE_START)
    pilot = schedule_pilot(bot.engine, BEFORE_START)
    store_member(bot.engine, pilot, SPONSOR, "executive_sponsor")

    assert walk(bot, END_OF_EVALUATION) == EXPECTED

    posts = {p.key: p for p in bot_posts(bot.emulator)}
    # The ramp posts carry the same numbers, with Applied / Hold on the day itself.
    assert posts["ramp_heads_up:w2"].text.startswith(
        "Heads-up: Week 2: traffic goes from 10% to 25% on Mon Dec 14 (standard ramp)"
    )
    assert posts["ramp_change:w3"].text.startswith(
        "Week 3: traffic goes from 25% to 40% today (standard ramp)"
    )
    assert posts["ramp_heads_up:w4"].text.startswith(
        "Heads-up: Week 4: traffic goes from 40% to 50% on Mon Dec 28 (standard ramp)"
    )
    assert button(posts["ramp_change:w4"], ids.RAMP_APPLIED)["value"] == f"{pilot.id}:4:50"
    assert button(posts["ramp_change:w4"], ids.RAMP_HOLD)["value"] == f"{pilot.id}:4"
    assert button(posts["ramp_heads_up:w4"], ids.RAMP_HOLD)["value"] == f"{pilot.id}:4"
    # Each review names its week and phase; the phase reviews their phase.
    assert posts["weekly_review:w2"].text.startswith("Weekly review · Week 2 of 6 · Soft Launch")
    assert posts["weekly_review:w6"].text.startswith("Weekly review · Week 6 of 6 · Expanded Pilot")
    assert "6 days to the hard end date (Sun Jan 17, 2027)" in posts["weekly_review:w6"].text
    assert posts["phase_review:setup"].text.startswith("End of Setup · phase 1 review")
    assert posts["phase_review:expanded"].text.startswith("End of Expanded Pilot · phase 3")
    assert posts["final_evaluation"].text.startswith("Final evaluation · Acme POC")
    # Everything but the reminder went to the pilot's channel; the reminder to the sponsor.
    assert {p.channel for k, p in posts.items() if k != "recommendation_reminder"} == {"C0001"}
    assert posts["recommendation_reminder"].channel == bot.emulator.dm_channel(SPONSOR)
    assert bot.emulator.calls_to("conversations.open")[-1].params["users"] == SPONSOR
    # None of them was skipped on the way.
    with unit_of_work(bot.engine) as session:
        skipped = session.exec(select(OutboxMessage).where(OutboxMessage.status == SKIPPED))
        assert [r.key for r in skipped if r.kind in REVIEW_KINDS] == []


def test_a_review_missed_by_hours_goes_out_that_day_with_the_record_as_of_its_time(bot):
    bot.clock.set(datetime(2026, 12, 21, 13, 0, tzinfo=UTC))  # Mon Dec 21 08:00
    pilot = schedule_pilot(bot.engine, bot.clock.now())
    run_at(bot, bot.clock.now())
    with unit_of_work(bot.engine) as session:
        add_note(
            session=session,
            pilot_id=pilot.id,
            kind="priorities",
            period="w3",
            text="Written at 11:00, after the review's time",
            user_id="U0001",
            at=datetime(2026, 12, 21, 16, 0, tzinfo=UTC),
        )
    # Down from 08:00 until 13:00: the 09:30 ramp post and the 10:00 review go out at 13:00.
    run_at(bot, datetime(2026, 12, 21, 18, 0, tzinfo=UTC))
    assert [(p.key) for p in bot_posts(bot.emulator)] == [
        "checkin:2026-12-21",
        "ramp_change:w3",
        "weekly_review:w3",
    ]
    review = post(bot.emulator, "weekly_review:w3")
    assert "Mon Dec 21 10:00 EST" in review.blocks[1]["text"]["text"]
    assert "Written at 11:00" not in review.text  # the record as of 10:00


def test_after_a_day_down_the_review_and_the_heads_up_are_skipped_with_the_reason(bot):
    bot.clock.set(datetime(2026, 12, 24, 13, 0, tzinfo=UTC))  # Thu Dec 24 08:00
    schedule_pilot(bot.engine, bot.clock.now())
    run_at(bot, bot.clock.now())
    # Down from Thursday 08:00 until Tuesday 08:00: the heads-up's day (Thursday) and the
    # ramp step's and the review's day (Monday) are over.
    run_at(bot, datetime(2026, 12, 29, 13, 0, tzinfo=UTC))
    assert [p.key for p in bot_posts(bot.emulator)] == []
    with unit_of_work(bot.engine) as session:
        rows = {r.key: r for r in session.exec(select(OutboxMessage)).all()}
    assert rows["ramp_heads_up:w4"].status == SKIPPED
    assert rows["ramp_heads_up:w4"].skipped_reason == (
        "the bot was down from 09:30 EST Thu Dec 24 until 08:00 EST Tue Dec 29;"
        " the ramp heads-up's day was over"
    )
    assert rows["weekly_review:w4"].skipped_reason == (
        "the bot was down from 10:00 EST Mon Dec 28 until 08:00 EST Tue Dec 29;"
        " the weekly review's day was over"
    )
    assert rows["ramp_change:w4"].status == SKIPPED
    # The next ones go out as usual.
    assert walk(bot, datetime(2027, 1, 4, 16, 0, tzinfo=UTC)) == [
        ("weekly_review:w5", "Mon 2027-01-04 10:00")
    ]


def test_a_paused_pilot_gets_no_review_and_the_skip_is_recorded(bot):
    bot.clock.set(datetime(2026, 12, 14, 5, 0, tzinfo=UTC))
    schedule_pilot(bot.engine, bot.clock.now())
    assert bot.sender.command('pause reason="customer freeze"').status == 200
    bot.emulator.wait_for_calls("chat.postMessage")  # the pause notice
    assert walk(bot, datetime(2026, 12, 15, 5, 0, tzinfo=UTC)) == []
    with unit_of_work(bot.engine) as session:
        review = session.exec(
            select(OutboxMessage).where(OutboxMessage.key == "weekly_review:w2")
        ).one()
    assert review.status == SKIPPED
    assert review.skipped_reason == "the pilot was paused: weekly reviews are not sent while paused"


def test_reviews_keep_their_local_time_across_the_dst_change(bot):
    # Start Mon 2027-03-01; clocks go forward on Sun Mar 14 in New York.
    plan = acme_plan(start=date(2027, 3, 1), weeks=4, ramp="10,25,25,25", override=True)
    bot.clock.set(datetime(2027, 2, 28, 17, 0, tzinfo=UTC))
    schedule_pilot(bot.engine, bot.clock.now(), plan)
    found = walk(bot, datetime(2027, 3, 23, 4, 0, tzinfo=UTC), kinds=("weekly_review",))
    assert found == [
        ("weekly_review:w2", "Mon 2027-03-08 10:00"),  # 15:00 UTC (EST)
        ("weekly_review:w3", "Mon 2027-03-15 10:00"),  # 14:00 UTC (EDT)
        ("weekly_review:w4", "Mon 2027-03-22 10:00"),
    ]
    assert local(datetime(2027, 3, 15, 14, 0, tzinfo=UTC)) == "Mon 2027-03-15 10:00"


def test_metric_values_recorded_while_down_do_not_change_a_late_review(bot):
    # (The late review above shows the record as of its time; this checks the value side.)
    bot.clock.set(datetime(2026, 12, 14, 13, 0, tzinfo=UTC))
    pilot = schedule_pilot(bot.engine, bot.clock.now())
    assert bot.sender.command('criteria add "Containment rate" target=">= 60%"').status == 200
    run_at(bot, bot.clock.now())
    with unit_of_work(bot.engine) as session:
        criterion = session.exec(select(SuccessCriterion)).one()
        session.add(
            MetricValue(
                pilot_id=pilot.id,
                criterion_id=criterion.id,
                value="61",
                typed="61%",
                recorded_by="U0001",
                recorded_at=datetime(2026, 12, 14, 16, 0, tzinfo=UTC),  # 11:00, after 10:00
            )
        )
    run_at(bot, datetime(2026, 12, 14, 17, 0, tzinfo=UTC))
    review = post(bot.emulator, "weekly_review:w2")
    assert "C-1 Containment rate: no value recorded yet (target &gt;= 60%)" in review.text


def test_the_reminder_dm_is_retried_when_slack_cannot_open_the_conversation(bot):
    bot.clock.set(datetime(2027, 1, 22, 14, 0, tzinfo=UTC))
    pilot = schedule_pilot(bot.engine, bot.clock.now())
    store_member(bot.engine, pilot, SPONSOR, "executive_sponsor")
    bot.emulator.fail("conversations.open", status=503)
    run_at(bot, datetime(2027, 1, 22, 15, 0, tzinfo=UTC))  # Fri Jan 22 10:00
    with unit_of_work(bot.engine) as session:
        row = session.exec(
            select(OutboxMessage).where(OutboxMessage.key == "recommendation_reminder")
        ).one()
    assert (row.status, row.dm_users, row.last_error) == ("pending", SPONSOR, "service_unavailable")
    assert bot.emulator.messages(bot.emulator.dm_channel(SPONSOR)) == []
    run_at(bot, row.next_attempt_at)
    (reminder,) = bot.emulator.messages(bot.emulator.dm_channel(SPONSOR))
    assert reminder["text"].startswith(":bell: Reminder: *Acme POC*'s evaluation ends")
