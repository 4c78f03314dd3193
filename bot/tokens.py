"""Which token a Web API call uses: the one provider that Bolt's authorize (listeners),
delivery and the scheduler all ask, by the installation's team id.

- One workspace (``SLACK_BOT_TOKEN``): that token, whatever the team (as it always was).
- Many workspaces (``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET``): the installation's bot
  token from slack-sdk's installation store in the bot's database, found by the
  installation's team id alone (storage/scope.py: a Slack Connect request naming the other
  organisation's enterprise still finds the vendor's installation). A token about to expire
  (token rotation) is rotated first, under the workspace row's lock, so that several
  instances never spend one refresh token twice. Bolt rotates only on incoming requests;
  asking here before every send is what keeps the scheduler's tokens fresh.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_sdk import WebClient
from slack_sdk.errors import SlackTokenRotationError
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.settings import Settings
from storage.installations import (
    TeamInstallationStore,
    gone_workspaces,
    installed_teams,
    locked_store,
)

log = logging.getLogger(__name__)

# Rotate a token this long before it expires (Bolt's default; Slack's rotating tokens
# live 12 hours), so that a send never goes out on one that dies on the way.
ROTATE_BEFORE = timedelta(minutes=120)


@dataclass(frozen=True)
class BotAccess:
    """A bot token good for now, and who it is (for Bolt's context)."""

    token: str
    bot_id: str | None = None
    bot_user_id: str | None = None
    scopes: tuple[str, ...] = ()


class NoToken(Exception):
    """No usable token for a workspace just now (``str()`` says why): try again later."""


class Tokens(Protocol):
    @property
    def multi_workspace(self) -> bool: ...

    def bot_for(self, team_id: str) -> BotAccess | None:
        """The workspace's bot token (rotated first if about to expire); None if the app
        is not installed there. Raises NoToken when a rotation fails."""

    def unavailable(self, *, session: Session, team_ids: Collection[str]) -> dict[str, str]:
        """Why the bot cannot send to each of these workspaces now (uninstalled, never
        installed), by team id; the others are left out."""


class OneWorkspace:
    """Single-workspace mode: ``SLACK_BOT_TOKEN`` for every call."""

    multi_workspace = False

    def __init__(self, token: str) -> None:
        self._access = BotAccess(token=token)

    def bot_for(self, team_id: str) -> BotAccess | None:
        return self._access

    def unavailable(self, *, session: Session, team_ids: Collection[str]) -> dict[str, str]:
        return {}


class Installed:
    """Multi-workspace mode: each installation's own token, from the installation store.

    slack-sdk's rotator reads the real clock (``time.time()``) to decide whether a token is
    about to expire; so does this class, to agree with it.
    """

    multi_workspace = True

    def __init__(
        self,
        *,
        engine: Engine,
        client_id: str,
        client_secret: str,
        client: WebClient,
        install_url: str | None = None,
        rotate_before: timedelta = ROTATE_BEFORE,
    ) -> None:
        self._engine, self._client_id = engine, client_id
        self._store = TeamInstallationStore(client_id=client_id, engine=engine)
        self._rotator = TokenRotator(
            client_id=client_id, client_secret=client_secret, client=client
        )
        self._minutes = max(1, int(rotate_before.total_seconds() // 60))
        self._install_url = install_url

    def bot_for(self, team_id: str) -> BotAccess | None:
        bot = self._store.find_bot(enterprise_id=None, team_id=team_id)
        if bot is not None and self._expiring(bot):
            bot = self._rotated(team_id)
        if bot is None:
            return None
        return BotAccess(
            token=bot.bot_token,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            scopes=tuple(bot.bot_scopes or ()),
        )

    def _expiring(self, bot: Bot) -> bool:
        expires_at = bot.bot_token_expires_at
        return expires_at is not None and expires_at <= time.time() + self._minutes * 60

    def _rotated(self, team_id: str) -> Bot | None:
        with locked_store(self._engine, client_id=self._client_id, team_id=team_id) as store:
            # Read again under the lock: another instance may have rotated it meanwhile.
            bot = store.find_bot(enterprise_id=None, team_id=team_id)
            if bot is None or not self._expiring(bot):
                return bot
            try:
                fresh = self._rotator.perform_bot_token_rotation(
                    bot=bot, minutes_before_expiration=self._minutes
                )
            except SlackTokenRotationError as error:
                code = error.api_error.response.get("error") or "no answer"
                raise NoToken(f"rotating workspace {team_id}'s token failed: {code}") from error
            except OSError as error:  # Slack unreachable: the lock goes, the old token stays
                raise NoToken(f"rotating workspace {team_id}'s token failed: {error}") from error
            if fresh is None:
                return bot
            store.save_bot(fresh)
            log.info("rotated the bot token of workspace %s", team_id)
            return fresh

    def unavailable(self, *, session: Session, team_ids: Collection[str]) -> dict[str, str]:
        missing = set(team_ids) - installed_teams(
            session=session, client_id=self._client_id, team_ids=team_ids
        )
        if not missing:
            return {}
        gone = gone_workspaces(session=session, team_ids=missing)
        where = f" (install it at {self._install_url})" if self._install_url else ""
        reasons = {}
        for team in missing:
            row = gone.get(team)
            if row is not None and row.gone_at is not None:
                reasons[team] = f"{row.gone_reason} on {row.gone_at:%Y-%m-%d %H:%M} UTC"
            else:
                reasons[team] = f"the app is not installed in workspace {team}{where}"
        return reasons


def tokens_for(settings: Settings, engine: Engine) -> Tokens:
    """The provider for the configured mode."""
    if not settings.multi_workspace:
        return OneWorkspace(settings.bot_token)
    assert settings.client_id is not None and settings.client_secret is not None
    return Installed(
        engine=engine,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        # oauth.v2.access (the refresh grant) authenticates with the app's credentials.
        client=WebClient(base_url=settings.slack_api_url, timeout=10),
        install_url=f"{settings.public_url}/slack/install" if settings.public_url else None,
    )


class TokensAuthorize(Authorize):
    """Bolt's authorize for multi-workspace mode: the request's installation (Bolt's
    ``context.team_id``, which is the installing team in a Slack Connect channel too) and
    its token from ``Tokens``, rotated there if need be. No ``auth.test`` per request: the
    store knows the bot's ids."""

    def __init__(self, tokens: Tokens) -> None:
        self._tokens = tokens

    def __call__(
        self,
        *,
        context: Any,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        if not team_id:
            return None  # an org-wide install: refused at install time (bot/install.py)
        try:
            access = self._tokens.bot_for(team_id)
        except NoToken as problem:
            log.warning("cannot answer a request from workspace %s: %s", team_id, problem)
            return None
        if access is None:
            log.warning("a request from workspace %s, where the app is not installed", team_id)
            return None
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            bot_token=access.token,
            bot_id=access.bot_id,
            bot_user_id=access.bot_user_id,
            bot_scopes=list(access.scopes),
            user_id=user_id,
        )
