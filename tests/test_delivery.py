"""Delivery against the Slack emulator: each owed message once, in order per channel,
through 429s, 5xx, refused connections, unknown outcomes and racing schedulers."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import select

from bot.clock import FakeClock
from schedules.attempts import EVENT_TYPE, LEASE
from schedules.delivery import deliver
from schedules.tick import tick
from storage.db import make_engine, unit_of_work
from storage.leases import claim
from storage.models import OutboxMessage, Pilot
from storage.outbox import FAILED, PENDING, SENT, SKIPPED, UNKNOWN, encode_payload
from tests.cadence_helpers import (
    FIRST_CHECKIN,
    posted,
    rows,
    schedule_pilot,
    set_state,
    slack_client,
)
from tests.helpers import acme_plan

# About the daily messages: the reviews and ramp posts are tested in test_reviews*.py.
pytestmark = pytest.mark.usefixtures("checkins_only")

TEN_LOCAL = datetime(2026, 12, 14, 15, 0, tzinfo=UTC)  # Monday 10:00 in New York
BEFORE = datetime(2026, 12, 14, 5, 0, tzinfo=UTC)


def owe_checkins(engine, layout: dict[str, list[time]]) -> dict[str, list[str]]:
    """One pilot per channel (a channel holds one live pilot), checking in at the first
    time; each later time owes the channel's pilot one more post then. Ticks at 10:00
    local.

    Returns, per channel, the "<pilot>/<key>" the channel should get, in order."""
    from bot.core.localtime import local_instant
    from storage.outbox import owe

    expected: dict[str, list[str]] = {}
    for channel, times in layout.items():
        plan = acme_plan(name=f"Pilot {channel}", checkin=times[0])
        pilot = schedule_pilot(engine, BEFORE, plan, channel_id=channel)
        expected[channel] = [f"{pilot.id}/checkin:2026-12-14"]
        for at in times[1:]:
            due = local_instant(date(2026, 12, 14), at, plan.zone)
            key = f"note:{at:%H%M}"
            with unit_of_work(engine) as session:
                owe(
                    session=session,
                    pilot=pilot,
                    key=key,
                    kind="note",
                    message={"text": key},
                    now=due,
                )
            expected[channel].append(f"{pilot.id}/{key}")
    tick(engine=engine, now=TEN_LOCAL)
    return expected


def run(engine, client, clock, **options):
    return deliver(engine=engine, client=client, now=clock.now(), channel_interval=0, **options)


def test_a_due_checkin_is_posted_once_with_its_key_in_the_metadata(engine, emulator):
    schedule_pilot(engine, BEFORE)
    tick(engine=engine, now=FIRST_CHECKIN)
    client = slack_client(emulator)
    report = deliver(engine=engine, client=client, now=FIRST_CHECKIN)
    assert report.sent == ["checkin:2026-12-14"]
    [call] = emulator.calls_to("chat.postMessage")
    assert call.params["channel"] == "C0001"
    assert call.params["text"].startswith("Daily check-in · Day 8")
    assert call.params["blocks"][0]["type"] == "header"
    assert call.params["metadata"] == {
        "event_type": EVENT_TYPE,
        "event_payload": {"key": "checkin:2026-12-14", "pilot_id": 1},
    }
    [row] = rows(engine)
    assert row.status == SENT and row.sent_ts == call.response["ts"] and row.attempts == 1
    assert row.claimed_by == "" and row.sent_at == FIRST_CHECKIN
    # Another round, or another process: nothing more to send.
    assert deliver(engine=engine, client=client, now=FIRST_CHECKIN + LEASE * 2).leased == 0
    assert len(emulator.calls_to("chat.postMessage")) == 1


def test_through_429_then_500s_then_an_outage_each_checkin_goes_out_once_in_order(engine, emulator):
    expected = owe_checkins(
        engine, {"C0001": [time(9, 30), time(9, 45)], "C0002": [time(9, 30)], "C0003": [time(9, 0)]}
    )
    clock = FakeClock(TEN_LOCAL)
    client = slack_client(emulator)

    # Rate limited: each channel's first message waits for Retry-After, the rest behind it.
    emulator.fail("chat.postMessage", times=None, retry_after=30)
    report = run(engine, client, clock)
    assert len(report.retrying) == 3 and report.sent == []
    retry_at = {r.next_attempt_at for r in rows(engine) if r.attempts}
    assert retry_at == {TEN_LOCAL + timedelta(seconds=30)}
    calls = len(emulator.calls)
    clock.advance(timedelta(seconds=10))
    assert run(engine, client, clock).leased == 0
    assert len(emulator.calls) == calls  # nobody tried before Retry-After

    # Server errors: backed off, and (a 500 may have posted) checked in history first.
    emulator.clear_faults()
    emulator.fail("chat.postMessage", times=None, status=500)
    clock.advance(timedelta(seconds=20))
    report = run(engine, client, clock)
    assert len(report.unknown) == 3

    # Slack unreachable: connections refused, still owed, backing off further.
    emulator.clear_faults()
    emulator.go_offline()
    try:
        for _ in range(3):
            clock.advance(timedelta(minutes=1))
            report = run(engine, client, clock)
            assert report.sent == [] and report.leased == 3
    finally:
        emulator.go_online()
    assert all(r.status in (PENDING, UNKNOWN) for r in rows(engine))

    # Slack is back: everything owed goes out, once, in order per channel.
    for _ in range(5):
        clock.advance(timedelta(minutes=5))
        run(engine, client, clock)
    assert all(r.status == SENT for r in rows(engine))
    for channel, keys in expected.items():
        assert posted(emulator, channel) == keys
    accepted = [c for c in emulator.calls_to("chat.postMessage") if c.ok]
    assert len(accepted) == 4
    assert emulator.calls_to("conversations.history")  # the unknown ones were looked up


def test_a_later_message_waits_while_the_channels_earlier_one_is_owed(engine, emulator):
    expected = owe_checkins(engine, {"C0001": [time(9, 0), time(9, 30)], "C0002": [time(9, 0)]})
    client = slack_client(emulator)
    emulator.fail("chat.postMessage", times=1, retry_after=60)  # hits one channel's head
    clock = FakeClock(TEN_LOCAL)
    run(engine, client, clock, workers=1)
    first = emulator.calls_to("chat.postMessage")[0].params["channel"]
    # The refused channel's messages wait; the other channel is not held up.
    assert posted(emulator, first) == []
    clock.advance(timedelta(seconds=59))
    run(engine, client, clock)
    assert posted(emulator, first) == []
    clock.advance(timedelta(seconds=1))
    run(engine, client, clock)
    for channel, keys in expected.items():
        assert posted(emulator, channel) == keys


def test_posts_to_one_channel_are_paced_about_one_a_second(engine, emulator):
    owe_checkins(engine, {"C0001": [time(9, 0), time(9, 15), time(9, 30)]})
    waits: list[float] = []
    deliver(
        engine=engine,
        client=slack_client(emulator),
        now=TEN_LOCAL,
        sleep=waits.append,
    )
    assert len(emulator.calls_to("chat.postMessage")) == 3
    assert len(waits) == 2 and all(0.5 < w <= 1.0 for w in waits)


def test_a_send_whose_outcome_was_unknown_is_not_repeated_if_slack_has_it(engine, emulator):
    schedule_pilot(engine, BEFORE)
    tick(engine=engine, now=FIRST_CHECKIN)
    # Slack stores the post but answers after the client gave up waiting.
    emulator.slow("chat.postMessage", 1.5)
    client = slack_client(emulator, timeout=0.3)
    report = deliver(engine=engine, client=client, now=FIRST_CHECKIN)
    assert report.unknown == ["checkin:2026-12-14"]
    [row] = rows(engine)
    assert row.status == UNKNOWN and row.next_attempt_at is not None
    report = deliver(engine=engine, client=client, now=row.next_attempt_at)
    assert report.found_in_history == ["checkin:2026-12-14"]
    history = emulator.calls_to("conversations.history")
    assert history and history[0].params["include_all_metadata"] in (True, "true", "1", 1)
    assert len(emulator.calls_to("chat.postMessage")) == 1
    assert posted(emulator) == ["1/checkin:2026-12-14"]
    [row] = rows(engine)
    assert row.status == SENT and row.sent_ts == emulator.messages("C0001")[0]["ts"]


def test_an_unknown_send_that_slack_does_not_have_is_posted(engine, emulator):
    schedule_pilot(engine, BEFORE)
    tick(engine=engine, now=FIRST_CHECKIN)
    with unit_of_work(engine) as session:
        row = session.get(OutboxMessage, 1)
        assert row is not None
        row.status = UNKNOWN  # as after a timeout where the request never got through
    report = deliver(engine=engine, client=slack_client(emulator), now=FIRST_CHECKIN)
    assert report.sent == ["checkin:2026-12-14"]
    assert len(emulator.calls_to("conversations.history")) == 1
    assert posted(emulator) == ["1/checkin:2026-12-14"]


def test_a_thread_post_is_looked_up_in_the_threads_replies(engine, emulator):
    pilot = schedule_pilot(engine, BEFORE)
    root = emulator.add_user_message("C0001", "U0001", "a thread")
    client = slack_client(emulator)
    metadata = {"event_type": EVENT_TYPE, "event_payload": {"key": "note:1", "pilot_id": pilot.id}}
    reply = client.chat_postMessage(
        channel="C0001", thread_ts=root["ts"], text="already there", metadata=metadata
    )
    with unit_of_work(engine) as session:
        session.add(
            OutboxMessage(
                pilot_id=pilot.id,
                key="note:1",
                kind="note",
                team_id="T0001",
                channel_id="C0001",
                thread_ts=root["ts"],
                due_at=FIRST_CHECKIN,
                next_attempt_at=FIRST_CHECKIN,
                status=UNKNOWN,
                payload=encode_payload({"text": "already there"}),
            )
        )
    report = deliver(engine=engine, client=client, now=FIRST_CHECKIN)
    assert report.found_in_history == ["note:1"]
    [lookup] = emulator.calls_to("conversations.replies")
    assert lookup.params["ts"] == root["ts"]
    assert rows(engine)[0].sent_ts == reply["ts"]
    assert len(emulator.calls_to("chat.postMessage")) == 1  # only the test's own post


def test_a_dead_workers_lease_runs_out_and_its_send_is_checked_not_repeated(engine, emulator):
    pilot = schedule_pilot(engine, BEFORE)
    tick(engine=engine, now=FIRST_CHECKIN)
    with unit_of_work(engine) as session:
        claim(
            session=session, ids=[1], worker="dead", now=FIRST_CHECKIN, until=FIRST_CHECKIN + LEASE
        )
    client = slack_client(emulator)
    # The dead worker posted, then died before recording it.
    client.chat_postMessage(
        channel="C0001",
        text="check-in",
        metadata={
            "event_type": EVENT_TYPE,
            "event_payload": {"key": "checkin:2026-12-14", "pilot_id": pilot.id},
        },
    )
    assert deliver(engine=engine, client=client, now=FIRST_CHECKIN).leased == 0  # still held
    report = deliver(engine=engine, client=client, now=FIRST_CHECKIN + LEASE)
    assert report.found_in_history == ["checkin:2026-12-14"]
    assert len(emulator.calls_to("chat.postMessage")) == 1


def test_a_refused_post_is_recorded_as_failed_and_the_others_go_on(engine, emulator, caplog):
    emulator.add_channel("C0001", is_member=False)
    owe_checkins(engine, {"C0001": [time(9, 0), time(9, 30)], "C0002": [time(9, 0)]})
    report = deliver(
        engine=engine, client=slack_client(emulator), now=TEN_LOCAL, channel_interval=0
    )
    assert len(report.failed) == 2 and len(report.sent) == 1
    failed = rows(engine, status=FAILED)
    assert [r.last_error for r in failed] == ["not_in_channel", "not_in_channel"]
    with unit_of_work(engine) as session:  # what /pilot status reads with the pilot
        counted = {p.channel_id: p.refused_count for p in session.exec(select(Pilot))}
    assert counted == {"C0001": 2, "C0002": 0}
    assert "/invite @pilot-bot" in caplog.text


def test_a_checkin_slack_never_took_before_its_day_ended_is_skipped_with_the_reason(
    engine, emulator
):
    schedule_pilot(engine, BEFORE)
    tick(engine=engine, now=FIRST_CHECKIN)
    client = slack_client(emulator)
    emulator.fail("chat.postMessage", times=None, status=503)
    deliver(engine=engine, client=client, now=FIRST_CHECKIN)
    emulator.clear_faults()
    midnight = datetime(2026, 12, 15, 5, 0, tzinfo=UTC)
    report = deliver(engine=engine, client=client, now=midnight)
    assert report.skipped == ["checkin:2026-12-14"] and report.sent == []
    [row] = rows(engine)
    assert row.status == SKIPPED
    assert "stopped being useful" in row.skipped_reason
    assert "service_unavailable" in row.skipped_reason
    assert posted(emulator) == []


@pytest.fixture
def second_engine(database_url, request):
    engine = make_engine(database_url, schema=getattr(request.node, "pg_schema", None))
    yield engine
    engine.dispose()


def test_two_schedulers_racing_deliver_each_checkin_once(engine, second_engine, emulator):
    layout = {f"C{n:04d}": [time(9, 0), time(9, 30)] for n in range(1, 9)}
    expected = owe_checkins(engine, layout)
    with unit_of_work(engine) as session:  # owed again from scratch: both schedulers tick
        for row in session.exec(select(OutboxMessage).where(OutboxMessage.kind == "checkin")):
            session.delete(row)
        for pilot in session.exec(select(Pilot)):
            pilot.next_due_at = None
            session.add(pilot)
    emulator.latency = 0.01  # widen the windows in which the two can collide
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    sent: list[int] = []

    def scheduler(db) -> None:
        client = slack_client(emulator)
        try:
            barrier.wait(timeout=10)
            tick(engine=db, now=TEN_LOCAL)
            barrier.wait(timeout=10)
            # Small rounds, so that both keep coming back for the same rows.
            for _ in range(12):
                report = deliver(
                    engine=db, client=client, now=TEN_LOCAL, channel_interval=0, limit=3
                )
                sent.append(len(report.sent))
        except BaseException as error:  # surfaced below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=scheduler, args=(db,)) for db in (engine, second_engine)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert all(r.status == SENT for r in rows(engine))
    for channel, keys in expected.items():
        assert posted(emulator, channel) == keys
    assert len([c for c in emulator.calls_to("chat.postMessage") if c.ok]) == 16
    assert sum(sent) == 16


def test_a_checkin_owed_when_its_pilot_is_paused_is_skipped_not_sent(engine, emulator):
    pilot = schedule_pilot(engine, BEFORE)
    tick(engine=engine, now=FIRST_CHECKIN)
    set_state(engine, pilot.id, "paused")  # paused before Slack took it
    report = deliver(engine=engine, client=slack_client(emulator), now=FIRST_CHECKIN)
    assert report.skipped == ["checkin:2026-12-14"] and report.sent == []
    [row] = rows(engine)
    assert (
        row.status == SKIPPED and row.skipped_reason == "the pilot was paused before Slack took it"
    )
    assert emulator.calls_to("chat.postMessage") == []


def test_a_message_a_killed_worker_held_goes_out_within_a_minute_of_its_due_time(engine, emulator):
    """kill -9 right after leasing: nobody renews the lease, and the next round after it
    runs out (rounds every 5 s) sends the message, looked up in history first."""
    schedule_pilot(engine, BEFORE)
    tick(engine=engine, now=FIRST_CHECKIN)
    with unit_of_work(engine) as session:
        claim(
            session=session,
            ids=[1],
            worker="killed",
            now=FIRST_CHECKIN,
            until=FIRST_CHECKIN + LEASE,
        )
    client = slack_client(emulator)
    rounds = [FIRST_CHECKIN + timedelta(seconds=s) for s in range(0, 60, 5)]
    sent_at = next(at for at in rounds if deliver(engine=engine, client=client, now=at).sent)
    assert sent_at - FIRST_CHECKIN <= timedelta(seconds=60)
    assert emulator.calls_to("conversations.history")  # it may have been posted: looked first
    assert len(emulator.calls_to("chat.postMessage")) == 1


def test_a_send_slower_than_the_lease_is_not_doubled_by_another_worker(engine, emulator):
    """The sending worker renews its lease while Slack is slow; a second worker running
    meanwhile (another instance) finds the message held and leaves it alone."""
    schedule_pilot(engine, BEFORE)
    tick(engine=engine, now=FIRST_CHECKIN)
    client = slack_client(emulator, timeout=10)
    emulator.slow("chat.postMessage", 2.5)  # slower than the 0.9 s lease below
    lease = timedelta(seconds=0.9)
    first = threading.Thread(
        target=deliver,
        kwargs={"engine": engine, "client": client, "now": FIRST_CHECKIN, "lease": lease},
    )
    first.start()
    emulator.wait_for_calls("chat.postMessage")
    others = []
    pause = threading.Event()
    for step in range(1, 6):  # the other instance's rounds, while the slow send lasts
        pause.wait(0.4)
        now = FIRST_CHECKIN + timedelta(seconds=0.4 * step)
        others.append(deliver(engine=engine, client=client, now=now, lease=lease))
    first.join()
    assert all(report.leased == 0 for report in others)
    assert len(emulator.calls_to("chat.postMessage")) == 1
    [row] = rows(engine)
    assert row.status == SENT


def _owe(engine, pilot, key, *, now, **fields):
    from storage.outbox import owe

    with unit_of_work(engine) as session:
        owe(
            session=session,
            pilot=pilot,
            key=key,
            kind="test",
            message={"text": key},
            now=now,
            **fields,
        )


def test_a_dm_waits_up_to_two_minutes_for_the_message_it_links_to(engine, emulator):
    pilot = schedule_pilot(engine, BEFORE)
    client = slack_client(emulator)
    _owe(engine, pilot, "announce", now=FIRST_CHECKIN)
    with unit_of_work(engine) as session:  # Slack keeps the channel's post waiting
        [row] = [r for r in rows(engine) if r.key == "announce"]
        row.next_attempt_at = FIRST_CHECKIN + timedelta(hours=1)
        session.add(row)
    _owe(engine, pilot, "dm", now=FIRST_CHECKIN, dm_user="U0002", after_key="announce")
    assert run(engine, client, FakeClock(FIRST_CHECKIN + timedelta(seconds=119))).sent == []
    assert run(engine, client, FakeClock(FIRST_CHECKIN + timedelta(seconds=120))).sent == ["dm"]
    [dm] = emulator.messages(emulator.dm_channel("U0002"))
    assert dm["text"] == "dm"


def test_an_update_goes_to_the_message_once_sent_and_only_the_latest_one_goes(engine, emulator):
    from storage.outbox import UPDATE

    pilot = schedule_pilot(engine, BEFORE)
    client = slack_client(emulator)
    clock = FakeClock(FIRST_CHECKIN)
    emulator.fail("chat.postMessage", times=1, status=503)
    _owe(engine, pilot, "announce", now=clock.now())
    for state in ("acknowledged", "resolved"):
        _owe(
            engine, pilot, f"announce:{state}", now=clock.now(), method=UPDATE, after_key="announce"
        )
    _owe(engine, pilot, "line", now=clock.now(), after_key="announce")
    assert run(engine, client, clock).retrying == ["announce"]  # the rest wait behind it
    clock.advance(timedelta(minutes=1))
    report = run(engine, client, clock)
    assert report.sent == ["announce", "announce:resolved", "line"]
    by_key = {r.key: r for r in rows(engine)}
    assert by_key["announce:acknowledged"].status == SKIPPED
    assert "superseded by a later update (announce:resolved)" in (
        by_key["announce:acknowledged"].skipped_reason
    )
    [update] = emulator.calls_to("chat.update")
    posted = by_key["announce"].sent_ts
    assert (update.params["ts"], update.params["text"]) == (posted, "announce:resolved")
    [announced] = emulator.messages("C0001")
    assert [m["text"] for m in emulator.thread("C0001", announced["ts"])] == [
        "announce:resolved",
        "line",
    ]


def test_an_update_of_a_message_slack_refused_is_skipped_with_the_reason(engine, emulator):
    from storage.outbox import UPDATE

    emulator.add_channel("C0001", is_member=False)
    pilot = schedule_pilot(engine, BEFORE)
    _owe(engine, pilot, "announce", now=FIRST_CHECKIN)
    _owe(
        engine,
        pilot,
        "announce:acknowledged",
        now=FIRST_CHECKIN,
        method=UPDATE,
        after_key="announce",
    )
    client = slack_client(emulator)
    run(engine, client, FakeClock(FIRST_CHECKIN))
    report = run(engine, client, FakeClock(FIRST_CHECKIN))
    assert report.skipped == ["announce:acknowledged"]
    [row] = [r for r in rows(engine) if r.key == "announce:acknowledged"]
    assert row.skipped_reason == "the message it updates (announce) never reached Slack: failed"
    assert emulator.calls_to("chat.update") == []


def test_the_agenda_lists_every_message_slack_refused_for_good(engine, emulator):
    from schedules.agenda import agenda, render_agenda

    emulator.add_channel("C0001", is_member=False)
    owe_checkins(engine, {"C0001": [time(9, 0)]})
    deliver(engine=engine, client=slack_client(emulator), now=TEN_LOCAL, channel_interval=0)
    later = TEN_LOCAL + timedelta(days=30)  # long after: still listed until someone acts
    text = render_agenda(agenda(engine=engine, now=later), later)
    assert "refused for good: checkin:2026-12-14 to #C0001: Slack said not_in_channel" in text
