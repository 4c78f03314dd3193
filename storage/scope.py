"""The Slack workspace a request or row belongs to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Workspace:
    team_id: str
    enterprise_id: str = ""  # empty outside Enterprise Grid
