"""The database heals: after SQLite was read-only or full for a while, writes work again
as soon as it is writable, `/healthz` says 503 meanwhile and 200 after, and `serve`
will not start on a database that takes no writes.

CI runs as root, where chmod does not stop writes, so the faults are injected the way
SQLite produces them: connections opened during the fault get ``PRAGMA query_only``
("attempt to write a readonly database") or a ``max_page_count`` at the file's size
("database or disk is full"), as a read-only mount or a full disk would leave them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlmodel import select

from bot.clock import FakeClock
from devtools.harness import RunningBot, running_bot
from slack_emulator.server import SlackEmulator
from storage.db import make_engine, migrate, unit_of_work
from storage.models import DeferredRequest
from tests.helpers import CHANNEL, store_pilot

OWNER = "U0001"


class Fault:
    """What new connections are opened with, while a fault is on."""

    def __init__(self) -> None:
        self.pragma: str | None = None

    def on_connect(self, dbapi_connection, _record) -> None:
        if self.pragma:
            dbapi_connection.execute(self.pragma)


@pytest.fixture
def faulty(tmp_path: Path, emulator: SlackEmulator, clock: FakeClock) -> Iterator[tuple]:
    engine = make_engine(f"sqlite:///{tmp_path / 'pilot-bot.db'}")
    migrate(engine)
    fault = Fault()
    event.listen(engine, "connect", fault.on_connect)
    with running_bot(emulator=emulator, engine=engine, clock=clock, probe_every=0) as bot:
        store_pilot(engine)
        yield bot, fault
    engine.dispose()


def health(bot: RunningBot) -> int:
    try:
        with urllib.request.urlopen(f"{bot.url}/healthz", timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def defer(bot: RunningBot, text: str) -> str:
    response = bot.sender.command(f'scope defer "{text}"', user_id=OWNER, channel_id=CHANNEL)
    assert response.status == 200
    return str(response.json()["text"])


def deferred(bot: RunningBot) -> list[str]:
    with unit_of_work(bot.engine) as session:
        return [row.request for row in session.exec(select(DeferredRequest))]


def test_writes_work_again_once_a_read_only_database_is_writable(faulty, caplog):
    bot, fault = faulty
    assert health(bot) == 200
    fault.pragma = "PRAGMA query_only = 1"
    bot.engine.dispose()  # every connection from now on is opened during the fault
    assert health(bot) == 503
    for attempt in range(3):
        assert "Sorry" in defer(bot, f"During the fault {attempt}")
    assert deferred(bot) == []
    assert "attempt to write a readonly database" in caplog.text

    fault.pragma = None  # writable again; the pool still holds the fault's connections
    assert health(bot) == 200  # the next probe: a fresh connection, the stale ones dropped
    for attempt in range(5):
        assert "Parked" in defer(bot, f"After the fault {attempt}")
    assert deferred(bot) == [f"After the fault {n}" for n in range(5)]


def test_writes_work_again_once_a_full_disk_has_room(faulty, caplog):
    bot, fault = faulty
    with unit_of_work(bot.engine) as session:
        pages = session.connection().exec_driver_sql("PRAGMA page_count").scalar_one()
    fault.pragma = f"PRAGMA max_page_count = {pages}"
    bot.engine.dispose()
    big = "x" * 1900  # soon needs pages the file may not grow by
    answers = [defer(bot, f"{big} {attempt}") for attempt in range(20)]
    assert any("Sorry" in answer for answer in answers)
    assert "database or disk is full" in caplog.text
    stored = len(deferred(bot))

    fault.pragma = None  # room again; the pool still holds the fault's connections
    assert health(bot) == 200  # the load balancer's next probe finds it writable
    for attempt in range(5):
        assert "Parked" in defer(bot, f"{big} after {attempt}")
    assert len(deferred(bot)) == stored + 5


def test_serve_will_not_start_on_a_read_only_database(tmp_path: Path):
    """A database file opened read-only (`mode=ro`): one line, exit status 2."""
    path = tmp_path / "pilot-bot.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    environment = {
        "SLACK_BOT_TOKEN": "xoxb-unused",
        "SLACK_SIGNING_SECRET": "secret",
        "DATABASE_URL": f"sqlite:///file:{path}?mode=ro&uri=true",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "serve", "--port", "0"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "takes no writes" in lines[0] and "Traceback" not in done.stderr
    assert json.dumps(lines[0])  # one plain line
