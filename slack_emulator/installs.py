"""Installing the app in many workspaces: the OAuth side of the emulated Slack.

One emulator plays Slack for one app (``client_id`` / ``client_secret``) installed in any
number of workspaces. Each workspace has its own identity (team, bot user, bot id) and its
own bot tokens, and every Web API call is answered as the workspace its token belongs to
(``auth.test`` per token). Channels, users and history are one store (Slack's ids are
unique across workspaces); a channel added with an owning team answers ``channel_not_found``
to any other workspace's token.

``oauth.v2.access`` exchanges a code (:meth:`Installs.new_code`: what Slack's authorize page
would hand the redirect, which cannot be reached offline) for a bot token, with or without
token rotation, and honours the refresh grant. Refresh tokens are single-use, as Slack's
are: spending one twice answers ``invalid_refresh_token``. Rotating access tokens expire
(``token_expired``) by the real clock, as slack-sdk's rotator reads it.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from slack_emulator.workspace import SlackError, Workspace

DEFAULT_SCOPES = "commands,chat:write,im:write,users:read"
TOKEN_LIFETIME = 43_200  # seconds: Slack's rotating tokens live 12 hours


@dataclass(frozen=True)
class Identity:
    """Who a token speaks for: a workspace and the app's bot user in it."""

    team_id: str
    team_name: str
    team_domain: str
    bot_user_id: str
    bot_id: str
    enterprise_id: str | None = None
    org_wide: bool = False  # an Enterprise Grid organisation-wide install


@dataclass
class Grant:
    """One access token: whose, until when (``time.time()``; None: never), revoked or not."""

    who: Identity
    expires_at: float | None = None
    revoked: bool = False


@dataclass(frozen=True)
class Code:
    """What Slack's authorize page hands the redirect once the installer clicks Allow."""

    team_id: str
    user_id: str
    scopes: str
    rotation: bool
    expires_in: int
    org_wide: bool


