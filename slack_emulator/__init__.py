"""A Slack emulator for tests and the demo.

- :class:`SlackEmulator`: a fake Slack Web API (real HTTP on 127.0.0.1) that records every
  call, keeps channel history, and can fail on demand.
- :class:`SlackSender`: sends the bot signed slash commands, events and interactions, as
  Slack does.
- :func:`render_message` / :func:`render_call`: readable text for transcripts.
- :mod:`slack_emulator.limits`: what Slack refuses (Block Kit and message limits); a strict
  emulator (the default) answers such payloads as Slack does, with no effect, and lists them
  (:meth:`SlackEmulator.refused_calls`, :func:`slack_emulator.limits.refused_report`).
- :data:`DELIVERY_MARK_HEADER`: the header the bot's delivery client marks its requests
  with; calls that owe it (:data:`OWED_METHODS`) and lack it are flagged
  (:meth:`SlackEmulator.unmarked_calls`, :mod:`slack_emulator.marks`).
"""

from slack_emulator.calls import Call
from slack_emulator.client import Response, SlackSender
from slack_emulator.marks import DELIVERY_MARK_HEADER, OWED_METHODS
from slack_emulator.render import render_call, render_message
from slack_emulator.server import SlackEmulator
from slack_emulator.workspace import ResponsePost

__all__ = [
    "DELIVERY_MARK_HEADER",
    "OWED_METHODS",
    "Call",
    "Response",
    "ResponsePost",
    "SlackEmulator",
    "SlackSender",
    "render_call",
    "render_message",
]
