"""Installing the app in a workspace (multi-workspace mode): Bolt's OAuth flow, with
slack-sdk's SQLAlchemy installation and state stores in the bot's own database.

``GET /slack/install`` shows the Add to Slack page: Bolt issues a state (kept in the state
store, and in a cookie in the installer's browser) and links to Slack's authorize page with
the scopes below. Slack sends the installer back to ``GET /slack/oauth_redirect`` (the
manifest's redirect URL, ``PUBLIC_URL`` + that path) with a code, which Bolt exchanges for
the workspace's bot token (``oauth.v2.access``) and stores. An org-wide install on
Enterprise Grid is refused with a page that says why, for now: a pilot belongs to one
workspace (storage/scope.py).
"""

from __future__ import annotations

import html
import logging
from typing import Any

from slack_bolt.error import BoltError
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.callback_options import FailureArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import Clock
from bot.settings import Settings
from storage.db import unit_of_work
from storage.installations import TeamInstallationStore, record_install

log = logging.getLogger(__name__)

# The bot scopes an install asks for: the manifest's `oauth_config.scopes.bot`, once, here
# (tests/test_install.py checks that the two agree).
BOT_SCOPES: tuple[str, ...] = (
    "commands",  # the /pilot slash command
    "chat:write",  # status, check-ins, reviews and DMs
    "im:write",  # conversations.open for DMs
    "users:read",  # users.info: a role goes to a real person
    "channels:history",  # a post that timed out is looked for before it is posted again
    "groups:history",
    "im:history",
    "reactions:read",  # the flag emoji on a check-in reply
    "files:write",  # reports and charts: files.getUploadURLExternal, completeUploadExternal
    "files:read",  # files.info: after an upload timed out, was the file shared already?
    "canvases:write",  # /pilot canvas: the channel's canvas, kept current
)
STATE_SECONDS = 600  # an Add to Slack link (its state) is good for ten minutes


class OrgWideInstall(BoltError):
    """An organisation-wide install, which pilot-bot does not support yet."""


class PilotOAuthFlow(OAuthFlow):
    """Bolt's OAuth flow, storing only workspace installs, and recording each one."""

    def __init__(self, *, engine: Engine, clock: Clock, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._engine, self._clock = engine, clock
        self.failure_handler = self._failure

    def store_installation(self, request: BoltRequest, installation: Installation) -> None:
        if installation.is_enterprise_install or not installation.team_id:
            self._revoke(installation)
            raise OrgWideInstall(f"org-wide install for {installation.enterprise_id}")
        try:
            self.settings.installation_store.save(installation)
            with unit_of_work(self._engine) as session:
                record_install(
                    session=session,
                    team_id=installation.team_id,
                    enterprise_id=installation.enterprise_id or "",
                    now=self._clock.now(),
                )
        except SQLAlchemyError as error:  # the failure page says storage_error
            raise BoltError("the installation could not be stored") from error
        log.info("installed in workspace %s", installation.team_id)

    def _revoke(self, installation: Installation) -> None:
        """An install refused keeps no live token behind."""
        if not installation.bot_token:
            return
        try:
            self.client.auth_revoke(token=installation.bot_token)
        except (SlackApiError, OSError) as error:
            log.warning("could not revoke the refused org-wide install's token: %s", error)

    def _failure(self, args: FailureArgs) -> BoltResponse:
        if not isinstance(args.error, OrgWideInstall):
            return args.default.failure(args)
        log.warning("refused an org-wide install (Enterprise Grid): %s", args.error)
        install = html.escape(self.install_path)
        page = _PAGE.format(
            title="pilot-bot installs in one workspace at a time",
            text="This was an organisation-wide install (Enterprise Grid), which pilot-bot "
            "does not support yet, so nothing was kept. Install it in each workspace that "
            f'runs pilots instead: <a href="{install}">start again</a> and pick a workspace '
            "at the top right of Slack's page, not the whole organisation.",
        )
        return BoltResponse(
            status=403,
            body=page,
            headers={
                "Content-Type": "text/html; charset=utf-8",
                "Set-Cookie": self.settings.state_utils.build_set_cookie_for_deletion(),
            },
        )


_PAGE = """<html>
<head><meta charset="utf-8"><title>pilot-bot</title>
<style>body {{ padding: 10px 15px; font-family: verdana; text-align: center; }}</style>
</head>
<body><h2>{title}</h2><p>{text}</p></body>
</html>
"""


def install_flow(
    *, settings: Settings, engine: Engine, clock: Clock, client: WebClient
) -> PilotOAuthFlow:
    """The OAuth flow for ``serve`` in multi-workspace mode."""
    assert settings.client_id is not None and settings.client_secret is not None
    oauth = OAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        redirect_uri=settings.redirect_uri,
        installation_store=TeamInstallationStore(client_id=settings.client_id, engine=engine),
        state_store=SQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=engine),
        state_expiration_seconds=STATE_SECONDS,
        installation_store_bot_only=True,
    )
    return PilotOAuthFlow(engine=engine, clock=clock, client=client, settings=oauth)
