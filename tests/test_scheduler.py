"""The scheduler tick against a real database, with an injected clock (no sleeps)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import text
from sqlmodel import select

import schedules.tick
from bot.app import Services
from bot.clock import FakeClock
from bot.core.cadence import next_due
from devtools.harness import emulator_settings
from schedules.jobs import (
    CADENCE_JOB,
    DELIVERY_JOB,
    HOUSEKEEPING_JOB,
    RENDER_JOB,
    STATUS_JOB,
    build_scheduler,
    register_jobs,
    run_cadence,
    run_render,
    start_scheduler,
)
from schedules.review_files import owe_review_files
from schedules.tick import tick
from slack_emulator.server import SlackEmulator
from storage.db import make_engine, migrate, unit_of_work
from storage.files import files_of
from storage.models import OutboxMessage, Pilot
from storage.outbox import PENDING, SKIPPED, payload_of
from storage.pilots import (
    NOTHING_OWED,
    due_pilot_ids,
    due_pilots_statement,
    pilot_from_plan,
    plan_of,
    refresh_next_due,
)
from storage.scope import Workspace
from tests.cadence_helpers import (
    FIRST_CHECKIN,
    keys,
    posted,
    rows,
    schedule_pilot,
    set_state,
    slack_client,
)
from tests.helpers import acme_plan, store_pilot

# About the daily messages: the reviews and ramp posts are tested in test_reviews*.py.
pytestmark = pytest.mark.usefixtures("checkins_only")

MINUTE = timedelta(minutes=1)


def test_the_tick_query_searches_the_next_due_index(engine):
    statement = due_pilots_statement(FIRST_CHECKIN)
    compiled = statement.compile(engine, compile_kwargs={"render_postcompile": True})
    sql = str(compiled)
    assert "pilot.next_due_at <=" in sql
    assert "ORDER BY" not in sql  # an ORDER BY would walk the whole index
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            params: object = tuple(str(compiled.params[k]) for k in compiled.positiontup or ())
            explain = "EXPLAIN QUERY PLAN "
        else:
            # The planner weighs indexes by the table's statistics: give it a realistic one,
            # many pilots of which few are due (an empty table would tell nothing).
            _many_pilots_few_due(connection)
            connection.execute(text("ANALYZE pilot"))
            connection.execute(text("SET LOCAL enable_seqscan = off"))
            params, explain = compiled.params, "EXPLAIN "
        plan = " ".join(str(row[-1]) for row in connection.exec_driver_sql(explain + sql, params))
    assert "ix_pilot_next_due_at" in plan
    assert "SCAN pilot" not in plan and "Seq Scan" not in plan


def _many_pilots_few_due(connection) -> None:
    table = Pilot.__table__
    base = pilot_from_plan(
        acme_plan(),
        workspace=Workspace(team_id="T0001", enterprise_id=""),
        channel_id="C0",
        owner_id="U0001",
    ).model_dump(exclude={"id"})
    rows = []
    for n in range(2000):
        due = FIRST_CHECKIN + timedelta(days=1 + n % 30) if n % 100 else FIRST_CHECKIN
        rows.append({**base, "channel_id": f"C{n:05d}", "next_due_at": due})
    connection.execute(table.insert(), rows)


def test_a_new_pilot_is_scheduled_from_now_and_owes_nothing_before(engine):
    now = datetime(2026, 12, 14, 15, 5, tzinfo=UTC)  # 10:05 Monday, after the 09:30 check-in
    pilot = schedule_pilot(engine, now)
    # Next: the check-in reminder at 13:30 (the check-in + 4 hours).
    assert pilot.next_due_at == datetime(2026, 12, 14, 18, 30, tzinfo=UTC)
    report = tick(engine=engine, now=now)
    assert report.looked_at == 0 and rows(engine) == []


def test_a_pilot_never_scheduled_is_picked_up_from_its_last_change(engine):
    pilot = store_pilot(engine)  # next_due_at NULL: /pilot create did not schedule it
    with unit_of_work(engine) as session:
        row = session.get(Pilot, pilot.id)
        assert row is not None
        row.updated_at = datetime(2026, 12, 14, 14, 0, tzinfo=UTC)
    report = tick(engine=engine, now=FIRST_CHECKIN + MINUTE)
    assert report.enqueued == [f"{pilot.id}/checkin:2026-12-14"]
    with unit_of_work(engine) as session:
        row = session.get(Pilot, pilot.id)
        assert row is not None and row.next_due_at is not None
        assert row.next_due_at > FIRST_CHECKIN


def test_the_checkin_is_owed_at_the_local_checkin_time(engine):
    schedule_pilot(engine, datetime(2026, 12, 14, 5, 0, tzinfo=UTC))
    assert tick(engine=engine, now=FIRST_CHECKIN - MINUTE).enqueued == []
    report = tick(engine=engine, now=FIRST_CHECKIN + timedelta(seconds=20))
    assert report.enqueued == ["1/checkin:2026-12-14"]
    [row] = rows(engine)
    assert row.status == PENDING
    assert row.due_at == FIRST_CHECKIN
    assert row.next_attempt_at == FIRST_CHECKIN + timedelta(seconds=20)
    # The check-in is useful until midnight in New York.
    assert row.useful_until == datetime(2026, 12, 15, 5, 0, tzinfo=UTC)
    assert row.channel_id == "C0001" and row.team_id == "T0001" and row.thread_ts is None
    body = payload_of(row)
    assert body["text"].startswith("Daily check-in · Day 8 · Soft Launch · 25% traffic")
    # The same instant again, or a second scheduler: nothing more is owed.
    assert tick(engine=engine, now=FIRST_CHECKIN + timedelta(seconds=20)).enqueued == []


def test_checkins_fall_on_workdays_only_over_two_weeks(engine):
    start = datetime(2026, 12, 12, 5, 0, tzinfo=UTC)  # Saturday, midnight in New York
    schedule_pilot(engine, start)
    now, owed = start, []
    while now < datetime(2026, 12, 28, 5, 0, tzinfo=UTC):
        owed += tick(engine=engine, now=now).enqueued
        now += timedelta(minutes=30)
    days = [key.split(":")[1] for key in owed]
    # Weekends and Christmas Day (Friday Dec 25, a US holiday) get no check-in.
    assert days == [
        "2026-12-14",
        "2026-12-15",
        "2026-12-16",
        "2026-12-17",
        "2026-12-18",
        "2026-12-21",
        "2026-12-22",
        "2026-12-23",
        "2026-12-24",
    ]
    zone = plan_of_first(engine).zone
    assert all(r.due_at.astimezone(zone).hour == 9 for r in rows(engine, kind="checkin"))


def plan_of_first(engine):
    with unit_of_work(engine) as session:
        pilot = session.get(Pilot, 1)
        assert pilot is not None
        return plan_of(pilot)


def test_skip_dates_and_setup_week_follow_the_plan(engine):
    plan = acme_plan(checkins_from="setup", skip_dates=[date(2026, 12, 8)])
    schedule_pilot(engine, datetime(2026, 12, 7, 5, 0, tzinfo=UTC), plan)
    for hour in range(5, 24 * 4, 1):
        tick(engine=engine, now=datetime(2026, 12, 7, 0, 0, tzinfo=UTC) + timedelta(hours=hour))
    checkins = rows(engine, kind="checkin")
    assert keys(checkins) == ["checkin:2026-12-07", "checkin:2026-12-09", "checkin:2026-12-10"]


def test_a_paused_pilot_gets_no_checkin_and_the_skip_is_recorded(engine):
    pilot = schedule_pilot(engine, datetime(2026, 12, 14, 5, 0, tzinfo=UTC))
    set_state(engine, pilot.id, "paused")
    tick(engine=engine, now=FIRST_CHECKIN + MINUTE)
    [row] = rows(engine)
    assert row.status == SKIPPED and "paused" in row.skipped_reason
    # Resumed the next morning: Tuesday's check-in is owed, Monday's is not sent late.
    set_state(engine, pilot.id, "active")
    tick(engine=engine, now=FIRST_CHECKIN + timedelta(days=1, minutes=1))
    assert [(r.key, r.status) for r in rows(engine)] == [
        ("checkin:2026-12-14", SKIPPED),
        ("reminder:2026-12-14", SKIPPED),  # while paused too
        ("checkin:2026-12-15", PENDING),
    ]


def test_ended_pilots_are_never_read(engine):
    pilot = schedule_pilot(engine, datetime(2026, 12, 14, 5, 0, tzinfo=UTC))
    set_state(engine, pilot.id, "ended")
    report = tick(engine=engine, now=FIRST_CHECKIN + MINUTE)
    assert report.looked_at == 0 and rows(engine) == []


def test_a_restart_after_a_missed_checkin_posts_it_the_same_day(engine):
    schedule_pilot(engine, datetime(2026, 12, 14, 5, 0, tzinfo=UTC))
    # Down from 09:00 to 15:00 New York time: the 09:30 check-in is still owed.
    report = tick(engine=engine, now=datetime(2026, 12, 14, 20, 0, tzinfo=UTC))
    assert report.enqueued == ["1/checkin:2026-12-14"]


def test_a_checkin_whose_day_ended_during_downtime_is_skipped_with_the_reason(engine):
    schedule_pilot(engine, datetime(2026, 12, 14, 5, 0, tzinfo=UTC))
    # Down from Monday 00:00 until Tuesday 10:00 in New York.
    report = tick(engine=engine, now=datetime(2026, 12, 15, 15, 0, tzinfo=UTC))
    assert report.enqueued == ["1/checkin:2026-12-15"]
    assert report.skipped == ["1/checkin:2026-12-14", "1/reminder:2026-12-14"]
    skipped = rows(engine, status=SKIPPED)[0]
    assert skipped.skipped_reason == (
        "the bot was down from 09:30 EST Mon Dec 14 until 10:00 EST Tue Dec 15; "
        "the check-in's day was over"
    )


def test_other_kinds_are_passed_over_but_next_due_moves_past_them(engine):
    # Monday Dec 14: check-in 09:30, weekly review 10:00 (week 2), ramp change 09:30.
    schedule_pilot(engine, datetime(2026, 12, 14, 5, 0, tzinfo=UTC))
    tick(engine=engine, now=datetime(2026, 12, 14, 15, 30, tzinfo=UTC))  # 10:30 local
    assert keys(rows(engine)) == ["checkin:2026-12-14"]
    with unit_of_work(engine) as session:
        pilot = session.get(Pilot, 1)
        assert pilot is not None
        expected = next_due(plan_of(pilot), datetime(2026, 12, 14, 15, 30, tzinfo=UTC))
        assert expected is not None and pilot.next_due_at == expected.due_at_utc


def test_a_pilot_whose_cadence_is_over_is_not_read_again(engine):
    schedule_pilot(engine, datetime(2026, 12, 14, 5, 0, tzinfo=UTC))
    after = datetime(2027, 3, 1, tzinfo=UTC)
    tick(engine=engine, now=after)
    with unit_of_work(engine) as session:
        pilot = session.get(Pilot, 1)
        assert pilot is not None and pilot.next_due_at == NOTHING_OWED
        assert due_pilot_ids(session=session, now=after + timedelta(days=365)) == []


def test_one_failing_pilot_does_not_stop_the_batch(engine, caplog):
    broken = schedule_pilot(engine, datetime(2026, 12, 14, 5, 0, tzinfo=UTC), channel_id="C0BAD")
    schedule_pilot(engine, datetime(2026, 12, 14, 5, 0, tzinfo=UTC), channel_id="C0GOOD")
    with unit_of_work(engine) as session:
        row = session.get(Pilot, broken.id)
        assert row is not None
        row.ramp = "not a ramp"  # a stored plan that no longer loads
    report = tick(engine=engine, now=FIRST_CHECKIN + MINUTE)
    assert report.failed == [broken.id]
    assert [r.channel_id for r in rows(engine)] == ["C0GOOD"]
    assert f"pilot {broken.id} failed" in caplog.text


def test_a_batch_whose_transaction_fails_is_redone_pilot_by_pilot(engine, monkeypatch, caplog):
    for channel in ("C0001", "C0002", "C0003"):
        schedule_pilot(engine, datetime(2026, 12, 14, 5, 0, tzinfo=UTC), channel_id=channel)
    real = schedules.tick.enqueue_many

    def fails_for_more_than_one(*, session, messages):
        if len(messages) > 1:
            raise RuntimeError("the database refused the batch")
        return real(session=session, messages=messages)

    monkeypatch.setattr(schedules.tick, "enqueue_many", fails_for_more_than_one)
    report = tick(engine=engine, now=FIRST_CHECKIN)
    assert sorted(report.enqueued) == [f"{n}/checkin:2026-12-14" for n in (1, 2, 3)]
    assert report.failed == [] and len(rows(engine)) == 3
    assert "one by one" in caplog.text


def test_refresh_next_due_keeps_what_is_already_due(engine):
    pilot = schedule_pilot(engine, datetime(2026, 12, 14, 5, 0, tzinfo=UTC))
    with unit_of_work(engine) as session:
        row = session.get(Pilot, pilot.id)
        assert row is not None
        # A setting changed 10 s after the check-in time, before the tick saw it.
        refresh_next_due(session, row, FIRST_CHECKIN + timedelta(seconds=10))
        assert row.next_due_at == FIRST_CHECKIN
        row.state = "ended"
        assert refresh_next_due(session, row, FIRST_CHECKIN) is None


# ----- APScheduler wiring ------------------------------------------------------------------


def services_for(engine, clock):
    return Services(
        engine=engine, clock=clock, settings=emulator_settings(SlackEmulator(), "sqlite://")
    )


def test_the_jobs_are_registered_once_with_stable_ids_and_deliberate_misfire_settings(engine):

    scheduler = build_scheduler()
    services = services_for(engine, FakeClock(FIRST_CHECKIN))
    register_jobs(scheduler, services, client=None)
    register_jobs(scheduler, services, client=None)  # a second registration replaces
    scheduler.start(paused=True)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {CADENCE_JOB, DELIVERY_JOB, HOUSEKEEPING_JOB, RENDER_JOB, STATUS_JOB}
        for job in jobs.values():
            assert isinstance(job.trigger, IntervalTrigger)
            limit = timedelta(minutes=10) if job.id == HOUSEKEEPING_JOB else timedelta(seconds=30)
            assert job.trigger.interval <= limit
            assert job.misfire_grace_time is None  # a late run still runs
            assert job.coalesce is True and job.max_instances == 1
    finally:
        scheduler.shutdown(wait=False)


def test_the_cadence_job_ticks_and_delivers_at_the_clocks_time(engine, emulator):
    clock = FakeClock(FIRST_CHECKIN - MINUTE)
    schedule_pilot(engine, clock.now())
    services = services_for(engine, clock)
    run_cadence(services, slack_client(emulator))
    assert posted(emulator) == []
    clock.advance(MINUTE)
    run_cadence(services, slack_client(emulator))
    assert posted(emulator) == ["1/checkin:2026-12-14"]


def test_the_render_job_draws_a_weekly_reviews_files_ahead_of_delivery(engine):
    clock = FakeClock(datetime(2026, 12, 21, 15, 0, tzinfo=UTC))  # week 3's review
    pilot = schedule_pilot(engine, clock.now())
    with unit_of_work(engine) as session:
        row = session.get(Pilot, pilot.id)
        assert owe_review_files(session, row, "weekly_review:w3", clock.now())
    run_render(services_for(engine, clock))
    with unit_of_work(engine) as session:
        (owed,) = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "review_files"))
        made = files_of(session=session, message_ids=[owed.id])[owed.id]
    assert [f.filename for f in made] == ["acme-poc-week-2-chart.png", "acme-poc-weekly-week-2.md"]
    assert owed.status == PENDING and not owed.claimed_by  # delivery sends it


def test_start_scheduler_runs_in_the_background_until_shut_down(engine):
    scheduler = start_scheduler(services_for(engine, FakeClock(FIRST_CHECKIN)), client=None)
    try:
        assert scheduler.running and len(scheduler.get_jobs()) == 5
    finally:
        scheduler.shutdown(wait=False)
    assert not scheduler.running


# ----- pilot-bot agenda and scheduler ------------------------------------------------------


def cli(*args, env=None):
    base = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env={**base, **(env or {})},
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_scheduler_and_agenda_have_help():
    for command in ("scheduler", "agenda"):
        result = cli(command, "--help")
        assert result.returncode == 0 and "usage: pilot-bot" in result.stdout
    assert "--no-scheduler" in cli("serve", "--help").stdout
    assert "--no-scheduler" in cli("socket", "--help").stdout


def test_agenda_lists_what_each_pilot_owes_and_why_not(tmp_path):
    url = f"sqlite:///{tmp_path / 'agenda.db'}"
    engine = make_engine(url)
    migrate(engine)
    schedule_pilot(engine, datetime(2026, 12, 14, 5, 0, tzinfo=UTC))
    paused = schedule_pilot(
        engine,
        datetime(2026, 12, 14, 5, 0, tzinfo=UTC),
        acme_plan(name="Globex trial", customer="Globex"),
        channel_id="C0002",
    )
    tick(engine=engine, now=datetime(2026, 12, 15, 15, 0, tzinfo=UTC))  # down until Tuesday
    set_state(engine, paused.id, "paused")
    engine.dispose()
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "DATABASE_URL": url}
    out = cli("agenda", "--at", "2026-12-15T10:05-05:00", env=env).stdout
    assert "Acme POC · Acme (T0001 #C0001)" in out
    assert "today's check-in: pending (see below)" in out
    assert "owed: checkin:2026-12-15 (first attempt at Tue Dec 15 10:00 EST)" in out
    assert "skipped: checkin:2026-12-14: the bot was down from 09:30 EST Mon Dec 14" in out
    assert "next: check-in reminder (reminder:2026-12-15) at Tue Dec 15 13:30 EST" in out
    assert "Globex trial · Globex (T0001 #C0002, paused)" in out
    assert "paused: nothing is sent until `/pilot resume`" in out
    christmas = cli("agenda", "--at", "2026-12-25T10:00-05:00", env=env).stdout
    assert "no check-in today (Fri Dec 25, 2026): Christmas Day" in christmas
    bad = cli("agenda", "--at", "2026-12-25T10:00", env=env)
    assert bad.returncode == 2 and "has no UTC offset" in bad.stderr
