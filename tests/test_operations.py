"""Operations: quiet logs (or JSON ones), Prometheus metrics behind a token, and the CLI's
honest answers."""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.settings import configure_logging
from devtools.harness import running_bot
from schedules.jobs import build_scheduler
from tests.cadence_helpers import eventually
from tests.helpers import CHANNEL, store_pilot
from tests.test_cli import run

TOKEN = "a-long-random-metrics-token"


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name in ("alembic", "apscheduler"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def test_at_the_default_level_apscheduler_says_nothing_about_each_run(restore_logging, capsys):
    configure_logging("INFO")
    scheduler = build_scheduler()
    ran = threading.Event()
    scheduler.add_job(ran.set, "interval", hours=1, next_run_time=datetime.now(UTC), id="probe")
    scheduler.start()
    try:
        assert ran.wait(10)
    finally:
        scheduler.shutdown(wait=True)
    logging.getLogger("bot").info("our own line")
    err = capsys.readouterr().err
    assert "our own line" in err
    assert "apscheduler" not in err and "Running job" not in err


def test_log_format_json_writes_one_object_per_line(restore_logging, capsys):
    configure_logging("INFO", "json")
    logging.getLogger("bot.example").warning("a %s line", "plain", extra={"reference": "ab12cd34"})
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("bot.example").exception("it failed")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line]
    assert lines[0]["message"] == "a plain line" and lines[0]["reference"] == "ab12cd34"
    assert lines[0]["level"] == "WARNING" and lines[0]["logger"] == "bot.example"
    assert datetime.fromisoformat(lines[0]["time"]).tzinfo is not None
    assert "ValueError: boom" in lines[1]["exception"]


def scrape(url: str, token: str | None) -> tuple[int, str]:
    request = urllib.request.Request(f"{url}/metrics")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def sample(text: str, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                return float(found.value)
    return 0.0


def test_metrics_need_the_token_and_count_what_was_delivered(emulator, engine, clock):
    store_pilot(engine)
    with running_bot(emulator=emulator, engine=engine, clock=clock, metrics_token=TOKEN) as bot:
        assert scrape(bot.url, None)[0] == 401
        assert scrape(bot.url, "wrong-token-of-some-length")[0] == 401
        status, before = scrape(bot.url, TOKEN)
        assert status == 200
        sent = {"outcome": "sent", "kind": "flag_announcement"}
        was = sample(before, "pilot_bot_messages_total", **sent)
        bot.sender.command("flag major Checkout is slow", channel_id=CHANNEL)
        eventually(
            lambda: sample(scrape(bot.url, TOKEN)[1], "pilot_bot_messages_total", **sent) == was + 1
        )
        text = scrape(bot.url, TOKEN)[1]
        assert sample(text, "pilot_bot_messages_owed") == 0
        assert sample(text, "pilot_bot_request_seconds_count", kind="command_or_interaction") >= 1
        assert sample(text, "pilot_bot_delivery_latency_seconds_count") >= 1


def test_without_a_metrics_token_there_is_no_metrics_page(bot):
    assert scrape(bot.url, TOKEN)[0] == 404


def test_agenda_names_its_database_and_creates_none(tmp_path: Path):
    missing = tmp_path / "nowhere.db"
    result = run("agenda", env={"DATABASE_URL": f"sqlite:///{missing}"}, cwd=tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert str(missing) in line and "no database" in line
    assert not missing.exists()
    assert (
        run("migrate", env={"DATABASE_URL": f"sqlite:///{missing}"}, cwd=tmp_path).returncode == 0
    )
    shown = run("agenda", env={"DATABASE_URL": f"sqlite:///{missing}"}, cwd=tmp_path)
    assert shown.returncode == 0 and f"Database: sqlite:///{missing}" in shown.stdout


@pytest.mark.parametrize("threads", ["0", "-3"])
def test_serve_refuses_no_threads(tmp_path, threads):
    result = run("serve", "--threads", threads, cwd=tmp_path)
    assert result.returncode == 2 and "is not a whole number of at least 1" in result.stderr


def test_the_log_level_error_lists_every_level(tmp_path):
    result = run("migrate", env={"LOG_LEVEL": "LOUD"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "DEBUG, INFO, WARNING, ERROR, CRITICAL" in result.stderr


def test_a_wrong_token_is_one_line_naming_it_and_slacks_error(tmp_path, emulator):
    env = {
        "SLACK_BOT_TOKEN": "xoxb-wrong",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
    }
    result = run("serve", "--port", "0", env=env, cwd=tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "SLACK_BOT_TOKEN" in line and "invalid_auth" in line and "{" not in line
