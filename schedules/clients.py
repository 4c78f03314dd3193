"""Delivery's Web API clients, one per workspace: each message goes out with the token of
the installation that owns its pilot (bot/tokens.py).

In single-workspace mode delivery is handed one ``WebClient`` (its token is the only one)
and nothing here runs; in multi-workspace mode ``TeamClients`` hands out copies of one base
client (no retry handlers, the delivery mark, its timeout), each with a workspace's token,
rotated first if it was about to expire.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from typing import Protocol

from slack_sdk import WebClient
from sqlmodel import Session

from bot.tokens import NoToken, Tokens

CACHED = 256  # clients kept, by token (a rotation makes a new one)


class Clients(Protocol):
    def for_team(self, team_id: str) -> WebClient:
        """The client to send a workspace's messages with; raises NoToken if there is none
        just now."""

    def unavailable(self, *, session: Session, team_ids: Collection[str]) -> dict[str, str]:
        """Why these workspaces cannot be sent to now (see bot.tokens.Tokens)."""


class OneClient:
    """One client for every workspace: single-workspace mode, and tests."""

    def __init__(self, client: WebClient) -> None:
        self._client = client

    def for_team(self, team_id: str) -> WebClient:
        return self._client

    def unavailable(self, *, session: Session, team_ids: Collection[str]) -> dict[str, str]:
        return {}


class TeamClients:
    """Copies of ``base``, each with the token of one workspace's installation."""

    def __init__(self, *, base: WebClient, tokens: Tokens) -> None:
        self._base, self._tokens = base, tokens
        self._lock = threading.Lock()
        self._by_token: dict[str, WebClient] = {}

    def for_team(self, team_id: str) -> WebClient:
        access = self._tokens.bot_for(team_id)
        if access is None:
            raise NoToken(f"the app is not installed in workspace {team_id}")
        with self._lock:
            client = self._by_token.get(access.token)
            if client is None:
                if len(self._by_token) >= CACHED:
                    self._by_token.clear()
                base = self._base
                client = WebClient(
                    token=access.token,
                    base_url=base.base_url,
                    timeout=base.timeout,
                    headers=dict(base.headers),
                    retry_handlers=list(base.retry_handlers),
                )
                self._by_token[access.token] = client
            return client

    def unavailable(self, *, session: Session, team_ids: Collection[str]) -> dict[str, str]:
        return self._tokens.unavailable(session=session, team_ids=team_ids)


def clients_for(base: WebClient, tokens: Tokens) -> WebClient | TeamClients:
    """What delivery is given: ``base`` itself with one workspace's token, else a client per
    workspace built on it."""
    return TeamClients(base=base, tokens=tokens) if tokens.multi_workspace else base


def as_clients(client: WebClient | Clients) -> Clients:
    return OneClient(client) if isinstance(client, WebClient) else client
