"""`/pilot status` from its stored snapshot is never stale: after each kind of write, and
across a day, a phase and a ramp boundary, the answer a second app on the same database
gives equals an answer built afresh from the record."""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.blocks import ids
from bot.core.calendar import snapshot
from bot.features.status import build_status, refresh_stale
from devtools.harness import RunningBot, running_bot
from storage.db import read_only, unit_of_work
from storage.models import (
    ChangeRequest,
    CheckinReply,
    Flag,
    MetricValue,
    Pilot,
    RampConfirmation,
)
from storage.pilots import plan_of
from storage.record import add_criterion
from storage.scope import Workspace
from storage.status import StatusView, revision_of, status_view, store_snapshot
from tests.cadence_helpers import eventually, schedule_pilot
from tests.helpers import CHANNEL, store_member, store_pilot
from tests.review_helpers import bot_posts, click, idle, post, walk

OWNER, SPONSOR, IMPLEMENTER = "U0001", "U0002", "U0003"
PUBLIC = "https://pilot-bot.example.com"


@pytest.fixture
def apps(emulator, engine, clock):
    """Two apps on one database, as two instances behind a load balancer: the first takes
    the writes, the second answers `/pilot status`."""
    emulator.add_user(IMPLEMENTER, "carol")
    with (
        running_bot(emulator=emulator, engine=engine, clock=clock, public_url=PUBLIC) as writer,
        running_bot(emulator=emulator, engine=engine, clock=clock) as reader,
    ):
        pilot = schedule_pilot(engine, clock.now())
        store_member(engine, pilot, SPONSOR, "executive_sponsor")
        store_member(engine, pilot, IMPLEMENTER, "implementation_lead")
        with unit_of_work(engine) as session:
            add_criterion(session=session, pilot_id=pilot.id, name="Containment rate",
                          target=">= 60%", user_id=OWNER, at=clock.now())
        yield writer, reader, pilot.id


def fresh(bot: RunningBot, pilot_id: int) -> dict[str, Any]:
    """The asker's answer built from the record now, bypassing every stored snapshot."""
    now = bot.clock.now()
    with read_only(bot.engine) as connection:
        built = build_status(connection=connection, pilot_id=pilot_id, now=now, public=False)
    return built.as_of(now).message()


def view(bot: RunningBot) -> StatusView:
    found = status_view(engine=bot.engine, workspace=Workspace("T0001"), channel_id=CHANNEL)
    assert found is not None
    return found


def asked(apps: tuple[RunningBot, RunningBot, int], *shown: str, absent: str | None = None) -> str:
    """The reader's `/pilot status`: equal to a fresh build, showing what the write did,
    and stored, so that the next write has a snapshot to make stale."""
    writer, reader, pilot_id = apps
    idle(writer)  # what the write owes is delivered (and its ts recorded) first
    body = reader.sender.command("status", channel_id=CHANNEL).json()
    assert {"text": body["text"], "blocks": body["blocks"]} == fresh(reader, pilot_id)
    answer = body["text"] + json.dumps(body["blocks"])
    for fragment in shown:
        assert fragment in answer, (fragment, body["text"])
    if absent is not None:
        assert absent not in answer, (absent, body["text"])
    assert view(reader).current_at(reader.clock.now())
    again = reader.sender.command("status", channel_id=CHANNEL).json()
    assert again == body  # from the snapshot: the same answer
    return body["text"]


def command(bot: RunningBot, text: str, user_id: str = OWNER) -> str:
    response = bot.sender.command(text, user_id=user_id, channel_id=CHANNEL)
    assert response.status == 200
    return response.json().get("text", "")


def rows(bot: RunningBot, table: type) -> list[Any]:
    with unit_of_work(bot.engine) as session:
        return list(session.exec(select(table)).all())


def push(bot: RunningBot, token: str, value: float) -> int:
    data = json.dumps({"criterion": "C-1", "value": value, "source": "datadog"}).encode()
    request = urllib.request.Request(f"{bot.url}/api/v1/metrics", data=data, method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=5) as answer:
        return int(answer.status)


