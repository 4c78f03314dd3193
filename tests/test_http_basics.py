"""The real Bolt app over real HTTP: signing, health, unhandled events, help and errors."""

import json
import time
import urllib.request

from tests.helpers import CHANNEL


def test_healthz_answers_when_the_database_does(bot):
    with urllib.request.urlopen(f"{bot.url}/healthz", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read()) == {"ok": True, "database": "up"}


def test_a_forged_signature_is_rejected_and_changes_nothing(bot):
    before = len(bot.emulator.calls)
    response = bot.sender.command("status public", signature="v0=" + "0" * 64)
    assert response.status == 401
    assert len(bot.emulator.calls) == before


def test_a_stale_timestamp_is_rejected(bot):
    before = len(bot.emulator.calls)
    response = bot.sender.command("status public", timestamp=int(time.time()) - 301)
    assert response.status == 401
    assert len(bot.emulator.calls) == before


def test_an_event_the_bot_does_not_act_on_still_gets_200(bot):
    event = bot.sender.reaction_added_event(
        "U0002", "thumbsup", CHANNEL, "1764158400.000100", "U0001"
    )
    response = bot.sender.event(event)
    assert response.status == 200


def test_url_verification_is_answered(bot):
    response = bot.sender.url_verification("challenge-123")
    assert response.status == 200
    assert "challenge-123" in response.text


def test_help_lists_every_subcommand(bot):
    from bot.blocks.common import escape
    from bot.core.commands import COMMANDS

    response = bot.sender.command("help")
    assert response.status == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    for spec in COMMANDS:
        # Sent escaped: Slack would read a bare "<role>" as a link.
        assert escape(spec.usage) in body["text"]
    assert body["blocks"]


def test_an_empty_command_shows_help(bot):
    body = bot.sender.command("").json()
    assert "/pilot status" in body["text"]


def test_an_unknown_subcommand_gets_the_command_list(bot):
    body = bot.sender.command("launch rockets").json()
    assert body["response_type"] == "ephemeral"
    assert "`launch` is not a /pilot command" in body["text"]
    assert "/pilot help" in body["text"]
    assert "Traceback" not in body["text"]


def test_malformed_arguments_get_the_usage(bot):
    body = bot.sender.command("status public loudly").json()
    assert body["response_type"] == "ephemeral"
    assert "Unexpected `loudly`" in body["text"]
    assert "/pilot status [public]" in body["text"]


def test_help_blocks_show_every_subcommand_within_slacks_section_limit(bot):
    from bot.blocks.common import escape
    from bot.core.commands import COMMANDS

    blocks = bot.sender.command("help").json()["blocks"]
    shown = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    for spec in COMMANDS:
        assert escape(spec.usage) in shown
