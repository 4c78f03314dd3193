"""The pilot of the channel a `/pilot` command came from (bot/features/access.py holds
the rules; this only reads the request)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.features.access import channel_pilot as _channel_pilot
from storage.db import Session
from storage.models import Pilot

if TYPE_CHECKING:
    from handlers.commands import CommandRequest


def channel_pilot(session: Session, request: CommandRequest) -> Pilot:
    return _channel_pilot(
        session=session, workspace=request.workspace, channel_id=request.channel_id
    )