def test_every_kind_of_write_reaches_the_other_apps_status(apps):
    writer = apps[0]
    asked(apps, "Open flags: None", "C-1 Containment rate: no value recorded yet")

    command(writer, "flag major API timeouts above 2 s")
    assert rows(writer, Flag)
    asked(apps, "1 major (F-1)", "Not acknowledged: F-1")

    command(writer, "ack F-1")
    asked(apps, "1 major (F-1)", absent="Not acknowledged")

    command(writer, "resolve F-1 raised the gateway timeout")
    asked(apps, "Open flags: None")

    (token,) = set(re.findall(r"pbm_[A-Za-z0-9_-]{40,}", command(writer, "metrics token")))
    assert push(writer, token, 58) == 202
    asked(apps, "C-1 Containment rate: *58%*", "from datadog")

    # Monday of week 2: the check-in thread, and a reply in it.
    walk(writer, datetime(2026, 12, 14, 14, 30, tzinfo=UTC))
    thread = post(writer.emulator, "checkin:2026-12-14")
    asked(apps, "Today's check-ins: None yet")
    writer.sender.post_user_message(CHANNEL, IMPLEMENTER, "All green", thread_ts=thread.ts)
    eventually(lambda: rows(writer, CheckinReply))
    asked(apps, f"Today's check-ins: <@{IMPLEMENTER}>")

    # Monday of week 3: the ramp step to 40%, confirmed applied.
    walk(writer, datetime(2026, 12, 21, 14, 30, tzinfo=UTC))
    asked(apps, "Traffic today (planned): 40%", "Not confirmed yet")
    assert click(writer, post(writer.emulator, "ramp_change:w3"), ids.RAMP_APPLIED,
                 IMPLEMENTER) == 200
    eventually(lambda: rows(writer, RampConfirmation))
    asked(apps, "Confirmed in production: 40% (week 3)", absent="Not confirmed yet")

    # A change approved by the decision maker: the ramp itself changes.
    command(writer, 'change ramp 10,25,40,40 reason="Hold at 40% until latency is fixed"')
    dm = writer.emulator.dm_channel(SPONSOR)
    writer.emulator.wait_for(lambda e: e.messages(dm))
    asked(apps, "standard ramp")
    (request,) = [p for p in bot_posts(writer.emulator) if p.channel == dm]
    assert click(writer, request, ids.CHANGE_APPROVE, SPONSOR) == 200
    eventually(lambda: rows(writer, ChangeRequest)[0].status == "approved")
    asked(apps, "custom ramp 10,25,40,40", absent="standard ramp")

    # A setting: the pilot's time zone.
    idle(writer)
    command(writer, "set tz=Europe/London")
    asked(apps, "(Europe/London)")


def boundary(plan_of_pilot: Any, start: date, changes: Any) -> date:
    """The first day after ``start`` on which ``changes(snapshot)`` differs from ``start``'s."""
    day, before = start, None
    for _ in range(400):
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=plan_of_pilot.zone)
        value = changes(snapshot(plan_of_pilot, noon))
        if before is not None and value != before:
            return day
        before, day = value, day + timedelta(days=1)
    raise AssertionError("no boundary found")


def local_midnight(plan: Any, day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=plan.zone).astimezone(UTC)


@pytest.mark.parametrize(
    "what",
    [
        pytest.param(lambda snap: snap.local_date, id="day"),
        pytest.param(lambda snap: snap.phase, id="phase"),
        pytest.param(lambda snap: snap.traffic_pct, id="ramp"),
    ],
)
def test_the_clock_alone_makes_it_stale_at_the_pilots_midnight(apps, what):
    writer, reader, pilot_id = apps
    with unit_of_work(writer.engine) as session:
        plan = plan_of(session.get(Pilot, pilot_id))
    today = snapshot(plan, reader.clock.now()).local_date
    day = boundary(plan, today, what)
    midnight = local_midnight(plan, day)
    reader.clock.set(midnight - timedelta(minutes=1))
    before = asked(apps)
    assert view(reader).valid_until == midnight
    reader.clock.set(midnight)
    assert not view(reader).current_at(reader.clock.now())
    after = asked(apps)
    assert after != before


def test_an_answer_built_before_a_write_committed_is_never_stored(engine, clock):
    pilot = store_pilot(engine)
    with read_only(engine) as connection:
        revision = revision_of(connection=connection, pilot_id=pilot.id)
    with unit_of_work(engine) as session:  # commits between the reader's two steps
        add_criterion(session=session, pilot_id=pilot.id, name="Latency", target="< 2 s",
                      user_id=OWNER, at=clock.now())
    with read_only(engine) as connection:
        stored = store_snapshot(connection=connection, pilot_id=pilot.id, revision=revision,
                                built_at=clock.now(), valid_until=clock.now() + timedelta(hours=1),
                                body='{"text": "stale", "blocks": [], "tz": "UTC"}')
        assert not stored
        assert revision_of(connection=connection, pilot_id=pilot.id) == revision + 1


