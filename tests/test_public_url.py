"""PUBLIC_URL: the bot's public https base URL, optional."""

import pytest

from bot.settings import SettingsError, load_settings

GOOD = {"SLACK_BOT_TOKEN": "xoxb-1-2-3", "SLACK_SIGNING_SECRET": "s3cret"}


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        (None, None),
        ("https://pilot-bot.example.com/", "https://pilot-bot.example.com"),
        ("https://example.com/pilot-bot", "https://example.com/pilot-bot"),
        ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
        ("http://localhost:3000/", "http://localhost:3000"),
    ],
)
def test_an_https_base_url_or_none(given, kept):
    env = GOOD if given is None else {**GOOD, "PUBLIC_URL": given}
    assert load_settings(env).public_url == kept


@pytest.mark.parametrize(
    "given", ["http://pilot-bot.example.com", "pilot-bot.example.com", "https://", "ftp://x.org",
              "https://example.com/?token=1"]
)
def test_anything_else_stops_start_up_naming_the_variable(given):
    with pytest.raises(SettingsError) as caught:
        load_settings({**GOOD, "PUBLIC_URL": given})
    assert caught.value.variable == "PUBLIC_URL"
    assert str(caught.value).startswith("PUBLIC_URL ")
    assert "https base URL" in str(caught.value)
