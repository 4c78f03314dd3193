"""The `pilot-bot` console script, run as a user runs it."""

import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from bot.settings import SettingsError
from bot.socket import socket_handler
from devtools.harness import emulator_settings

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = [sys.executable, "-m", "bot.cli"]


def run(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT):
    base = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    base.pop("DATABASE_URL", None)
    return subprocess.run(
        [*SCRIPT, *args],
        env={**base, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("command", ["serve", "socket", "migrate", "demo"])
def test_every_command_has_help(command):
    result = run(command, "--help")
    assert result.returncode == 0
    assert "usage: pilot-bot" in result.stdout


def test_serve_without_a_signing_secret_exits_with_one_clear_line(tmp_path):
    result = run("serve", env={"SLACK_BOT_TOKEN": "xoxb-1"}, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("pilot-bot: SLACK_SIGNING_SECRET is not set")
    assert "Basic Information" in lines[0]


def test_socket_without_an_app_token_exits_with_one_clear_line(tmp_path):
    result = run("socket", env={"SLACK_BOT_TOKEN": "xoxb-1"}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "SLACK_APP_TOKEN is not set" in result.stderr


def test_an_unusable_database_url_is_one_line_too(tmp_path):
    result = run(
        "migrate",
        env={"SLACK_BOT_TOKEN": "xoxb-1", "DATABASE_URL": "nosuchdb://x/y"},
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "DATABASE_URL nosuchdb://x/y cannot be used" in result.stderr


def test_migrate_creates_the_default_sqlite_database_in_the_working_directory(tmp_path):
    result = run("migrate", cwd=tmp_path)  # no Slack settings needed: it calls no Slack API
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "pilot-bot.db").exists()
    assert "up to date" in result.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_health_checks_and_slack_requests(emulator, tmp_path):
    port = free_port()
    env = {
        "SLACK_BOT_TOKEN": emulator.token,
        "SLACK_SIGNING_SECRET": "cli-secret",
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "HOST": "127.0.0.1",
        "LOG_LEVEL": "INFO",
    }
    base = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    process = subprocess.Popen(
        [*SCRIPT, "serve", "--port", str(port)],
        env={**base, **env},
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Block on the log line that says it is serving (no sleeping and polling).
        for line in process.stderr:  # type: ignore[union-attr]
            if "serving on" in line:
                break
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            assert response.status == 200
        from slack_emulator.client import SlackSender

        sender = SlackSender(
            f"http://127.0.0.1:{port}/slack/events", "cli-secret", emulator=emulator
        )
        body = sender.command("status").json()
        assert "no pilot in this channel" in body["text"]
        assert sender.command("status", signature="v0=bad").status == 401
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_socket_mode_is_wired_to_the_app_token_and_the_same_web_api(bot):
    settings = emulator_settings(bot.emulator, "sqlite://")
    with pytest.raises(SettingsError, match="SLACK_APP_TOKEN"):
        socket_handler(bot.app, settings)
    handler = socket_handler(
        bot.app, settings.__class__(**{**settings.__dict__, "app_token": "xapp-1-test"})
    )
    assert handler.app is bot.app
    assert handler.client.app_token == "xapp-1-test"
    assert handler.client.web_client.base_url == bot.emulator.api_url
