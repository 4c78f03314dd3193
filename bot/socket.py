"""Socket Mode: the app connects out to Slack, so no public URL is needed."""

from __future__ import annotations

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.settings import Settings, SettingsError


def socket_handler(app: App, settings: Settings) -> SocketModeHandler:
    if not settings.app_token:
        raise SettingsError("SLACK_APP_TOKEN", "is not set (Socket Mode needs it)")
    # The Socket Mode client talks to the same Web API as the app (SLACK_API_URL).
    return SocketModeHandler(app, app_token=settings.app_token, web_client=app.client)
