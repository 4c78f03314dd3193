"""Posting a plan event in the pilot's channel, with a word to the user if that fails."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks import Reply
from bot.blocks.plan import not_posted_reply
from handlers.reply import slack_error_code

log = logging.getLogger(__name__)


def announce(
    client: WebClient, *, channel_id: str, user_id: str, message: Reply, done: str
) -> None:
    """Post `message` in the channel. The change behind it is already saved, so if Slack
    refuses (the bot is not in the channel, say), tell the user in a DM what was `done`."""
    try:
        client.chat_postMessage(channel=channel_id, **message.message())
        return
    except SlackApiError as error:
        code = slack_error_code(error)
        log.warning("could not post in %s: %s", channel_id, code)
    try:
        client.chat_postMessage(
            channel=user_id, **not_posted_reply(done, channel_id, code).message()
        )
    except SlackApiError as error:
        log.error("could not tell %s either: %s", user_id, slack_error_code(error))
