"""The issue log's storage: numbering (also under concurrency), one flag per reply,
transitions, and the counts the reviews read."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.escalation import Severity
from bot.core.flags import FlagError, FlagInput, FlagSource
from bot.core.risks import RiskCategory
from storage.db import unit_of_work
from storage.flags import (
    acknowledge_flag,
    flag_by_number,
    flag_numbers,
    open_counts,
    open_flags_of,
    raise_flag,
    resolve_flag,
)
from storage.models import Pilot
from tests.helpers import store_pilot

AT = datetime(2026, 12, 14, 15, 0, tzinfo=UTC)
WHAT = FlagInput(Severity.MAJOR, RiskCategory.TECHNICAL, "API timeouts")


def raise_one(engine, pilot_id, *, what=WHAT, at=AT, message_ts=None, source=FlagSource.COMMAND):
    with unit_of_work(engine) as session:
        pilot = session.get(Pilot, pilot_id)
        raised = raise_flag(
            session=session,
            pilot=pilot,
            what=what,
            raised_by="U0002",
            at=at,
            source=source,
            channel_id=pilot.channel_id,
            message_ts=message_ts,
        )
        return raised.flag.number, raised.new


def test_flags_are_numbered_per_pilot(engine):
    acme = store_pilot(engine)
    other = store_pilot(engine, channel_id="C0002")
    assert [raise_one(engine, acme.id)[0] for _ in range(3)] == [1, 2, 3]
    assert raise_one(engine, other.id)[0] == 1
    with unit_of_work(engine) as session:
        assert flag_numbers(session=session, pilot_id=acme.id) == [1, 2, 3]


def test_a_reply_becomes_one_flag_however_often_it_is_raised(engine):
    pilot = store_pilot(engine)
    assert raise_one(engine, pilot.id, message_ts="1.0001", source=FlagSource.REPLY) == (1, True)
    again = raise_one(engine, pilot.id, message_ts="1.0001", source=FlagSource.REACTION)
    assert again == (1, False)
    assert raise_one(engine, pilot.id, message_ts="1.0002")[0] == 2


def test_flags_raised_at_once_get_different_numbers(engine):
    pilot = store_pilot(engine)
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def raise_in_thread(i: int) -> None:
        try:
            start.wait()
            raise_one(engine, pilot.id, message_ts=f"2.{i:04d}")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=raise_in_thread, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with unit_of_work(engine) as session:
        assert flag_numbers(session=session, pilot_id=pilot.id) == list(range(1, 9))
        assert session.get(Pilot, pilot.id).flag_count == 8


def test_acknowledge_and_resolve_keep_who_when_and_why(engine):
    pilot = store_pilot(engine)
    raise_one(engine, pilot.id)
    with unit_of_work(engine) as session:
        flag = flag_by_number(session=session, pilot_id=pilot.id, number=1, lock=True)
        acknowledge_flag(session=session, flag=flag, user_id="U0003", at=AT + timedelta(hours=1))
    with unit_of_work(engine) as session:
        flag = flag_by_number(session=session, pilot_id=pilot.id, number=1, lock=True)
        with pytest.raises(FlagError, match="acknowledged already"):
            acknowledge_flag(session=session, flag=flag, user_id="U0002", at=AT)
        resolve_flag(
            session=session,
            flag=flag,
            user_id="U0002",
            resolution="fixed",
            at=AT + timedelta(hours=2),
        )
    with unit_of_work(engine) as session:
        flag = flag_by_number(session=session, pilot_id=pilot.id, number=1)
        assert (flag.state, flag.acknowledged_by, flag.resolved_by) == (
            "resolved",
            "U0003",
            "U0002",
        )
        assert flag.resolution == "fixed" and flag.resolved_at == AT + timedelta(hours=2)
        assert open_flags_of(session=session, pilot_id=pilot.id) == []


def test_open_counts_as_of_a_moment(engine):
    pilot = store_pilot(engine)
    raise_one(engine, pilot.id, what=FlagInput(Severity.CRITICAL, RiskCategory.SCOPE, "down"))
    raise_one(engine, pilot.id, at=AT + timedelta(days=1))
    with unit_of_work(engine) as session:
        flag = flag_by_number(session=session, pilot_id=pilot.id, number=1)
        resolve_flag(
            session=session, flag=flag, user_id="U1", resolution="ok", at=AT + timedelta(days=2)
        )
    with unit_of_work(engine) as session:
        counts = open_counts(session=session, pilot_id=pilot.id, as_of=AT + timedelta(hours=1))
        assert counts == {Severity.CRITICAL: 1, Severity.MAJOR: 0, Severity.MINOR: 0}
        counts = open_counts(session=session, pilot_id=pilot.id, as_of=AT + timedelta(days=3))
        assert counts == {Severity.CRITICAL: 0, Severity.MAJOR: 1, Severity.MINOR: 0}
