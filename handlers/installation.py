"""The app leaves a workspace: ``app_uninstalled``, or ``tokens_revoked`` naming its bot.

Multi-workspace mode: the workspace is recorded as gone (its tokens, which Slack revoked,
are forgotten). Its pilots keep their state; what they owed is recorded as skipped with the
reason, nothing is retried, and delivery skips what the calendar owes them from then on
(`pilot-bot agenda` says why). Installing the app again brings the cadence back from where
the calendar stands. Single-workspace mode: SLACK_BOT_TOKEN stops working, and the log says
what to do.

Bolt authorizes neither event (the tokens are gone already) and acks events at once.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App

from bot.app import Services
from bot.features import installation
from storage.scope import installation_of

log = logging.getLogger(__name__)

UNINSTALLED = "the app was uninstalled from the workspace (app_uninstalled)"
REVOKED = "the bot's token was revoked (tokens_revoked)"


def app_uninstalled(body: dict[str, Any], context: dict[str, Any]) -> None:
    _gone(body, context, UNINSTALLED)


def tokens_revoked(event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]) -> None:
    if not (event.get("tokens") or {}).get("bot"):
        log.debug("user tokens revoked: the bot holds none")
        return
    _gone(body, context, REVOKED)


def _gone(body: dict[str, Any], context: dict[str, Any], reason: str) -> None:
    services: Services = context["services"]
    team = installation_of(context, body).team_id
    settings = services.settings
    if not settings.multi_workspace:
        log.warning(
            "%s in workspace %s: SLACK_BOT_TOKEN no longer works; install the app again and"
            " restart the bot with its new token",
            reason,
            team,
        )
        return
    with services.work() as session:
        left = installation.workspace_gone(
            session=session,
            now=services.clock.now(),
            client_id=settings.client_id or "",
            team_id=team,
            reason=reason,
        )
    if left.skipped is None:
        return  # told already (Slack retries an event it thinks was lost)
    log.warning(
        "workspace %s: %s; %d owed messages skipped, its pilots wait for a new install",
        team,
        reason,
        left.skipped,
    )


def register(app: App) -> None:
    app.event("app_uninstalled")(app_uninstalled)
    app.event("tokens_revoked")(tokens_revoked)
