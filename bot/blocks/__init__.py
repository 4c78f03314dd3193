"""The one place that builds Block Kit: pure functions of domain values, one module
per feature. Every message carries plain ``text`` beside its blocks, for
notifications and screen readers, and stays inside Slack's limits."""

from bot.blocks.common import (
    Reply,
    apology,
    context,
    fields,
    header,
    help_reply,
    no_pilot_reply,
    section,
    unknown_command_reply,
    usage_reply,
)

__all__ = [
    "Reply",
    "apology",
    "context",
    "fields",
    "header",
    "help_reply",
    "no_pilot_reply",
    "section",
    "unknown_command_reply",
    "usage_reply",
]
