"""The App Home tab, published whenever a user opens it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.home import PilotSummary, home_view
from bot.core.calendar import snapshot
from handlers.reply import slack_error_code
from storage.db import unit_of_work
from storage.pilots import pilots_in_workspace, plan_of
from storage.scope import installation_of

log = logging.getLogger(__name__)


def app_home_opened(
    event: dict[str, Any], body: dict[str, Any], client: WebClient, context: dict[str, Any]
) -> None:
    if event.get("tab") != "home":
        return
    services = context["services"]
    workspace = installation_of(context, body)
    now = services.clock.now()
    with unit_of_work(services.engine) as session:
        summaries = []
        for row in pilots_in_workspace(session=session, workspace=workspace):
            plan = plan_of(row)
            summaries.append(PilotSummary(row.channel_id, plan, snapshot(plan, now), row.state))
    if not event.get("user"):
        return  # nobody to show it to
    try:
        client.views_publish(user_id=event["user"], view=home_view(summaries))
    except SlackApiError as error:
        log.warning("could not publish the Home tab: %s", slack_error_code(error))


def register(app: App) -> None:
    app.event("app_home_opened")(app_home_opened)