def test_a_write_that_rolls_back_leaves_the_snapshot_current(apps):
    writer, reader, pilot_id = apps
    asked(apps)
    revision = view(reader).revision
    with pytest.raises(RuntimeError), unit_of_work(writer.engine) as session:
        add_criterion(session=session, pilot_id=pilot_id, name="Latency", target="< 2 s",
                      user_id=OWNER, at=reader.clock.now())
        session.flush()
        raise RuntimeError("rolled back")
    assert view(reader).revision == revision
    assert view(reader).current_at(reader.clock.now())


def test_the_refresh_builds_what_writes_left_stale_so_askers_read_it(apps):
    reader = apps[1]
    assert not view(reader).current_at(reader.clock.now())  # the setup wrote the record
    assert refresh_stale(engine=reader.engine, now=reader.clock.now()) >= 1
    assert view(reader).current_at(reader.clock.now())
    assert refresh_stale(engine=reader.engine, now=reader.clock.now()) == 0  # nothing left


@pytest.mark.parametrize(
    ("local_noon", "next_midnight_utc"),
    [
        # Saturday before the clocks go forward: midnight is still EST (UTC-5).
        (datetime(2027, 3, 13, 17, 0, tzinfo=UTC), datetime(2027, 3, 14, 5, 0, tzinfo=UTC)),
        # The Sunday they did (a 23-hour day): the next midnight is EDT (UTC-4).
        (datetime(2027, 3, 14, 16, 0, tzinfo=UTC), datetime(2027, 3, 15, 4, 0, tzinfo=UTC)),
        # The Sunday they go back (a 25-hour day).
        (datetime(2027, 11, 7, 17, 0, tzinfo=UTC), datetime(2027, 11, 8, 5, 0, tzinfo=UTC)),
    ],
)
def test_an_answer_lasts_until_the_pilots_own_midnight_across_clock_changes(
    engine, local_noon, next_midnight_utc
):
    pilot = store_pilot(engine)
    with read_only(engine) as connection:
        built = build_status(connection=connection, pilot_id=pilot.id, now=local_noon,
                             public=False)
    assert built.valid_until == next_midnight_utc


def test_a_value_dated_ahead_ends_the_answer_when_it_comes_due(engine, clock):
    pilot = store_pilot(engine)
    later = clock.now() + timedelta(hours=2)
    with unit_of_work(engine) as session:
        criterion = add_criterion(session=session, pilot_id=pilot.id, name="Latency",
                                  target="< 2 s", user_id=OWNER, at=clock.now())
        session.add(MetricValue(pilot_id=pilot.id, criterion_id=criterion.id, value="1.5",
                                typed="1.5 s", recorded_by=OWNER, recorded_at=later))
    with read_only(engine) as connection:
        built = build_status(connection=connection, pilot_id=pilot.id, now=clock.now(),
                             public=False)
    assert built.valid_until == later
    assert "no value recorded yet" in built.reply.text


def test_an_answer_an_earlier_release_stored_is_built_anew(apps):
    _, reader, pilot_id = apps
    asked(apps)
    now = reader.clock.now()
    with read_only(reader.engine) as connection:
        revision = view(reader).revision
        assert store_snapshot(connection=connection, pilot_id=pilot_id, revision=revision,
                              built_at=now, valid_until=now + timedelta(hours=1),
                              body='{"text": "old wording", "blocks": [], "tz": "UTC"}')
    assert "old wording" not in asked(apps)


def test_a_pilot_whose_answer_cannot_be_built_does_not_hold_up_the_others(apps, monkeypatch):
    writer, reader, broken = apps
    other = schedule_pilot(writer.engine, reader.clock.now(), channel_id="C0OTHER")
    import bot.features.status as feature

    real = feature.build_status

    def broken_for_the_first(*, connection, pilot_id: int, now, public):
        if pilot_id == broken:
            raise ValueError("a stored plan that no longer loads")
        return real(connection=connection, pilot_id=pilot_id, now=now, public=public)

    monkeypatch.setattr(feature, "build_status", broken_for_the_first)
    assert refresh_stale(engine=reader.engine, now=reader.clock.now()) == 2
    rebuilt = status_view(engine=reader.engine, workspace=Workspace("T0001"),
                          channel_id="C0OTHER")
    assert rebuilt is not None and rebuilt.pilot_id == other.id
    assert rebuilt.current_at(reader.clock.now())
    assert not view(reader).current_at(reader.clock.now())