@dataclass
class Installs:
    """The app's installations: identities, tokens, codes and refresh tokens."""

    client_id: str
    client_secret: str
    app_id: str
    identities: dict[str, Identity] = field(default_factory=dict)
    tokens: dict[str, Grant] = field(default_factory=dict)
    refresh: dict[str, str] = field(default_factory=dict)  # live refresh token -> team id
    codes: dict[str, Code] = field(default_factory=dict)
    refresh_expires_in: int = TOKEN_LIFETIME  # what a refresh grant's new token lives

    def add(self, who: Identity, token: str | None = None) -> None:
        self.identities[who.team_id] = who
        if token:
            self.tokens[token] = Grant(who)

    def who(self, token: str) -> Identity | None:
        grant = self.tokens.get(token)
        return grant.who if grant is not None else None

    def token_error(self, token: str) -> str | None:
        """Why Slack would refuse this token (None: it is good)."""
        grant = self.tokens.get(token)
        if grant is None:
            return "invalid_auth"
        if grant.revoked:
            return "token_revoked"
        if grant.expires_at is not None and time.time() >= grant.expires_at:
            return "token_expired"
        return None

    def valid_tokens(self, team_id: str) -> list[str]:
        return [t for t, g in self.tokens.items()
                if g.who.team_id == team_id and self.token_error(t) is None]

    def new_code(self, team_id: str, *, user_id: str, scopes: str | None, rotation: bool,
                 expires_in: int, org_wide: bool) -> str:
        if team_id not in self.identities:
            raise KeyError(f"add_workspace({team_id!r}) first")
        code = f"{int(time.time())}.{secrets.token_hex(12)}"
        self.codes[code] = Code(team_id, user_id, scopes or DEFAULT_SCOPES, rotation,
                                expires_in, org_wide)
        return code

    def revoke_team(self, team_id: str) -> None:
        """The app left the workspace: each of its tokens stops working."""
        for grant in self.tokens.values():
            if grant.who.team_id == team_id:
                grant.revoked = True
        self.refresh = {t: team for t, team in self.refresh.items() if team != team_id}

    def oauth_access(self, params: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        """``oauth.v2.access``: a code, or a refresh token, for a bot token."""
        client_id, secret = _credentials(params, headers)
        if client_id != self.client_id:
            raise SlackError("invalid_client_id")
        if secret != self.client_secret:
            raise SlackError("bad_client_secret")
        if params.get("grant_type") == "refresh_token":
            team = self.refresh.pop(str(params.get("refresh_token") or ""), None)
            if team is None:
                raise SlackError("invalid_refresh_token")
            who = self.identities[team]
            return {"ok": True, "app_id": self.app_id, "token_type": "bot",
                    **self._issue(who, rotation=True, expires_in=self.refresh_expires_in),
                    "team": {"id": who.team_id, "name": who.team_name},
                    "enterprise": _enterprise(who), "is_enterprise_install": who.org_wide}
        code = self.codes.pop(str(params.get("code") or ""), None)
        if code is None:
            raise SlackError("invalid_code")
        who = self.identities[code.team_id]
        if code.org_wide:
            who = replace(who, org_wide=True)
        answer: dict[str, Any] = {
            "ok": True, "app_id": self.app_id, "token_type": "bot", "scope": code.scopes,
            "bot_user_id": who.bot_user_id, "authed_user": {"id": code.user_id},
            "team": None if who.org_wide else {"id": who.team_id, "name": who.team_name},
            "enterprise": _enterprise(who), "is_enterprise_install": who.org_wide,
        }
        answer.update(self._issue(who, rotation=code.rotation, expires_in=code.expires_in))
        return answer

    def _issue(self, who: Identity, *, rotation: bool, expires_in: int) -> dict[str, Any]:
        serial = secrets.token_hex(8)
        if not rotation:
            token = f"xoxb-{who.team_id}-{serial}"
            self.tokens[token] = Grant(who)
            return {"access_token": token}
        token, refresh = f"xoxe.xoxb-1-{who.team_id}-{serial}", f"xoxe-1-{secrets.token_hex(12)}"
        self.tokens[token] = Grant(who, expires_at=time.time() + expires_in)
        self.refresh[refresh] = who.team_id
        return {"access_token": token, "refresh_token": refresh, "expires_in": expires_in}


def _credentials(params: dict[str, Any], headers: dict[str, str]) -> tuple[str, str]:
    """The app's credentials: HTTP Basic (what slack-sdk sends), else form fields."""
    auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    if auth.lower().startswith("basic "):
        try:
            pair = base64.b64decode(auth[6:].strip()).decode()
        except ValueError:
            raise SlackError("invalid_client_id") from None
        client_id, _, secret = pair.partition(":")
        return client_id, secret
    return str(params.get("client_id") or ""), str(params.get("client_secret") or "")


def _enterprise(who: Identity) -> dict[str, str] | None:
    return {"id": who.enterprise_id, "name": who.enterprise_id} if who.enterprise_id else None


@contextmanager
def acting_as(ws: Workspace, who: Identity) -> Iterator[None]:
    """Answer as ``who``'s workspace: its team and bot user (the emulator's lock is held)."""
    saved = (ws.team_id, ws.team_name, ws.team_domain, ws.bot_user_id, ws.bot_id,
             ws.enterprise_id, ws.org_wide)
    (ws.team_id, ws.team_name, ws.team_domain, ws.bot_user_id, ws.bot_id, ws.enterprise_id,
     ws.org_wide) = (who.team_id, who.team_name, who.team_domain, who.bot_user_id, who.bot_id,
                     who.enterprise_id, who.org_wide)
    try:
        yield
    finally:
        (ws.team_id, ws.team_name, ws.team_domain, ws.bot_user_id, ws.bot_id,
         ws.enterprise_id, ws.org_wide) = saved
