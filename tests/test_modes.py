"""Single-workspace or multi-workspace: which settings choose which, and the one line
start-up stops with when they do not add up."""

import os
import subprocess
import urllib.request

import pytest

from bot.settings import SettingsError, load_settings
from tests.test_cli import SCRIPT, free_port, run

ONE = {"SLACK_BOT_TOKEN": "xoxb-1-2-3", "SLACK_SIGNING_SECRET": "s3cret"}
MANY = {
    "SLACK_CLIENT_ID": "1111.2222",
    "SLACK_CLIENT_SECRET": "c1ient-s3cret",
    "SLACK_SIGNING_SECRET": "s3cret",
    "PUBLIC_URL": "https://pilot-bot.example.com/",
}


def test_a_bot_token_alone_is_one_workspace_and_the_client_pair_is_many():
    one = load_settings(ONE, need_public_url=True)
    assert not one.multi_workspace and one.redirect_uri is None
    many = load_settings(MANY, need_public_url=True)
    assert many.multi_workspace and many.bot_token == ""
    assert many.redirect_uri == "https://pilot-bot.example.com/slack/oauth_redirect"
    assert "c1ient-s3cret" not in repr(many) and "multi-workspace" in repr(many)


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({**ONE, **MANY}, "SLACK_BOT_TOKEN and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are both set"),
        ({**ONE, "SLACK_CLIENT_SECRET": "x"}, "SLACK_BOT_TOKEN and SLACK_CLIENT_ID/"),
        ({**MANY, "SLACK_CLIENT_SECRET": ""}, "SLACK_CLIENT_SECRET is not set (SLACK_CLIENT_ID is"),
        ({**MANY, "SLACK_CLIENT_ID": ""}, "SLACK_CLIENT_ID is not set (SLACK_CLIENT_SECRET is"),
        ({**MANY, "PUBLIC_URL": ""}, "PUBLIC_URL is not set (multi-workspace mode builds"),
        ({**MANY, "PUBLIC_URL": "http://pilot.example.com"}, "PUBLIC_URL is not https"),
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN is not set (for one workspace;"),
    ],
)
def test_settings_that_do_not_add_up_stop_with_one_line_naming_them(env, named):
    with pytest.raises(SettingsError) as caught:
        load_settings(env, need_public_url=True)
    line = str(caught.value)
    assert line.startswith(named) and "\n" not in line


def test_socket_mode_stays_one_workspace_and_says_so():
    with pytest.raises(SettingsError) as caught:
        load_settings(
            {**MANY, "SLACK_APP_TOKEN": "xapp-1"}, need_signing_secret=False, need_app_token=True
        )
    assert "pilot-bot socket serves one workspace" in str(caught.value)
    result = run("socket", env={"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "x"})
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set" in line
    assert "Socket Mode" in line


def test_serve_with_both_kinds_stops_with_one_line(tmp_path):
    result = run("serve", env={**ONE, **MANY}, cwd=tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "SLACK_BOT_TOKEN and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are both set" in line


def test_serve_in_multi_workspace_mode_shows_the_install_page(emulator, tmp_path):
    port = free_port()
    env = {
        **MANY,
        "SLACK_CLIENT_ID": emulator.client_id,
        "SLACK_CLIENT_SECRET": emulator.client_secret,
        "SLACK_API_URL": emulator.api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "HOST": "127.0.0.1",
    }
    base = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    process = subprocess.Popen(
        [*SCRIPT, "serve", "--port", str(port), "--no-scheduler"],
        env={**base, **env},
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for line in process.stderr:  # type: ignore[union-attr]
            if "installs start at" in line:
                break
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/slack/install", timeout=5) as page:
            assert page.status == 200
            assert "slack-app-oauth-state=" in page.headers["Set-Cookie"]
            assert f"client_id={emulator.client_id}" in page.read().decode()
        assert not emulator.calls  # no token to check at start-up, unlike one workspace's
    finally:
        process.terminate()
        process.wait(timeout=10)
