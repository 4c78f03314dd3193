"""Failures are logged with Slack's error code, and never with a token or the signing secret."""

import logging

from tests.cadence_helpers import eventually
from tests.helpers import CHANNEL, store_pilot


def test_no_log_line_carries_a_secret_even_at_debug(bot, caplog):
    store_pilot(bot.engine)
    caplog.set_level(logging.DEBUG)
    bot.emulator.fail("chat.postMessage", error="channel_not_found")
    bot.sender.command("status public", channel_id=CHANNEL)
    bot.emulator.wait_for_calls("chat.postMessage")
    eventually(lambda: any("Slack refused" in r.getMessage() for r in caplog.records))
    bot.sender.command("status", channel_id=CHANNEL)
    bot.sender.command("status", signature="v0=forged")
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert "Slack refused status:" in logged and "channel_not_found" in logged
    assert bot.settings.bot_token not in logged
    assert bot.settings.signing_secret not in logged
