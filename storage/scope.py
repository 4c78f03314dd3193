"""The Slack workspace a request or row belongs to.

A pilot belongs to the workspace the bot is installed in, identified by its team id
(Bolt's ``context.team_id``, which it resolves from ``view.app_installed_team_id``,
``team.id``, ``authorizations[0].team_id`` and ``team_id``). The enterprise id is kept
with the pilot but is not part of the scope: a workspace that joins an Enterprise Grid
organisation keeps its pilots, and a Slack Connect click whose ``enterprise`` is the
other organisation's still finds them. In multi-workspace mode the installation's token is
found by the same team id (bot/tokens.py, storage/installations.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Workspace:
    team_id: str
    enterprise_id: str = ""  # empty outside Enterprise Grid


def installation_of(context: Mapping[str, Any], body: Mapping[str, Any]) -> Workspace:
    """The workspace a request acts in: Bolt's ``context.team_id`` (the installation, in a
    Slack Connect channel too), else the body's own team id; the enterprise for the record."""
    team = context.get("team_id") or body.get("team_id") or ""
    if not team and isinstance(body.get("team"), dict):
        team = body["team"].get("id") or ""
    return Workspace(team_id=str(team), enterprise_id=str(context.get("enterprise_id") or ""))
