"""The App Home tab: owed when someone opens it, and published by delivery (as it stands
when it goes out), like every other change the bot makes in Slack."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from storage.home import owe_home
from storage.scope import installation_of


def app_home_opened(event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]) -> None:
    if event.get("tab") != "home" or not event.get("user"):
        return  # the Messages tab, or nobody to show it to
    services = context["services"]
    workspace = installation_of(context, body)
    with services.work() as session:
        owe_home(
            session=session,
            team_id=workspace.team_id,
            enterprise_id=workspace.enterprise_id,
            user_id=str(event["user"]),
        )


def register(app: App) -> None:
    app.event("app_home_opened")(app_home_opened)
