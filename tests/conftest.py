"""Fixtures: a fresh database per test (SQLite, and PostgreSQL when TEST_DATABASE_URL
is set), the Slack emulator, and the real bot served over HTTP against both.

Suite-wide: a test fails if any emulator it used received a post, update, delete, DM open,
upload or public response_url answer without the delivery mark (slack_emulator.marks),
i.e. one that went around delivery (say(), client.chat_postMessage, api_call, respond()).
Opt out per emulator (``emulator.allow_unmarked()``) or per test
(``@pytest.mark.allow_unmarked``); the emulator's own tests (tests/emulator/, which drive
the raw Web API) are exempt, except test_delivery_mark.py."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot import names
from bot.clock import FakeClock
from devtools.harness import RunningBot, running_bot
from slack_emulator.limits import refused_report
from slack_emulator.marks import created_emulators, live_emulators, unmarked_report
from slack_emulator.server import SlackEmulator
from storage.db import make_engine, migrate

os.environ.setdefault("SKIP_SLACK_SDK_WARNING", "1")

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(
                not POSTGRES_URL, reason="TEST_DATABASE_URL is not set (CI sets it to PostgreSQL)"
            ),
        ],
    ),
]


# The emulator's own tests call the raw Web API on purpose; test_delivery_mark.py tests the
# check itself, so it stays under it.
RAW_API_TESTS = Path(__file__).parent / "emulator"
CHECKED_RAW_API_TESTS = frozenset({"test_delivery_mark.py"})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "allow_unmarked: the test may send Slack calls without the delivery mark"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if RAW_API_TESTS in item.path.parents and item.path.name not in CHECKED_RAW_API_TESTS:
            item.add_marker(pytest.mark.allow_unmarked)


@pytest.fixture(autouse=True)
def delivery_mark_check(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test if an emulator it used got a call that owed the delivery mark and
    lacked it. Autouse, so set up first and torn down last: the check runs after the
    test's other fixtures (the bot, the emulator) have stopped. It covers every emulator
    created during the test (stopped or dropped ones too) and the calls made during the
    test to emulators that outlive it."""
    before = {emulator: len(emulator.unmarked_calls()) for emulator in live_emulators()}
    with created_emulators() as created:
        yield
    if request.node.get_closest_marker("allow_unmarked"):
        return
    report = unmarked_report([*before, *created], already=before)
    if report:
        pytest.fail(report, pytrace=False)


@pytest.fixture(autouse=True)
def fresh_names() -> Iterator[None]:
    """People's names are cached per process (bot/names.py): each test's workspace has its
    own, so the cache starts empty (the same ids name other people in other tests)."""
    names.forget()
    yield
    names.forget()


@pytest.fixture(autouse=True)
def slack_would_refuse_check(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test if the bot sent any emulator a payload Slack would refuse (blocks or
    text over Slack's limits): even when the bot coped, a real workspace would not show it.
    Tests of the emulator's own refusals are exempt."""
    before = {emulator: len(emulator.refused_calls()) for emulator in live_emulators()}
    with created_emulators() as created:
        yield
    if request.node.get_closest_marker("allow_unmarked"):
        return
    report = refused_report([*before, *created], already=before)
    if report:
        pytest.fail(report, pytrace=False)


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database of each backend; PostgreSQL gets a schema per test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'pilot-bot.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    request.node.pg_schema = schema
    try:
        yield POSTGRES_URL
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(database_url: str, request: pytest.FixtureRequest) -> Iterator[Engine]:
    schema = getattr(request.node, "pg_schema", None)
    engine = make_engine(database_url, schema=schema)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    # Thursday 2026-12-10 15:00 UTC: in week 1 of the standard test pilot below.
    return FakeClock(datetime(2026, 12, 10, 15, 0, tzinfo=UTC))


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        emulator.add_user("U0001", "alice", real_name="Alice Archer")
        emulator.add_user("U0002", "bob", real_name="Bob Baker")
        yield emulator


@pytest.fixture
def bot(emulator: SlackEmulator, engine: Engine, clock: FakeClock) -> Iterator[RunningBot]:
    with running_bot(emulator=emulator, engine=engine, clock=clock) as running:
        yield running


@pytest.fixture
def checkins_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tick records the daily kinds only (check-ins, reminders): for the scheduler
    and delivery tests, which the reviews' posts (weekly reviews, ramp posts, ...) would
    otherwise join. The reviews have their own tests (tests/test_reviews*.py)."""
    from bot.core.cadence import DueKind
    from schedules import tick

    daily = {DueKind.CHECKIN, DueKind.REMINDER}
    monkeypatch.setattr(tick, "SENT_KINDS", frozenset(k for k in tick.BUILDERS if k in daily))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line for the PostgreSQL variants, instead of one per skipped test."""
    skipped = terminalreporter.stats.get("skipped", [])
    postgres = [r for r in skipped if "TEST_DATABASE_URL is not set" in str(r.longrepr)]
    if postgres:
        terminalreporter.write_line(
            f"{len(postgres)} PostgreSQL variants skipped: TEST_DATABASE_URL is not set "
            "(CI sets it to the local PostgreSQL)"
        )
